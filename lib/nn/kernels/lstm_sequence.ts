/**
 * A whole LSTM layer direction as one tfjs op with a hand-written gradient. Plain tfjs records ~15 kernels
 * per step and as many again backwards (14,000 per W3 step). Here forward and backward work on
 * Float32Arrays: one input-projection product for all steps, per step one recurrent product on XNNPACK
 * called directly (`FixedRightGemm`: the recurrent weights are packed once per sequence) and the gate
 * arithmetic in one pass; backwards one product per step and the weight gradients as one large product
 * each (docs/results.md, section 6).
 *
 * Layout: time-major x (T, B, I); W (I, 4H), U (H, 4H), b (4H), gate order i, f, g, o (as torch and
 * lib/nn/layers/_lstm.ts); h₀ = c₀ = 0; `reverse` runs from the last step to the first. An optional step
 * mask (T, B) keeps the state where it is 0 (h ← m·h_new + (1 − m)·h, likewise c), exactly as
 * lib/nn/layers/_lstm.ts does for padded sequences.
 *
 * On a GPU backend (WebGPU) the op cannot read its inputs back synchronously; there it is the plain-tfjs
 * layer (lib/nn/layers/_lstm.ts) in the same layout — the same function, checked equal in
 * tests/lib/nn/webgpu_layers_test.ts — whose per-step kernels run on the device.
 */
import * as tf from "@tensorflow/tfjs";
import { FixedRightGemm, gemm, transpose, transposeInto } from "./gemm.ts";
import { type LstmCellWasm, lstmCellWasm } from "./lstm_cell_wasm.ts";
import { staleViews, tensorValues } from "./host_values.ts";
import { type NativeBlas, nativeBlas } from "../../blas/mod.ts";
import { lstm, type LstmParams } from "../layers/_lstm.ts";
import { hostBackend } from "../../train/mod.ts";

/** Hidden states (T, B, H) of one direction; differentiable with respect to x, W, U and b (not the mask). */
export function lstmSequence(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
  reverse = false,
  stepMask?: tf.Tensor2D,
): tf.Tensor3D {
  if (!hostBackend()) return plainLstmSequence(x, w, u, b, reverse, stepMask);
  const mask = stepMask ? stepMask.dataSync() as Float32Array : null;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, ws, us, bs] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const [T, B, I] = xs.shape, H = us.shape[0];
    const fwd = lstmForward(
      tensorValues(xs),
      tensorValues(ws),
      tensorValues(us),
      tensorValues(bs),
      { steps: T, batch: B, input: I, hidden: H, reverse, mask },
    );
    if (staleViews()) save([xs, ws, us]);
    // A wasm tape's h is a view of memory a later call reuses; the cpu backend would keep the view itself.
    const value = tf.tensor3d(fwd.cell ? fwd.h.slice() : fwd.h, [T, B, H]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      // Heap views go stale at a tfjs allocation (host_values.ts): then the inputs are read again.
      const inputs = saved.length
        ? { x: tensorValues(saved[0]), w: tensorValues(saved[1]), u: tensorValues(saved[2]) }
        : {};
      const g = lstmBackward({ ...fwd, ...inputs }, tensorValues(dy));
      return [
        tf.tensor3d(g.dx, [T, B, I]),
        tf.tensor2d(g.dw, [I, 4 * H]),
        tf.tensor2d(g.du, [H, 4 * H]),
        tf.tensor1d(g.db),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, w, u, b) as tf.Tensor3D;
}

/** The same op from plain tfjs layers (batch-major inside), for backends that cannot read synchronously. */
function plainLstmSequence(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
  reverse: boolean,
  stepMask?: tf.Tensor2D,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [T, B] = x.shape;
    const mask = stepMask ? tf.transpose(stepMask) as tf.Tensor2D : tf.ones([B, T]) as tf.Tensor2D;
    // lstm() only runs tfjs ops on the weights, so plain tensors serve (no variable is assigned).
    const params = { w, u, b, hidden: u.shape[0] } as unknown as LstmParams;
    const out = lstm(tf.transpose(x, [1, 0, 2]) as tf.Tensor3D, mask, params, reverse);
    return tf.transpose(out, [1, 0, 2]) as tf.Tensor3D;
  });
}

/** Sizes of one direction. */
interface LstmDims {
  steps: number;
  batch: number;
  input: number;
  hidden: number;
  reverse: boolean;
  /** (T, B) step mask, or null for all ones. */
  mask: Float32Array | null;
}

