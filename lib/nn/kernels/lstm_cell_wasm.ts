/**
 * The LSTM cell arithmetic of one step (all batch rows) as a small WebAssembly module with SIMD (f32x4),
 * emitted as bytes with the shared encoder of lib/wasm (no assembler is available here). In scalar JS these loops were
 * about half of the fused LSTM op's time (docs/results.md, section 6); four lanes and an inlined
 * exponential make them several times faster. `lstm_sequence.ts` falls back to its JS loops when
 * WebAssembly SIMD is unavailable or H is not a multiple of 4.
 *
 * The module is generated per hidden size H (gate offsets become constant address offsets) and imports
 * its memory (`env.m`), which `LstmCellWasm` grows as needed. Two exports, all arguments byte addresses:
 *
 * - `fwd(pre, rec, bias, cPrev, hPrev, mask, gates, c, tc, h, B)`: for rows r < B and j < H,
 *   z = pre + bias + rec; i, f, o = σ(z); g = tanh(z); c' = f·cPrev + i·g; gates ← (i, f, g, o);
 *   tc ← tanh(c'); c ← m·c' + (1 − m)·cPrev; h ← m·(o·tc) + (1 − m)·hPrev (m = mask[r]). Row strides
 *   4H (pre, rec, gates) and H floats.
 * - `bwd(gates, tc, cPrev, dh, dhNext, dcNext, rec, mask, dGates, B)`: the backward of the same step;
 *   dhTot = dh + (dhNext + rec), updates dhNext and dcNext in place and writes dGates.
 *
 * The exponential is the same as `expFast` (Cody–Waite reduction, degree-7 polynomial, 2ᵏ built in the
 * exponent bits), in float32: values agree with the JS loops to ~1e-7.
 */
import { I32, section, sleb, uleb, utf8 as name, V128, vector as vec } from "../../wasm/mod.ts";

// The shared encoder's primitives (lib/wasm/encoder.ts); the instruction tables below use this kernel's names.

/** Instruction emitters (opcodes from the WebAssembly core and SIMD specifications). */
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtU: [0x49],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  simd: (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm],
};
const v = {
  load: (offset: number) => op.simd(0x00, 4, ...uleb(offset)),
  store: (offset: number) => op.simd(0x0b, 4, ...uleb(offset)),
  f32: (x: number) => op.simd(0x0c, ...new Uint8Array(new Float32Array([x, x, x, x]).buffer)),
  i32: (x: number) => op.simd(0x0c, ...new Uint8Array(new Int32Array([x, x, x, x]).buffer)),
  splat: op.simd(0x13), // f32x4.splat
  add: op.simd(0xe4),
  sub: op.simd(0xe5),
  mul: op.simd(0xe6),
  div: op.simd(0xe7),
  min: op.simd(0xe8),
  max: op.simd(0xe9),
  nearest: op.simd(0x6a), // f32x4.nearest (ties to even, as Math.round is not; both are exact reductions)
  truncSat: op.simd(0xf8), // i32x4.trunc_sat_f32x4_s
  iShl: op.simd(0xab),
  iAdd: op.simd(0xae),
};

const LOG2E = Math.LOG2E, LN2_HI = 0.693145751953125, LN2_LO = 1.4286068203094173e-6;

/** eˣ of the v128 on the stack (|x| ≤ 80, callers clamp), using v128 scratch locals x, k, r. */
function expV(x: number, k: number, r: number): number[] {
  const poly = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1];
  const horner: number[] = [...v.f32(poly[0])];
  for (const c of poly.slice(1)) horner.push(...op.get(r), ...v.mul, ...v.f32(c), ...v.add);
  return [
    ...op.tee(x),
    ...v.f32(LOG2E),
    ...v.mul,
    ...v.nearest,
    ...op.set(k),
    // r = x − k·ln2_hi − k·ln2_lo
    ...op.get(x),
    ...op.get(k),
    ...v.f32(LN2_HI),
    ...v.mul,
    ...v.sub,
    ...op.get(k),
    ...v.f32(LN2_LO),
    ...v.mul,
    ...v.sub,
    ...op.set(r),
    ...horner,
    // 2ᵏ: (k + 127) << 23 as float bits
    ...op.get(k),
    ...v.truncSat,
    ...v.i32(127),
    ...v.iAdd,
    ...op.i32(23),
    ...v.iShl,
    ...v.mul,
  ];
}

/** σ of the v128 on the stack: 1 / (1 + e^clamp(−z)). */
function sigmoidV(x: number, k: number, r: number): number[] {
  return [
    ...v.f32(-1),
    ...v.mul,
    ...v.f32(-80),
    ...v.max,
    ...v.f32(80),
    ...v.min,
    ...op.set(x),
    ...v.f32(1), // the numerator, below the denominator on the stack
    ...op.get(x),
    ...expV(x, k, r),
    ...v.f32(1),
    ...v.add,
    ...v.div,
  ];
}

