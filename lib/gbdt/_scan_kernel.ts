/**
 * The threshold scans of split finding as WebAssembly: the reverse and forward passes that `split.ts` ran
 * in TypeScript before, operation for operation, so that they compute bit-identical gains (WebAssembly
 * doubles are IEEE doubles and are never fused or reordered). In TypeScript these loops took ~5 ns per bin and were
 * the second-largest cost of training; here ~4 ns (measured on the W2 root histogram, 20 features × 254
 * thresholds: 20–25 µs against 26–34 µs). A division-free screen of thresholds that cannot beat the best so
 * far was tried and gained nothing: the loop is apparently bound by its instruction count, not the divisions.
 *
 * One pass runs over the value bins of one feature. The accumulating side (the right side in a reverse
 * pass, the left in a forward one) adds bin by bin; the other side is the leaf total minus it. A threshold
 * counts when both sides hold ≥ minData rows and ≥ minHess hessian, and its gain
 * T(G_L)²/(H_L + λ₂) + T(G_R)²/(H_R + λ₂), with T(g) = sign(g)·max(|g| − λ₁, 0), is above `shift`; the best
 * one (strictly above the bar `best`, first found wins) is written to `out`.
 */
import { F64, I32, op, type WasmFunction } from "../wasm/mod.ts";

/**
 * The exchange block of the passes: what a pass found — f64 [gain, leftGrad, leftHess, leftCount] at 0,
 * i32 [threshold, splittable] at 32 — and, from byte 40, the leaf's constants as f64 [totalG, totalH, totalC,
 * minData, minHess, l1, l2, shift, hessianPerRow, epsilon], written once per leaf (passing them as call
 * arguments, 14 per pass, cost more than the pass itself).
 */
export const SCAN_IO_BYTES = 40 + 8 * 10;
const CONSTANTS_AT = 40;

/**
 * `scanReverse…` / `scanForward…`(slots, valueBins, best, io): `slots` is the address of the feature's first
 * [grad, count] slot, `io` the exchange block; `epsilon` is the hessian the accumulating side starts from
 * (LightGBM's kEpsilon, see split.ts). Threshold t means bins ≤ t go left; −1 when nothing beat `best`.
 */
