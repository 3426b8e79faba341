/**
 * Adjoint gradients ("optimise, then discretise"; Chen et al. 2018): the augmented state [z, a, g] is solved
 * backwards in time between consecutive output times, with dz/dt = f, da/dt = −aᵀ∂f/∂z, dg/dt = −aᵀ∂f/∂θ,
 * and a jumps by dL/dz(tᵢ) at every output. Memory is O(outputs), independent of the number of steps. As in
 * torchdiffeq, z is reset to the forward solution at each output time; the error norm covers [z, a] only
 * (a seminorm: parameters' adjoints never shrink the step, Kidger et al. 2021).
 */
import type { DifferentiableField, VectorField } from "./field.ts";
import type { OdeGradients } from "./backprop.ts";
import { solveOde, type SolveOptions } from "./solve.ts";

/** Adjoint of a solve: `ys` are the forward outputs at `times`, `dys` = dL/dys (times × dim). */
export function adjointSolve(
  field: DifferentiableField,
  times: ArrayLike<number>,
  ys: Float64Array,
  dys: Float64Array,
  opts: SolveOptions,
): OdeGradients {
  const dim = field.dim, p = field.paramCount, last = times.length - 1;
  const aug = new AugmentedField(field);
  let state = new Float64Array(2 * dim + p);
  state.set(ys.subarray(last * dim, (last + 1) * dim), 0);
  state.set(dys.subarray(last * dim, (last + 1) * dim), dim);
  const backOpts: SolveOptions = { ...opts, record: false, outputMode: "land", normDims: 2 * dim };
  for (let i = last; i > 0; i--) {
    if (times[i] !== times[i - 1]) {
      const sol = solveOde(aug, state, [times[i], times[i - 1]], backOpts);
      state = sol.ys.slice(state.length);
    }
    state.set(ys.subarray((i - 1) * dim, i * dim), 0);
    const aPrev = state.subarray(dim, 2 * dim), g = dys.subarray((i - 1) * dim, i * dim);
    for (let j = 0; j < dim; j++) aPrev[j] += g[j];
  }
  return { dy0: state.slice(dim, 2 * dim), dParams: state.slice(2 * dim) };
}

/** The augmented adjoint dynamics of a differentiable field. */
class AugmentedField implements VectorField {
  readonly dim: number;
  readonly #aTmp: Float64Array;
  constructor(readonly field: DifferentiableField) {
    this.dim = 2 * field.dim + field.paramCount;
    this.#aTmp = new Float64Array(field.dim);
  }
  eval(t: number, y: Float64Array, out: Float64Array): void {
    const d = this.field.dim;
    const z = y.subarray(0, d), a = y.subarray(d, 2 * d);
    this.field.eval(t, z, out.subarray(0, d));
    out.fill(0, d);
    this.#aTmp.set(a);
    this.field.vjp(t, z, this.#aTmp, out.subarray(d, 2 * d), out.subarray(2 * d));
    for (let i = d; i < out.length; i++) out[i] = -out[i];
  }
}
