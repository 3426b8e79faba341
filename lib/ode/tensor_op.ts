/**
 * The ODE solve as one tfjs op with a custom gradient: the forward pass runs the float64 solver on plain
 * arrays and the backward pass either backpropagates through the recorded steps or solves the adjoint ODE.
 * To tfjs the whole solve is one kernel, so the engine's per-op cost is paid once instead of per stage.
 */
import * as tf from "@tensorflow/tfjs";
import { adjointSolve } from "./adjoint.ts";
import { backpropSolve } from "./backprop.ts";
import type { DifferentiableField, VectorField } from "./field.ts";
import { isRecordingField } from "./field.ts";
import { solveOde, type SolveOptions, type SolveStats } from "./solve.ts";
import { gatherRows, scatterRows, type TimeGrid } from "./time_grid.ts";

/** Builds the field for a batch of `rows` rows from flat parameters θ (tensor order, row-major). */
export type FieldBuilder = (rows: number, theta: Float64Array) => DifferentiableField;

/** Solver options plus the gradient method. */
export interface OdeOpOptions extends Omit<SolveOptions, "record"> {
  /** Adjoint gradients (memory independent of the step count) instead of backprop through the steps. */
  adjoint?: boolean;
  /** false: no gradient will be asked for (prediction), so nothing is recorded. */
  differentiable?: boolean;
}

/** The solution at the grid (rows × steps × width; padding 0) and the forward solve's counters. */
export interface OdeOpResult {
  y: tf.Tensor3D;
  stats: SolveStats;
}

/**
 * Solves from z0 (rows × width, at grid.times[0]) with the field built from `params`; differentiable with
 * respect to z0 and every parameter tensor.
 */
export function odeint(
  build: FieldBuilder,
  z0: tf.Tensor2D,
  params: readonly tf.Tensor[],
  grid: TimeGrid,
  opts: OdeOpOptions,
): OdeOpResult {
  const [rows, width] = z0.shape;
  if (rows !== grid.rows) throw new RangeError(`z0 has ${rows} rows, the time grid ${grid.rows}`);
  let stats: SolveStats = { nfe: 0, accepted: 0, rejected: 0 };
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, 1 + params.length) as tf.Tensor[];
    const field = build(rows, flatten(inputs.slice(1)));
    const record = opts.differentiable !== false && !opts.adjoint;
    const sol = solveOde(field, Float64Array.from(inputs[0].dataSync()), grid.times, { ...opts, record });
    stats = sol.stats;
    const value = tf.tensor3d(gatherRows(grid, sol.ys, width), [rows, grid.steps, width]);
    const gradFunc = (dy: tf.Tensor) => {
      const dys = scatterRows(grid, dy.dataSync(), width);
      const g = opts.adjoint
        ? adjointSolve(field, grid.times, sol.ys, dys, opts)
        : backpropSolve(field, sol.trace!, dys);
      releaseRecords(field);
      return [tf.tensor2d(Float32Array.from(g.dy0), [rows, width]), ...unflatten(g.dParams, inputs.slice(1))];
    };
    return { value, gradFunc };
  });
  const y = op(z0, ...params) as tf.Tensor3D;
  return { y, stats };
}

/** θ as float64: the parameter tensors' values concatenated in order. */
export function flatten(params: readonly tf.Tensor[]): Float64Array {
  const total = params.reduce((n, p) => n + p.size, 0);
  const theta = new Float64Array(total);
  let at = 0;
  for (const p of params) {
    theta.set(p.dataSync() as Float32Array, at);
    at += p.size;
  }
  return theta;
}

function unflatten(flat: Float64Array, like: readonly tf.Tensor[]): tf.Tensor[] {
  let at = 0;
  return like.map((p) => {
    const t = tf.tensor(Float32Array.from(flat.subarray(at, at + p.size)), p.shape);
    at += p.size;
    return t;
  });
}

function releaseRecords(field: VectorField): void {
  if (isRecordingField(field)) field.clearRecords();
}