/** tanh of the v128 on the stack: (1 − e) / (1 + e) with e = e^clamp(−2z). */
function tanhV(x: number, k: number, r: number): number[] {
  return [
    ...v.f32(-2),
    ...v.mul,
    ...v.f32(-80),
    ...v.max,
    ...v.f32(80),
    ...v.min,
    ...expV(x, k, r),
    // (1 − e) / (1 + e): no cancellation near 0, unlike 2 / (1 + e) − 1 in float32.
    ...op.set(x),
    ...v.f32(1),
    ...op.get(x),
    ...v.sub,
    ...v.f32(1),
    ...op.get(x),
    ...v.add,
    ...v.div,
  ];
}

/** The code of both functions for hidden size H. */
function moduleBytes(H: number): Uint8Array<ArrayBuffer> {
  const H4 = 4 * H, G4 = 16 * H; // bytes per H-row and per 4H-row
  // ---- fwd: params 0..10 ----
  const [pre, rec, bias, cPrev, hPrev, mask, gates, cOut, tcOut, hOut, B] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
  ];
  // i32 locals 11..15: r, jb, rowG, rowH, idxG (jb + rowG), 16: idxH
  const r = 11, jb = 12, rowG = 13, rowH = 14, idxG = 15, idxH = 16;
  // v128 locals from 17: m, om, gi, gf, gg, go, cp, cn, tc, x, k, rr
  const m = 17,
    om = 18,
    gi = 19,
    gf = 20,
    gg = 21,
    go = 22,
    cp = 23,
    cn = 24,
    tc = 25,
    x = 26,
    k = 27,
    rr = 28;
  const nV128 = rr - 17 + 1;
  const zOf = (gate: number) => [
    ...op.get(pre),
    ...op.get(idxG),
    ...op.i32Add,
    ...v.load(gate * H4),
    ...op.get(bias),
    ...op.get(jb),
    ...op.i32Add,
    ...v.load(gate * H4),
    ...v.add,
    ...op.get(rec),
    ...op.get(idxG),
    ...op.i32Add,
    ...v.load(gate * H4),
    ...v.add,
  ];
  const at = (base: number, idx: number) => [...op.get(base), ...op.get(idx), ...op.i32Add];
  const fwdBody = [
    ...op.i32(0),
    ...op.set(r),
    ...op.loop,
    ...op.get(mask),
    ...op.get(r),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.f32Load(0),
    ...v.splat,
    ...op.set(m),
    ...v.f32(1),
    ...op.get(m),
    ...v.sub,
    ...op.set(om),
    ...op.get(r),
    ...op.i32(G4),
    ...op.i32Mul,
    ...op.set(rowG),
    ...op.get(r),
    ...op.i32(H4),
    ...op.i32Mul,
    ...op.set(rowH),
    ...op.i32(0),
    ...op.set(jb),
    ...op.loop,
    ...op.get(jb),
    ...op.get(rowG),
    ...op.i32Add,
    ...op.set(idxG),
    ...op.get(jb),
    ...op.get(rowH),
    ...op.i32Add,
    ...op.set(idxH),
    ...zOf(0),
    ...sigmoidV(x, k, rr),
    ...op.set(gi),
    ...zOf(1),
    ...sigmoidV(x, k, rr),
    ...op.set(gf),
    ...zOf(2),
    ...tanhV(x, k, rr),
    ...op.set(gg),
    ...zOf(3),
    ...sigmoidV(x, k, rr),
    ...op.set(go),
    ...at(cPrev, idxH),
    ...v.load(0),
    ...op.set(cp),
    // cn = f·cp + i·g
    ...op.get(gf),
    ...op.get(cp),
    ...v.mul,
    ...op.get(gi),
    ...op.get(gg),
    ...v.mul,
    ...v.add,
    ...op.tee(cn),
    ...tanhV(x, k, rr),
    ...op.set(tc),
    ...at(gates, idxG),
    ...op.get(gi),
    ...v.store(0),
    ...at(gates, idxG),
    ...op.get(gf),
    ...v.store(H4),
    ...at(gates, idxG),
    ...op.get(gg),
    ...v.store(2 * H4),
    ...at(gates, idxG),
    ...op.get(go),
    ...v.store(3 * H4),
    ...at(tcOut, idxH),
    ...op.get(tc),
    ...v.store(0),
    // c = m·cn + om·cp
    ...at(cOut, idxH),
    ...op.get(m),
    ...op.get(cn),
    ...v.mul,
    ...op.get(om),
    ...op.get(cp),
    ...v.mul,
    ...v.add,
    ...v.store(0),
    // h = m·(o·tc) + om·hPrev
    ...at(hOut, idxH),
    ...op.get(m),
    ...op.get(go),
    ...op.get(tc),
    ...v.mul,
    ...v.mul,
    ...op.get(om),
    ...at(hPrev, idxH),
    ...v.load(0),
    ...v.mul,
    ...v.add,
    ...v.store(0),
    // next j
    ...op.get(jb),
    ...op.i32(16),
    ...op.i32Add,
    ...op.tee(jb),
    ...op.i32(H4),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    // next r
    ...op.get(r),
    ...op.i32(1),
    ...op.i32Add,
    ...op.tee(r),
    ...op.get(B),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  const fwdCode = [...vec([[...uleb(6), I32], [...uleb(nV128), V128]]), ...fwdBody];

  // ---- bwd: params 0..9 ----
  const [bg, btc, bcp, bdh, bdhN, bdcN, brec, bmask, bdG, bB] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const br = 10, bjb = 11, browG = 12, browH = 13, bidxG = 14, bidxH = 15; // i32 locals 10..15
  // v128 locals from 16
  const [bm, bkeep, bi, bf, bgg, bo, btcv, dhTot, dcTot, dhNew, dc] = [
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
    26,
  ];
  const loadAt = (base: number, idx: number, offset = 0) => [...at(base, idx), ...v.load(offset)];
  const oneMinus = (l: number) => [...v.f32(1), ...op.get(l), ...v.sub];
  const bwdBody = [
    ...op.i32(0),
    ...op.set(br),
    ...op.loop,
    ...op.get(bmask),
    ...op.get(br),
    ...op.i32(4),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.f32Load(0),
    ...v.splat,
    ...op.set(bm),
    ...oneMinus(bm),
    ...op.set(bkeep),
    ...op.get(br),
    ...op.i32(G4),
    ...op.i32Mul,
    ...op.set(browG),
    ...op.get(br),
    ...op.i32(H4),
    ...op.i32Mul,
    ...op.set(browH),
    ...op.i32(0),
    ...op.set(bjb),
    ...op.loop,
    ...op.get(bjb),
    ...op.get(browG),
    ...op.i32Add,
    ...op.set(bidxG),
    ...op.get(bjb),
    ...op.get(browH),
    ...op.i32Add,
    ...op.set(bidxH),
    ...loadAt(bg, bidxG, 0),
    ...op.set(bi),
    ...loadAt(bg, bidxG, H4),
    ...op.set(bf),
    ...loadAt(bg, bidxG, 2 * H4),
    ...op.set(bgg),
    ...loadAt(bg, bidxG, 3 * H4),
    ...op.set(bo),
    ...loadAt(btc, bidxH),
    ...op.set(btcv),
    // dhTot = dh + (dhNext + rec); dcTot = dcNext
    ...loadAt(bdh, bidxH),
    ...loadAt(bdhN, bidxH),
    ...loadAt(brec, bidxH),
    ...v.add,
    ...v.add,
    ...op.set(dhTot),
    ...loadAt(bdcN, bidxH),
    ...op.set(dcTot),
    // dhNew = m·dhTot
    ...op.get(bm),
    ...op.get(dhTot),
    ...v.mul,
    ...op.set(dhNew),
    // dc = dhNew·o·(1 − tc²) + m·dcTot
    ...op.get(dhNew),
    ...op.get(bo),
    ...v.mul,
    ...v.f32(1),
    ...op.get(btcv),
    ...op.get(btcv),
    ...v.mul,
    ...v.sub,
    ...v.mul,
    ...op.get(bm),
    ...op.get(dcTot),
    ...v.mul,
    ...v.add,
    ...op.set(dc),
    // dGates
    ...at(bdG, bidxG),
    ...op.get(dc),
    ...op.get(bgg),
    ...v.mul,
    ...op.get(bi),
    ...v.mul,
    ...oneMinus(bi),
    ...v.mul,
    ...v.store(0),
    ...at(bdG, bidxG),
    ...op.get(dc),
    ...loadAt(bcp, bidxH),
    ...v.mul,
    ...op.get(bf),
    ...v.mul,
    ...oneMinus(bf),
    ...v.mul,
    ...v.store(H4),
    ...at(bdG, bidxG),
    ...op.get(dc),
    ...op.get(bi),
    ...v.mul,
    ...v.f32(1),
    ...op.get(bgg),
    ...op.get(bgg),
    ...v.mul,
    ...v.sub,
    ...v.mul,
    ...v.store(2 * H4),
    ...at(bdG, bidxG),
    ...op.get(dhNew),
    ...op.get(btcv),
    ...v.mul,
    ...op.get(bo),
    ...v.mul,
    ...oneMinus(bo),
    ...v.mul,
    ...v.store(3 * H4),
    // dcNext = dc·f + keep·dcTot; dhNext = keep·dhTot
    ...at(bdcN, bidxH),
    ...op.get(dc),
    ...op.get(bf),
    ...v.mul,
    ...op.get(bkeep),
    ...op.get(dcTot),
    ...v.mul,
    ...v.add,
    ...v.store(0),
    ...at(bdhN, bidxH),
    ...op.get(bkeep),
    ...op.get(dhTot),
    ...v.mul,
    ...v.store(0),
    // next j, next r
    ...op.get(bjb),
    ...op.i32(16),
    ...op.i32Add,
    ...op.tee(bjb),
    ...op.i32(H4),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.get(br),
    ...op.i32(1),
    ...op.i32Add,
    ...op.tee(br),
    ...op.get(bB),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  const bwdCode = [...vec([[...uleb(6), I32], [...uleb(11), V128]]), ...bwdBody];

  const funcType = (params: number) => [0x60, ...vec(Array.from({ length: params }, () => [I32])), 0];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([funcType(11), funcType(10)])),
    ...section(2, vec([[...name("env"), ...name("m"), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...name("fwd"), 0x00, 0], [...name("bwd"), 0x00, 1]])),
    ...section(10, vec([fwdCode, bwdCode].map((c) => [...uleb(c.length), ...c]))),
  ]);
}