/** What the backward pass needs: inputs, gate activations, cell states and their tanh, per step. */
interface LstmTape extends LstmDims {
  x: Float32Array;
  w: Float32Array;
  u: Float32Array;
  /** (T, B, 4H) activated gates i, f, g, o. */
  gates: Float32Array;
  /** (T, B, H) cell states (after masking) and tanh of the unmasked new cell. */
  c: Float32Array;
  tanhC: Float32Array;
  /** (T, B, H) outputs (after masking). */
  h: Float32Array;
  /** The wasm path: the cell instance whose memory holds the arrays above (views), until the backward. */
  cell?: CellTape;
}

/** 2^k for k = −130 … 130, the scale step of `expFast`. */
const POW2 = Float64Array.from({ length: 261 }, (_, i) => 2 ** (i - 130));
const LOG2E = Math.LOG2E;
// ln 2 split in two so k·ln2 is subtracted without rounding error (Cody–Waite reduction).
const LN2_HI = 0.693145751953125, LN2_LO = 1.4286068203094173e-6;

/**
 * eˣ for x in [−87, 87] (callers clamp): x = k·ln2 + r with |r| ≤ ln2/2, eʳ by its degree-7 Taylor
 * polynomial (relative error ≤ 5e-9, far below float32's 6e-8), 2ᵏ from a table. `Math.exp` is a call
 * into C++ in V8, and the gate activations made ~2 M of them per W3 step (~40 % of the LSTM's time).
 */
export function expFast(x: number): number {
  const k = Math.round(x * LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r / 5040))))));
  return POW2[k + 130] * p;
}

/** σ(v) = 1 / (1 + e⁻ᵛ); the argument is clamped (σ is 0 or 1 to float32 beyond it). */
function sigmoid(v: number): number {
  return 1 / (1 + expFast(v < -80 ? 80 : v > 80 ? -80 : -v));
}

/** tanh(v) = 2σ(2v) − 1, through the same exponential. */
function tanh(v: number): number {
  return 2 / (1 + expFast(v < -40 ? 80 : v > 40 ? -80 : -2 * v)) - 1;
}

/** Runs one direction forward and records the tape. */
export function lstmForward(
  x: Float32Array,
  w: Float32Array,
  u: Float32Array,
  b: Float32Array,
  dims: LstmDims,
): LstmTape {
  const { steps: T, batch: B, input: I, hidden: H, reverse, mask } = dims, G = 4 * H;
  const cell = lstmCellWasm(H);
  if (cell) return lstmForwardWasm(cell, x, w, u, b, dims);
  const pre = gemm(x, T * B, I, w, G);
  const tape: LstmTape = {
    ...dims,
    x,
    w,
    u,
    gates: new Float32Array(T * B * G),
    c: new Float32Array(T * B * H),
    tanhC: new Float32Array(T * B * H),
    h: new Float32Array(T * B * H),
  };
  const { gates, c: cs, tanhC: tcs, h: hs } = tape;
  const rec = new Float32Array(B * G);
  const zeros = new Float32Array(B * H);
  const recurrent = new FixedRightGemm(u, H, G, B);
  try {
    let hPrev: Float32Array = zeros, cPrev: Float32Array = zeros;
    for (let k = 0; k < T; k++) {
      const s = reverse ? T - 1 - k : k;
      if (k === 0) rec.fill(0);
      else recurrent.multiply(hPrev, B, rec);
      const zAt0 = s * B * G;
      for (let r = 0; r < B; r++) {
        const zAt = zAt0 + r * G, rAt = r * G, hAt = (s * B + r) * H, pAt = r * H;
        const m = mask ? mask[s * B + r] : 1;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(pre[zAt + j] + b[j] + rec[rAt + j]);
          const f = sigmoid(pre[zAt + H + j] + b[H + j] + rec[rAt + H + j]);
          const g = tanh(pre[zAt + 2 * H + j] + b[2 * H + j] + rec[rAt + 2 * H + j]);
          const o = sigmoid(pre[zAt + 3 * H + j] + b[3 * H + j] + rec[rAt + 3 * H + j]);
          const cp = cPrev[pAt + j];
          const cNew = f * cp + i * g, tc = tanh(cNew);
          gates[zAt + j] = i;
          gates[zAt + H + j] = f;
          gates[zAt + 2 * H + j] = g;
          gates[zAt + 3 * H + j] = o;
          tcs[hAt + j] = tc;
          // m is 0 or 1 in practice; the blend keeps the op exact for any m the reference accepts.
          cs[hAt + j] = m * cNew + (1 - m) * cp;
          hs[hAt + j] = m * (o * tc) + (1 - m) * hPrev[pAt + j];
        }
      }
      hPrev = hs.subarray(s * B * H, (s + 1) * B * H);
      cPrev = cs.subarray(s * B * H, (s + 1) * B * H);
    }
  } finally {
    recurrent.dispose();
  }
  return tape;
}

