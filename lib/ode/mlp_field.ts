/**
 * A tanh MLP vector field f(z, t) = MLP(cat[z, t]) (or MLP(z)) over a batch of rows, in plain float64 with a
 * hand-written vector–Jacobian product. The neural-ODE dynamics run here rather than as tfjs kernels because
 * one evaluation is a few tiny products: tfjs's per-kernel overhead (~15 µs) would dominate, while these
 * loops run at about a ns per multiply-add (docs/results.md, section 6). The products are register-blocked
 * (`mlp_kernels.ts`); recorded evaluations live in one growing slab of activations, reused by the next field
 * of the same process once this one's records are cleared, so a solve allocates (almost) nothing per stage.
 *
 * Parameters θ are flat, layer by layer: W (in × out, row-major) then b (out), as tfjs stores [in, out] and
 * [out] tensors.
 */
import type { RecordingField } from "./field.ts";
import { accumulateWeightGradient, affineForward, inputGradient } from "./_mlp_kernels.ts";

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

/** A cleared field's record slab, handed to the next field that records (one solve at a time reuses it). */
let spareSlab: Float64Array | null = null;

/** The MLP field for `rows` batch rows with parameters `theta` (not copied: later writes are seen). */
export class MlpField implements RecordingField {
  readonly dim: number;
  readonly paramCount: number;
  readonly widths: number[];
  /** Offsets of each layer's W and b in θ. */
  readonly #wAt: number[] = [];
  readonly #bAt: number[] = [];
  /** Offsets of each layer's activations (input, hidden…, output) within one evaluation's record. */
  readonly #actAt: number[] = [];
  /** Numbers per recorded evaluation. */
  readonly #recordSize: number;
  /** Recorded evaluations, `#recordSize` numbers each, back to back. */
  #slab: Float64Array = new Float64Array(0);
  #records = 0;
  /** Activations of unrecorded evaluations (`eval`, `vjp`). */
  readonly #scratch: Float64Array;
  /** Gradients per layer input (rows × widths[l]) during a vector–Jacobian product. */
  readonly #grads: Float64Array[];

  constructor(readonly shape: MlpFieldShape, readonly rows: number, public theta: Float64Array) {
    this.widths = layerWidths(shape);
    this.dim = rows * shape.stateWidth;
    this.paramCount = mlpFieldParamCount(shape);
    if (theta.length !== this.paramCount) {
      throw new RangeError(`MLP field needs ${this.paramCount} parameters, got ${theta.length}`);
    }
    let at = 0, act = 0;
    for (let l = 0; l + 1 < this.widths.length; l++) {
      this.#wAt.push(at);
      at += this.widths[l] * this.widths[l + 1];
      this.#bAt.push(at);
      at += this.widths[l + 1];
    }
    for (const w of this.widths) {
      this.#actAt.push(act);
      act += rows * w;
    }
    this.#recordSize = act;
    this.#scratch = new Float64Array(act);
    this.#grads = this.widths.map((w) => new Float64Array(rows * w));
  }

  eval(t: number, y: Float64Array, out: Float64Array): void {
    this.#forward(t, y, this.#scratch, 0);
    out.set(this.#scratch.subarray(this.#actAt[this.widths.length - 1], this.#recordSize));
  }

  evalRecorded(t: number, y: Float64Array, out: Float64Array): number {
    const size = this.#recordSize, at = this.#records * size;
    if (at + size > this.#slab.length) this.#grow(at + size);
    this.#forward(t, y, this.#slab, at);
    out.set(this.#slab.subarray(at + this.#actAt[this.widths.length - 1], at + size));
    return this.#records++;
  }

  vjp(
    t: number,
    y: Float64Array,
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void {
    this.#forward(t, y, this.#scratch, 0);
    this.#backward(this.#scratch, 0, a, dy, dParams);
  }

  vjpRecorded(handle: number, a: Float64Array, dy: Float64Array | null, dParams: Float64Array | null): void {
    if (handle < 0 || handle >= this.#records) throw new RangeError(`no recorded evaluation ${handle}`);
    this.#backward(this.#slab, handle * this.#recordSize, a, dy, dParams);
  }

  clearRecords(): void {
    if (!spareSlab || spareSlab.length < this.#slab.length) spareSlab = this.#slab;
    this.#slab = new Float64Array(0);
    this.#records = 0;
  }

  #grow(needed: number): void {
    let next: Float64Array;
    if (spareSlab && spareSlab.length >= needed) {
      next = spareSlab;
      spareSlab = null;
    } else {
      next = new Float64Array(Math.max(needed, 2 * this.#slab.length, 64 * this.#recordSize));
    }
    next.set(this.#slab);
    this.#slab = next;
  }

  /** Writes the activations [input, hidden₁ (after tanh), …, output] into `acts` from offset `at`. */
  #forward(t: number, y: Float64Array, acts: Float64Array, at: number): void {
    const rows = this.rows, w = this.widths, d = this.shape.stateWidth, nin = w[0];
    if (this.shape.timeInput) {
      for (let r = 0; r < rows; r++) {
        acts.set(y.subarray(r * d, (r + 1) * d), at + r * nin);
        acts[at + r * nin + d] = t;
      }
    } else {
      acts.set(y.subarray(0, rows * d), at);
    }
    for (let l = 0; l + 1 < w.length; l++) {
      const tanh = l + 2 < w.length;
      affineForward(
        acts,
        at + this.#actAt[l],
        rows,
        w[l],
        this.theta,
        this.#wAt[l],
        this.#bAt[l],
        w[l + 1],
        acts,
        at + this.#actAt[l + 1],
        tanh,
      );
    }
  }

  #backward(
    acts: Float64Array,
    at: number,
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void {
    const rows = this.rows, w = this.widths, layers = w.length - 1;
    let g: Float64Array = a;
    for (let l = layers - 1; l >= 0; l--) {
      const xo = at + this.#actAt[l], nin = w[l], nout = w[l + 1];
      if (dParams) {
        accumulateWeightGradient(acts, xo, g, 0, rows, nin, nout, dParams, this.#wAt[l], this.#bAt[l]);
      }
      if (l === 0 && !dy) break;
      const gx = this.#grads[l];
      inputGradient(g, 0, rows, nout, this.theta, this.#wAt[l], nin, gx, l > 0 ? acts : null, xo);
      if (l > 0) g = gx;
      else addStateGrad(gx, rows, nin, this.shape.stateWidth, dy!);
    }
  }
}

/** Adds the state part of the input gradient (dropping the time column) into dy. */
function addStateGrad(gx: Float64Array, rows: number, nin: number, d: number, dy: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) dy[r * d + j] += gx[r * nin + j];
  }
}