type Fwd = (...args: number[]) => void;

/**
 * The compiled cell for one H, an instance with its own memory and a bump layout of regions; null-safe via
 * `lstmCellWasm`. A fused LSTM op takes an instance per forward call (`acquire`) and keeps its tape in that
 * memory until the backward is done (`release`), so the tape is never copied out and back in (4.9 MB per
 * direction of W3's second layer, twice per step). An instance whose backward never runs (inference) is
 * simply collected with its tape.
 */
export class LstmCellWasm {
  readonly memory: WebAssembly.Memory;
  readonly fwd: Fwd;
  readonly bwd: Fwd;
  /** Released instances of the same module, for reuse (shared by all instances of one H). */
  readonly #pool: LstmCellWasm[];
  #held = false;

  constructor(readonly module: WebAssembly.Module, pool: LstmCellWasm[] = []) {
    this.#pool = pool;
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const inst = new WebAssembly.Instance(module, { env: { m: this.memory } });
    this.fwd = inst.exports.fwd as Fwd;
    this.bwd = inst.exports.bwd as Fwd;
  }

  /** An instance of the same cell for one op's tape: a released one, or a new one with its own memory. */
  acquire(): LstmCellWasm {
    const unit = this.#pool.pop() ?? new LstmCellWasm(this.module, this.#pool);
    unit.#held = true;
    return unit;
  }