/** Gradients of x, W, U and b from dL/dh (T, B, H). */
export function lstmBackward(
  tape: LstmTape,
  dh: Float32Array,
): { dx: Float32Array; dw: Float32Array; du: Float32Array; db: Float32Array } {
  const { steps: T, batch: B, hidden: H, reverse, mask, gates, c: cs, tanhC: tcs, h: hs } = tape;
  const G = 4 * H;
  if (tape.cell) return lstmBackwardWasm(tape as LstmTape & { cell: CellTape }, dh);
  const dGates = new Float32Array(T * B * G);
  // (T·B, H) previous hidden state of every step (zero at the first), for dU = hPrevᵀ·dGates.
  const hPrevAll = new Float32Array(T * B * H);
  const dhNext = new Float32Array(B * H), dcNext = new Float32Array(B * H);
  const recurrentT = new FixedRightGemm(transpose(tape.u, H, G), G, H, B);
  try {
    for (let k = T - 1; k >= 0; k--) {
      const s = reverse ? T - 1 - k : k;
      const prev = k === 0 ? -1 : (reverse ? s + 1 : s - 1);
      if (prev >= 0) hPrevAll.set(hs.subarray(prev * B * H, (prev + 1) * B * H), s * B * H);
      for (let r = 0; r < B; r++) {
        const gAt = (s * B + r) * G, hAt = (s * B + r) * H, pAt = r * H;
        const m = mask ? mask[s * B + r] : 1, keep = 1 - m;
        const cAt = prev < 0 ? -1 : (prev * B + r) * H;
        for (let j = 0; j < H; j++) {
          const i = gates[gAt + j], f = gates[gAt + H + j];
          const g = gates[gAt + 2 * H + j], o = gates[gAt + 3 * H + j];
          const tc = tcs[hAt + j];
          const cPrev = cAt < 0 ? 0 : cs[cAt + j];
          const dhTot = dh[hAt + j] + dhNext[pAt + j];
          const dcTot = dcNext[pAt + j];
          // Through the mask blend: the new state gets m of the gradient, the carried state 1 − m.
          const dhNew = m * dhTot;
          const dc = dhNew * o * (1 - tc * tc) + m * dcTot;
          dGates[gAt + j] = dc * g * i * (1 - i);
          dGates[gAt + H + j] = dc * cPrev * f * (1 - f);
          dGates[gAt + 2 * H + j] = dc * i * (1 - g * g);
          dGates[gAt + 3 * H + j] = dhNew * tc * o * (1 - o);
          dcNext[pAt + j] = dc * f + keep * dcTot;
          dhNext[pAt + j] = keep * dhTot;
        }
      }
      if (k > 0) {
        // dL/dh of the previous step through the recurrent product: dGates_s · Uᵀ, added to the carry.
        const rec = recurrentT.multiply(
          dGates.subarray(s * B * G, (s + 1) * B * G),
          B,
          new Float32Array(B * H),
        );
        for (let q = 0; q < B * H; q++) dhNext[q] += rec[q];
      }
    }
  } finally {
    recurrentT.dispose();
  }
  const blas = nativeBlas();
  return blas ? weightGradientsNative(blas, tape, dGates) : weightGradients(tape, dGates, hPrevAll);
}

/** dx, dW, dU, db from the gate gradients (T·B × 4H) and the previous hidden states (T·B × H). */
function weightGradients(
  tape: LstmTape,
  dGates: Float32Array,
  hPrevAll: Float32Array,
): { dx: Float32Array; dw: Float32Array; du: Float32Array; db: Float32Array } {
  const { steps: T, batch: B, input: I, hidden: H } = tape, G = 4 * H, n = T * B;
  // dW and dU in one product, [dW; dU] = [x | hPrev]ᵀ · dGates ((I + H) × 4H): only the narrow inputs
  // are transposed (T·B × (I + H)), not dGates (T·B × 4H) and the two results as before, and XNNPACK
  // packs dGates once for both. Each sum still runs over the T·B rows in order.
  const inputsT = new Float32Array((I + H) * n);
  transposeInto(tape.x, n, I, inputsT, 0);
  transposeInto(hPrevAll, n, H, inputsT, I * n);
  const dwu = gemm(inputsT, I + H, n, dGates, G);
  const dw = dwu.subarray(0, I * G), du = dwu.subarray(I * G, (I + H) * G);
  const dx = gemm(dGates, n, G, transpose(tape.w, I, G), I);
  // A copy first: on the wasm cell dGates is a view of WebAssembly memory, which a JS loop reads several
  // times slower than a plain array (bidirectional_lstm.ts); the copy is a memcpy.
  const rows = dGates.slice(0, n * G), db = new Float32Array(G);
  for (let q = 0; q < n; q++) {
    const at = q * G;
    for (let j = 0; j < G; j++) db[j] += rows[at + j];
  }
  return { dx, dw, du, db };
}