export function scanFunction(forward: boolean, withL1: boolean): WasmFunction {
  const SLOTS = 0, BINS = 1, BEST = 2, OUT = 3;
  // Locals loaded from the exchange block, in its order.
  const TOTAL_G = 4, TOTAL_H = 5, TOTAL_C = 6, MIN_DATA = 7, MIN_HESS = 8, L1 = 9, L2 = 10, SHIFT = 11;
  const K = 12, EPSILON = 13;
  const t = 14, bestT = 15, splittable = 16;
  const ag = 17, ah = 18, ac = 19, count = 20, og = 21, oh = 22, oc = 23, gain = 24;
  const bestG = 25, bestH = 26, bestC = 27, tl = 28, tr = 29, a = 30, b = 31, address = 32;
  const get = op.localGet, set = op.localSet;
  // T(g) = sign(g)·max(|g| − λ₁, 0) of local g; without λ₁ it is g itself (exactly: copysign(|g|, g) = g),
  // and leaving its four instructions out made a pass about a third faster (W2 matrix, 20 features: 14.3 vs
  // 22.0 µs).
  const thresholded = (g: number) =>
    !withL1 ? get(g) : [
      ...get(g),
      ...op.f64Abs,
      ...get(L1),
      ...op.f64Sub,
      ...op.f64Const(0),
      ...op.f64Max,
      ...get(g),
      ...op.f64Copysign,
    ];
  const square = (x: number) => [...get(x), ...get(x), ...op.f64Mul];
  // The left side is the other one in a reverse pass, the accumulating one in a forward pass.
  const [lg, lh, lc] = forward ? [ag, ah, ac] : [og, oh, oc];
  const [rg, rh] = forward ? [og, oh] : [ag, ah];
  const below = (x: number, minimum: number) => [...get(x), ...get(minimum), ...op.f64Lt];
  const perBin = [
    // Accumulate bin t.
    ...get(t),
    ...op.i32Const(4),
    ...op.i32Shl,
    ...get(SLOTS),
    ...op.i32Add,
    ...op.localTee(address),
    ...op.f64Load(8),
    ...set(count),
    ...get(ag),
    ...get(address),
    ...op.f64Load(0),
    ...op.f64Add,
    ...set(ag),
    ...get(ah),
    ...get(count),
    ...get(K),
    ...op.f64Mul,
    ...op.f64Add,
    ...set(ah),
    ...get(ac),
    ...get(count),
    ...op.f64Add,
    ...set(ac),
    ...op.block,
    // Too little on the accumulating side: next threshold.
    ...below(ac, MIN_DATA),
    ...below(ah, MIN_HESS),
    ...op.i32Or,
    ...op.brIf(0),
    // Too little on the other side: it only shrinks from here, so stop.
    ...get(TOTAL_C),
    ...get(ac),
    ...op.f64Sub,
    ...set(oc),
    ...get(TOTAL_H),
    ...get(ah),
    ...op.f64Sub,
    ...set(oh),
    ...below(oc, MIN_DATA),
    ...below(oh, MIN_HESS),
    ...op.i32Or,
    ...op.brIf(2),
    ...get(TOTAL_G),
    ...get(ag),
    ...op.f64Sub,
    ...set(og),
    // a = H_L + λ₂, b = H_R + λ₂, tl = T(G_L), tr = T(G_R).
    ...thresholded(lg),
    ...set(tl),
    ...thresholded(rg),
    ...set(tr),
    ...get(lh),
    ...get(L2),
    ...op.f64Add,
    ...set(a),
    ...get(rh),
    ...get(L2),
    ...op.f64Add,
    ...set(b),
    // gain = tl²/a + tr²/b, in this order as in split.ts.
    ...square(tl),
    ...get(a),
    ...op.f64Div,
    ...square(tr),
    ...get(b),
    ...op.f64Div,
    ...op.f64Add,
    ...op.localTee(gain),
    ...get(SHIFT),
    ...op.f64Le,
    ...op.brIf(0),
    ...op.i32Const(1),
    ...set(splittable),
    ...get(gain),
    ...get(BEST),
    ...op.f64Gt,
    ...op.if,
    ...get(gain),
    ...set(BEST),
    ...get(t),
    ...(forward ? [] : [...op.i32Const(1), ...op.i32Sub]),
    ...set(bestT),
    ...get(lg),
    ...set(bestG),
    ...get(lh),
    ...set(bestH),
    ...get(lc),
    ...set(bestC),
    ...op.end,
    ...op.end,
  ];
  const step = forward
    ? [...get(t), ...op.i32Const(1), ...op.i32Add, ...set(t)]
    : [...get(t), ...op.i32Const(1), ...op.i32Sub, ...set(t)];
  // Reverse: t = valueBins − 1 down to 1; forward: t = 0 up to valueBins − 1.
  const done = forward
    ? [...get(t), ...get(BINS), ...op.i32GeS]
    : [...get(t), ...op.i32Const(1), ...op.i32LtS];
  const loadConstants = Array.from({ length: 10 }, (_, k) => [
    ...get(OUT),
    ...op.f64Load(CONSTANTS_AT + 8 * k),
    ...set(TOTAL_G + k),
  ]).flat();
  const body = [
    ...loadConstants,
    ...get(EPSILON),
    ...set(ah),
    ...op.i32Const(-1),
    ...set(bestT),
    ...(forward ? op.i32Const(0) : [...get(BINS), ...op.i32Const(1), ...op.i32Sub]),
    ...set(t),
    ...op.block,
    ...op.loop,
    ...done,
    ...op.brIf(1),
    ...perBin,
    ...step,
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...get(OUT),
    ...get(BEST),
    ...op.f64Store(0),
    ...get(OUT),
    ...get(bestG),
    ...op.f64Store(8),
    ...get(OUT),
    ...get(bestH),
    ...op.f64Store(16),
    ...get(OUT),
    ...get(bestC),
    ...op.f64Store(24),
    ...get(OUT),
    ...get(bestT),
    ...op.i32Store(32),
    ...get(OUT),
    ...get(splittable),
    ...op.i32Store(36),
  ];
  return {
    name: scanName(forward, withL1),
    params: [I32, I32, F64, I32],
    locals: [...Array(10).fill(F64), I32, I32, I32, ...Array(15).fill(F64), I32],
    body,
  };
}

