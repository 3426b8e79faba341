/**
 * Vector fields the solvers integrate. The state is a flat Float64Array (a batch of B rows of D values
 * is B·D numbers): one step size serves the whole batch, and the error norm runs over every element.
 * Solvers work in float64 on plain arrays so that step control and backpropagation cost no tensor-engine
 * overhead; `tensor_op.ts` bridges them into tfjs autodiff.
 */

/** dy/dt = f(t, y) on a flat state of `dim` numbers. */
export interface VectorField {
  readonly dim: number;
  /** Writes f(t, y) into `out` (length `dim`). */
  eval(t: number, y: Float64Array, out: Float64Array): void;
}

/** A field with parameters θ and vector–Jacobian products, so solutions can be differentiated. */
export interface DifferentiableField extends VectorField {
  /** Number of parameters θ (flattened). */
  readonly paramCount: number;
  /**
   * Adds aᵀ ∂f/∂y to `dy` and aᵀ ∂f/∂θ to `dParams` at (t, y); either output may be skipped (null).
   */
  vjp(
    t: number,
    y: Float64Array,
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void;
}

/** Fields that can remember an evaluation's intermediates, saving the recomputation in backprop. */
export interface RecordingField extends DifferentiableField {
  /** Like `eval`, but keeps what `vjpRecorded` needs; returns a handle. */
  evalRecorded(t: number, y: Float64Array, out: Float64Array): number;
  /** `vjp` at a recorded evaluation. */
  vjpRecorded(handle: number, a: Float64Array, dy: Float64Array | null, dParams: Float64Array | null): void;
  /** Forgets every recorded evaluation. */
  clearRecords(): void;
}

/** Whether a field can record evaluations. */
export function isRecordingField(f: VectorField): f is RecordingField {
  return typeof (f as Partial<RecordingField>).evalRecorded === "function";
}