/** (T·B, H) previous hidden state of every step (zero at the first), for dU = hPrevᵀ·dGates. */
function previousHidden(tape: LstmTape): Float32Array {
  const { steps: T, batch: B, hidden: H, reverse, h: hs } = tape, n = B * H;
  const hPrevAll = new Float32Array(T * n);
  for (let s = 0; s < T; s++) {
    const prev = reverse ? s + 1 : s - 1;
    if (prev >= 0 && prev < T) hPrevAll.set(hs.subarray(prev * n, (prev + 1) * n), s * n);
  }
  return hPrevAll;
}

/**
 * dx, dW, dU, db on a native BLAS: its products take transposed and offset operands as they are, so
 * nothing is transposed or copied. dU = Σₛ hPrevₛᵀ·dGatesₛ is one product because the previous hidden
 * states of steps 1 … T−1 (forward; 0 … T−2 reversed) are the rows of h one step away: a contiguous block.
 */
function weightGradientsNative(
  blas: NativeBlas,
  tape: LstmTape,
  dGates: Float32Array,
): { dx: Float32Array; dw: Float32Array; du: Float32Array; db: Float32Array } {
  const { steps: T, batch: B, input: I, hidden: H, reverse, x, w, h } = tape, G = 4 * H, n = T * B;
  const dw = new Float32Array(I * G), du = new Float32Array(H * G), dx = new Float32Array(n * I);
  blas.sgemm(true, false, I, G, n, x, I, dGates, G, 0, dw, G);
  if (T > 1) {
    const rows = (T - 1) * B;
    const hPrev = reverse ? h.subarray(B * H) : h;
    const dG = reverse ? dGates : dGates.subarray(B * G);
    blas.sgemm(true, false, H, G, rows, hPrev, H, dG, G, 0, du, G);
  }
  blas.sgemm(false, true, n, I, G, dGates, G, w, G, 0, dx, I);
  // db = 1ᵀ·dGates as a product too: dGates is a view of the cell's WebAssembly memory, which a JS loop
  // reads several times slower than a plain array (bidirectional_lstm.ts).
  const db = new Float32Array(G);
  blas.sgemm(false, false, 1, G, n, ones(n), n, dGates, G, 0, db, G);
  return { dx, dw, du, db };
}

let onesCache = new Float32Array(0);

/** A row of n ones (shared, read-only). */
function ones(n: number): Float32Array {
  if (onesCache.length < n) onesCache = new Float32Array(n).fill(1);
  return onesCache.subarray(0, n);
}

/**
 * Byte offsets of one op's regions in its cell instance's memory. The forward lays out the backward's
 * regions too, so the memory never grows in between (growth would detach the tape's views); the input
 * projection's region is reused for the gate gradients.
 */
interface CellRegions {
  preAt: number;
  biasAt: number;
  recAt: number;
  zerosAt: number;
  maskAt: number;
  gatesAt: number;
  cAt: number;
  tcAt: number;
  hAt: number;
  dhAt: number;
  dhNextAt: number;
  dcNextAt: number;
  recBackAt: number;
}

/** The tape of the wasm path: the instance holding it and where. */
interface CellTape {
  unit: LstmCellWasm;
  at: CellRegions;
  /** Set once the backward has run and the instance went back to the pool. */
  released: boolean;
}

function cellRegions(unit: LstmCellWasm, d: LstmDims): CellRegions {
  const { steps: T, batch: B, hidden: H } = d, nG = B * 4 * H, nH = B * H;
  const names = [
    "preAt",
    "biasAt",
    "recAt",
    "zerosAt",
    "maskAt",
    "gatesAt",
    "cAt",
    "tcAt",
    "hAt",
    "dhAt",
    "dhNextAt",
    "dcNextAt",
    "recBackAt",
  ] as const;
  const sizes = [T * nG, 4 * H, nG, nH, T * B, T * nG, T * nH, T * nH, T * nH, T * nH, nH, nH, nH];
  const offsets = unit.layout(sizes);
  return Object.fromEntries(names.map((k, i) => [k, offsets[i]])) as unknown as CellRegions;
}