/** The export name of a pass. */
export function scanName(forward: boolean, withL1: boolean): string {
  return `scan${forward ? "Forward" : "Reverse"}${withL1 ? "L1" : ""}`;
}

/** All four passes: reverse and forward, with and without λ₁. */
export function scanFunctions(): WasmFunction[] {
  return [false, true].flatMap((forward) => [false, true].map((withL1) => scanFunction(forward, withL1)));
}

/** Runs the scan passes of the workspace's module and reads back what they found. */
export class ScanKernel {
  /** Passes by index: forward·2 + withL1. */
  readonly #passes: ScanPass[];
  readonly #io: number;
  readonly #values: Float64Array;
  readonly #flags: Int32Array;
  readonly #constants: Float64Array;
  /** 1 when the current leaf's λ₁ is not 0 (the pass with the soft-threshold). */
  #withL1 = 0;

  constructor(kernels: WebAssembly.Exports, io: Uint8Array) {
    this.#passes = [false, true].flatMap((forward) =>
      [false, true].map((withL1) => kernels[scanName(forward, withL1)] as ScanPass)
    );
    this.#io = io.byteOffset;
    this.#values = new Float64Array(io.buffer, io.byteOffset, 4);
    this.#flags = new Int32Array(io.buffer, io.byteOffset + 32, 2);
    this.#constants = new Float64Array(io.buffer, io.byteOffset + CONSTANTS_AT, 10);
  }

  /** Sets the leaf the following passes scan: its sums and the limits. */
  setLeaf(totals: { grad: number; hess: number; count: number }, limits: ScanLimits): void {
    const c = this.#constants;
    c[0] = totals.grad;
    c[1] = totals.hess;
    c[2] = totals.count;
    c[3] = limits.minData;
    c[4] = limits.minHess;
    c[5] = limits.l1;
    c[6] = limits.l2;
    c[7] = limits.shift;
    c[8] = limits.hessianPerRow;
    c[9] = limits.epsilon;
    this.#withL1 = limits.l1 === 0 ? 0 : 1;
  }

  /** One pass over `valueBins` bins from slot address `slots` of the current leaf, against the bar `best`. */
  pass(forward: boolean, slots: number, valueBins: number, best: number): void {
    this.#passes[(forward ? 2 : 0) + this.#withL1](slots, valueBins, best, this.#io);
  }

  /** The last pass's best threshold (−1: none beat the bar) and its gain and left sums. */
  get threshold(): number {
    return this.#flags[0];
  }
  get gain(): number {
    return this.#values[0];
  }
  get leftGrad(): number {
    return this.#values[1];
  }
  get leftHess(): number {
    return this.#values[2];
  }
  get leftCount(): number {
    return this.#values[3];
  }
  /** Whether the last pass saw any threshold within the limits with a gain above `shift`. */
  get splittable(): boolean {
    return this.#flags[1] !== 0;
  }
}

/** The constants of one leaf's scan. */
export interface ScanLimits {
  minData: number;
  minHess: number;
  l1: number;
  l2: number;
  shift: number;
  hessianPerRow: number;
  epsilon: number;
}

type ScanPass = (slots: number, valueBins: number, best: number, io: number) => void;
