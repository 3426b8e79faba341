/**
 * A tanh MLP vector field f(z, t) = MLP(cat[z, t]) (or MLP(z)) over a batch of rows, in plain float64 with a
 * hand-written vector–Jacobian product. The neural-ODE dynamics run here rather than as tfjs kernels because
 * one evaluation is a few tiny products: tfjs's per-kernel overhead (~15 µs) would dominate, while these
 * loops run at a few ns per multiply-add (docs/results.md, section 6).
 *
 * Parameters θ are flat, layer by layer: W (in × out, row-major) then b (out), as tfjs stores [in, out] and
 * [out] tensors.
 */
import type { RecordingField } from "./field.ts";

/** Layer widths from input (state width + 1 with a time input) to output (= state width). */
export interface MlpFieldShape {
  stateWidth: number;
  hidden: readonly number[];
  timeInput: boolean;
}

/** Number of parameters of an MLP field of this shape. */
export function mlpFieldParamCount(shape: MlpFieldShape): number {
  const widths = layerWidths(shape);
  let n = 0;
  for (let l = 0; l + 1 < widths.length; l++) n += widths[l] * widths[l + 1] + widths[l + 1];
  return n;
}

/** Layer widths: input, hidden…, output. */
export function layerWidths(shape: MlpFieldShape): number[] {
  return [shape.stateWidth + (shape.timeInput ? 1 : 0), ...shape.hidden, shape.stateWidth];
}

/** The MLP field for `rows` batch rows with parameters `theta` (not copied: later writes are seen). */
export class MlpField implements RecordingField {
  readonly dim: number;
  readonly paramCount: number;
  readonly widths: number[];
  /** Offsets of each layer's W and b in θ. */
  readonly #wAt: number[] = [];
  readonly #bAt: number[] = [];
  #records: Float64Array[][] = [];

  constructor(readonly shape: MlpFieldShape, readonly rows: number, public theta: Float64Array) {
    this.widths = layerWidths(shape);
    this.dim = rows * shape.stateWidth;
    this.paramCount = mlpFieldParamCount(shape);
    if (theta.length !== this.paramCount) {
      throw new RangeError(`MLP field needs ${this.paramCount} parameters, got ${theta.length}`);
    }
    let at = 0;
    for (let l = 0; l + 1 < this.widths.length; l++) {
      this.#wAt.push(at);
      at += this.widths[l] * this.widths[l + 1];
      this.#bAt.push(at);
      at += this.widths[l + 1];
    }
  }

  eval(t: number, y: Float64Array, out: Float64Array): void {
    const acts = this.#forward(t, y);
    out.set(acts[acts.length - 1]);
  }

  evalRecorded(t: number, y: Float64Array, out: Float64Array): number {
    const acts = this.#forward(t, y);
    out.set(acts[acts.length - 1]);
    this.#records.push(acts);
    return this.#records.length - 1;
  }

  vjp(
    t: number,
    y: Float64Array,
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void {
    this.#backward(this.#forward(t, y), a, dy, dParams);
  }

  vjpRecorded(handle: number, a: Float64Array, dy: Float64Array | null, dParams: Float64Array | null): void {
    this.#backward(this.#records[handle], a, dy, dParams);
  }

  clearRecords(): void {
    this.#records = [];
  }

  /** Activations per layer: [input, hidden₁ (after tanh), …, output]. */
  #forward(t: number, y: Float64Array): Float64Array[] {
    const rows = this.rows, w = this.widths, d = this.shape.stateWidth;
    let x = y;
    if (this.shape.timeInput) {
      x = new Float64Array(rows * w[0]);
      for (let r = 0; r < rows; r++) {
        x.set(y.subarray(r * d, (r + 1) * d), r * w[0]);
        x[r * w[0] + d] = t;
      }
    }
    const acts = [x];
    for (let l = 0; l + 1 < w.length; l++) {
      const out = affine(x, rows, w[l], this.theta, this.#wAt[l], this.#bAt[l], w[l + 1]);
      if (l + 2 < w.length) { for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]); }
      acts.push(out);
      x = out;
    }
    return acts;
  }

  #backward(
    acts: Float64Array[],
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void {
    const rows = this.rows, w = this.widths, layers = w.length - 1;
    let g: Float64Array = a;
    for (let l = layers - 1; l >= 0; l--) {
      const x = acts[l], nin = w[l], nout = w[l + 1];
      if (dParams) accumulateWeightGrads(x, g, rows, nin, nout, dParams, this.#wAt[l], this.#bAt[l]);
      if (l === 0 && !dy) break;
      const gx = inputGrad(g, rows, nin, nout, this.theta, this.#wAt[l]);
      if (l > 0) {
        for (let i = 0; i < gx.length; i++) gx[i] *= 1 - x[i] * x[i];
        g = gx;
      } else {
        addStateGrad(gx, rows, nin, this.shape.stateWidth, dy!);
      }
    }
  }
}

/** x (rows × nin) @ W (nin × nout) + b. */
function affine(
  x: Float64Array,
  rows: number,
  nin: number,
  theta: Float64Array,
  wAt: number,
  bAt: number,
  nout: number,
): Float64Array {
  const out = new Float64Array(rows * nout);
  for (let r = 0; r < rows; r++) {
    const o = r * nout;
    for (let j = 0; j < nout; j++) out[o + j] = theta[bAt + j];
    for (let i = 0; i < nin; i++) {
      const xv = x[r * nin + i];
      if (xv === 0) continue;
      const wr = wAt + i * nout;
      for (let j = 0; j < nout; j++) out[o + j] += xv * theta[wr + j];
    }
  }
  return out;
}

/** dW += xᵀ g, db += Σ_rows g. */
function accumulateWeightGrads(
  x: Float64Array,
  g: Float64Array,
  rows: number,
  nin: number,
  nout: number,
  dParams: Float64Array,
  wAt: number,
  bAt: number,
): void {
  for (let r = 0; r < rows; r++) {
    const go = r * nout;
    for (let j = 0; j < nout; j++) dParams[bAt + j] += g[go + j];
    for (let i = 0; i < nin; i++) {
      const xv = x[r * nin + i];
      if (xv === 0) continue;
      const wr = wAt + i * nout;
      for (let j = 0; j < nout; j++) dParams[wr + j] += xv * g[go + j];
    }
  }
}

/** g (rows × nout) @ Wᵀ. */
function inputGrad(
  g: Float64Array,
  rows: number,
  nin: number,
  nout: number,
  theta: Float64Array,
  wAt: number,
): Float64Array {
  const out = new Float64Array(rows * nin);
  for (let r = 0; r < rows; r++) {
    const go = r * nout;
    for (let i = 0; i < nin; i++) {
      const wr = wAt + i * nout;
      let s = 0;
      for (let j = 0; j < nout; j++) s += g[go + j] * theta[wr + j];
      out[r * nin + i] = s;
    }
  }
  return out;
}

/** Adds the state part of the input gradient (dropping the time column) into dy. */
function addStateGrad(gx: Float64Array, rows: number, nin: number, d: number, dy: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) dy[r * d + j] += gx[r * nin + j];
  }
}
