/**
 * Reverse-mode differentiation of a recorded solve ("discretise, then optimise"): the exact gradient of the
 * computed outputs, stage by stage backwards through every accepted step. Memory is the trace (all stage
 * inputs); for memory that does not grow with the number of steps use `adjoint.ts`.
 */
import type { DifferentiableField, RecordingField } from "./field.ts";
import { isRecordingField } from "./field.ts";
import type { SolveTrace, TracedStep } from "./solve.ts";

/** Gradients of a scalar loss with respect to the initial state and the field's parameters. */
export interface OdeGradients {
  dy0: Float64Array;
  dParams: Float64Array;
}

/** Backpropagates dL/dys (times × dim, row-major) through the recorded solve `trace`. */
export function backpropSolve(
  field: DifferentiableField,
  trace: SolveTrace,
  dys: Float64Array,
): OdeGradients {
  const dim = field.dim;
  const dParams = new Float64Array(field.paramCount);
  const byStep = outputsByStep(trace, trace.steps.length);
  let ybar: Float64Array = new Float64Array(dim);
  for (let n = trace.steps.length - 1; n >= -1; n--) {
    const kbar = trace.tableau.b.map(() => null as Float64Array | null);
    if (trace.fsal) kbar.push(null);
    // A dense output y = Y₀ + h·Σ wᵢkᵢ of step n feeds the step's start state, an end output its end state.
    const startBar = new Float64Array(dim);
    for (const o of byStep[n + 1]) {
      const g = dys.subarray(o.index * dim, (o.index + 1) * dim);
      if (o.weights) {
        addInto(startBar, 1, g);
        o.weights.forEach((w, i) => w !== 0 && addTo(kbar, i, trace.steps[n].h * w, g, dim));
      } else {
        addInto(ybar, 1, g);
      }
    }
    if (n < 0) break;
    ybar = stepBackward(field, trace, trace.steps[n], ybar, kbar, dParams);
    addInto(ybar, 1, startBar);
  }
  return { dy0: ybar, dParams };
}

interface OutputRef {
  index: number;
  weights: Float64Array | null;
}

/** Outputs grouped by step + 1 (slot 0 = the initial state). */
function outputsByStep(trace: SolveTrace, steps: number): OutputRef[][] {
  const groups: OutputRef[][] = Array.from({ length: steps + 1 }, () => []);
  trace.outputs.forEach((o, index) => groups[o.step + 1].push({ index, weights: o.weights }));
  return groups;
}

/** Given ȳ at the end of `step` and the stage adjoints k̄ from outputs, returns ȳ at its start. */
function stepBackward(
  field: DifferentiableField,
  trace: SolveTrace,
  step: TracedStep,
  yEndBar: Float64Array,
  kbar: (Float64Array | null)[],
  dParams: Float64Array,
): Float64Array {
  const { a, b, c } = trace.tableau;
  const dim = field.dim, h = step.h, s = b.length;
  if (trace.fsal && kbar[s]) {
    // The FSAL stage is f at the new state: its adjoint flows into ȳ at the step's end.
    vjpStage(field, step, s, step.t + h, kbar[s]!, yEndBar, dParams);
  }
  const ybar = Float64Array.from(yEndBar);
  b.forEach((w, j) => w !== 0 && addTo(kbar, j, h * w, yEndBar, dim));
  for (let i = s - 1; i >= 0; i--) {
    if (!kbar[i]) continue;
    const yiBar = new Float64Array(dim);
    vjpStage(field, step, i, step.t + c[i] * h, kbar[i]!, yiBar, dParams);
    addInto(ybar, 1, yiBar);
    a[i].forEach((w, j) => w !== 0 && addTo(kbar, j, h * w, yiBar, dim));
  }
  return ybar;
}

function vjpStage(
  field: DifferentiableField,
  step: TracedStep,
  stage: number,
  t: number,
  a: Float64Array,
  dy: Float64Array,
  dParams: Float64Array,
): void {
  if (step.handles && isRecordingField(field)) {
    (field as RecordingField).vjpRecorded(step.handles[stage], a, dy, dParams);
  } else {
    field.vjp(t, step.inputs[stage], a, dy, dParams);
  }
}

function addTo(kbar: (Float64Array | null)[], j: number, scale: number, v: Float64Array, dim: number): void {
  kbar[j] ??= new Float64Array(dim);
  addInto(kbar[j]!, scale, v);
}

function addInto(target: Float64Array, scale: number, v: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += scale * v[i];
}