  /** Gives an acquired instance back; its memory is reused by a later `acquire`. */
  release(): void {
    if (!this.#held) throw new Error("LstmCellWasm: released an instance that is not held");
    this.#held = false;
    // A few spare memories cover the directions of a stacked BiLSTM; more would only hold memory.
    if (this.#pool.length < 8) this.#pool.push(this);
  }

  /**
   * Lays out regions of the given float counts (each 16-byte aligned), growing the memory as needed;
   * returns their byte offsets. Views must be made after this call (growth detaches old ones).
   */
  layout(sizes: number[]): number[] {
    let at = 0;
    const offsets = sizes.map((n) => {
      const o = at;
      at += Math.ceil(n / 4) * 16;
      return o;
    });
    const pages = Math.ceil(at / 65536), have = this.memory.buffer.byteLength / 65536;
    if (pages > have) this.memory.grow(pages - have);
    return offsets;
  }

  view(offset: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, n);
  }
}

const modules = new Map<number, LstmCellWasm | null>();
let enabled = true;

/** Turns the wasm cell on or off (tests compare both paths); returns the previous setting. */
export function setLstmCellWasm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** The wasm cell for hidden size H, or null when disabled, H % 4 ≠ 0 or WebAssembly SIMD is missing. */
export function lstmCellWasm(H: number): LstmCellWasm | null {
  if (!enabled || H % 4 !== 0 || H <= 0) return null;
  let cell = modules.get(H);
  if (cell === undefined) {
    cell = null;
    try {
      const bytes = moduleBytes(H);
      if (typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes)) {
        cell = new LstmCellWasm(new WebAssembly.Module(bytes));
      }
    } catch {
      cell = null;
    }
    modules.set(H, cell);
  }
  return cell;
}

/** For tests: the module bytes for H (to check they validate). */
export function lstmCellModuleBytes(H: number): Uint8Array<ArrayBuffer> {
  return moduleBytes(H);
}