/** `lstmForward` with the cell arithmetic in the SIMD wasm module (lstm_cell_wasm.ts). */
function lstmForwardWasm(
  cell: LstmCellWasm,
  x: Float32Array,
  w: Float32Array,
  u: Float32Array,
  b: Float32Array,
  dims: LstmDims,
): LstmTape {
  const { steps: T, batch: B, input: I, hidden: H, reverse, mask } = dims, G = 4 * H;
  const nG = B * G, nH = B * H;
  const unit = cell.acquire();
  const at = cellRegions(unit, dims);
  // The input projection lands in the module's memory directly.
  gemm(x, T * B, I, w, G, unit.view(at.preAt, T * nG));
  unit.view(at.biasAt, G).set(b.subarray(0, G));
  unit.view(at.zerosAt, nH).fill(0);
  const maskView = unit.view(at.maskAt, T * B);
  if (mask) maskView.set(mask.subarray(0, T * B));
  else maskView.fill(1);
  const rec = unit.view(at.recAt, nG), hView = unit.view(at.hAt, T * nH);
  const recurrent = new FixedRightGemm(u, H, G, B);
  try {
    let prev = -1;
    for (let k = 0; k < T; k++) {
      const s = reverse ? T - 1 - k : k;
      if (prev < 0) rec.fill(0);
      else recurrent.multiply(hView.subarray(prev * nH, (prev + 1) * nH), B, rec);
      unit.fwd(
        at.preAt + s * nG * 4,
        at.recAt,
        at.biasAt,
        prev < 0 ? at.zerosAt : at.cAt + prev * nH * 4,
        prev < 0 ? at.zerosAt : at.hAt + prev * nH * 4,
        at.maskAt + s * B * 4,
        at.gatesAt + s * nG * 4,
        at.cAt + s * nH * 4,
        at.tcAt + s * nH * 4,
        at.hAt + s * nH * 4,
        B,
      );
      prev = s;
    }
  } catch (err) {
    unit.release();
    throw err;
  } finally {
    recurrent.dispose();
  }
  return {
    ...dims,
    x,
    w,
    u,
    // Views of the instance's memory: the tape stays where the cell wrote it.
    gates: unit.view(at.gatesAt, T * nG),
    c: unit.view(at.cAt, T * nH),
    tanhC: unit.view(at.tcAt, T * nH),
    h: hView,
    cell: { unit, at, released: false },
  };
}

/** `lstmBackward` with the cell arithmetic in the SIMD wasm module, on the tape where the forward left it. */
function lstmBackwardWasm(
  tape: LstmTape & { cell: CellTape },
  dh: Float32Array,
): { dx: Float32Array; dw: Float32Array; du: Float32Array; db: Float32Array } {
  const { steps: T, batch: B, hidden: H, reverse, cell: held } = tape, G = 4 * H;
  if (held.released) throw new Error("lstmSequence: the backward of this forward has already run");
  const { unit, at } = held, nG = B * G, nH = B * H;
  try {
    unit.view(at.dhAt, T * nH).set(dh.subarray(0, T * nH));
    for (const a of [at.dhNextAt, at.dcNextAt, at.recBackAt]) unit.view(a, nH).fill(0);
    // The input projection's region is free now: the gate gradients go there.
    const dGatesAt = at.preAt, dGates = unit.view(dGatesAt, T * nG), rec = unit.view(at.recBackAt, nH);
    const blas = nativeBlas();
    const recurrentT = blas ? null : new FixedRightGemm(transpose(tape.u, H, G), G, H, B);
    try {
      for (let k = T - 1; k >= 0; k--) {
        const s = reverse ? T - 1 - k : k;
        const prev = k === 0 ? -1 : (reverse ? s + 1 : s - 1);
        unit.bwd(
          at.gatesAt + s * nG * 4,
          at.tcAt + s * nH * 4,
          prev < 0 ? at.zerosAt : at.cAt + prev * nH * 4,
          at.dhAt + s * nH * 4,
          at.dhNextAt,
          at.dcNextAt,
          at.recBackAt,
          at.maskAt + s * B * 4,
          dGatesAt + s * nG * 4,
          B,
        );
        // dL/dh of the previous step through the recurrent product: dGates_s · Uᵀ (added by the next call).
        if (k === 0) continue;
        const dG = dGates.subarray(s * nG, (s + 1) * nG);
        if (blas) blas.sgemm(false, true, B, H, G, dG, G, tape.u, G, 0, rec, H);
        else recurrentT!.multiply(dG, B, rec);
      }
    } finally {
      recurrentT?.dispose();
    }
    return blas
      ? weightGradientsNative(blas, tape, dGates)
      : weightGradients(tape, dGates, previousHidden(tape));
  } finally {
    held.released = true;
    unit.release();
  }
}
