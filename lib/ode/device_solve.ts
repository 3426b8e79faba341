/**
 * The ODE solve as tensor work on the backend, for GPU backends (WebGPU), where the float64 host solver of
 * `tensor_op.ts` cannot run: it reads every stage back synchronously. All rows of a batch advance together,
 * one dispatch per operation per stage.
 *
 * A solve happens in two passes. The plan (`planSolve`, asynchronous) fixes the accepted steps: for
 * rk4/euler they follow from the output times alone (no read); for dopri5 each step attempt reads one number,
 * its error ratio, so step control costs one GPU→CPU transfer per attempt (two more for the starting
 * step). The replay (`deviceOdeint`, synchronous, inside the gradient tape) runs exactly those steps with
 * tfjs ops and returns the outputs. Gradients are either tfjs autodiff through the replayed steps (the
 * discrete solution's gradient, as lib/ode/backprop.ts computes it on the host) or, with `adjoint`, the
 * adjoint ODE solved backwards over the same step boundaries with a hand-written vector–Jacobian product
 * of the MLP dynamics (no tape inside the gradient; memory independent of the step count in tensors kept).
 *
 * Differences from the host solver, all within a solve's own error: float32 instead of float64 states,
 * and the dopri5 adjoint takes the forward's accepted step boundaries (plus the output times) as its fixed
 * steps instead of running its own error control (a gradient function cannot wait for a read).
 */
import * as tf from "@tensorflow/tfjs";
import type { MlpFieldShape } from "./mlp_field.ts";
import type { OdeOpOptions } from "./tensor_op.ts";
import type { SolveStats } from "./solve.ts";
import { DEFAULT_STEP_CONTROL, nextStep, type StepControl } from "./step_control.ts";
import { DOPRI5, dopri5DenseWeights, EULER, RK4, type Tableau } from "./tableau.ts";
import type { TimeGrid } from "./time_grid.ts";

/** f(t, z) on a batch (rows × width). */
export type TensorRhs = (t: number, z: tf.Tensor2D) => tf.Tensor2D;

/** The accepted steps of a solve and where each output time is read (as solve.ts's trace, without states). */
export interface SolvePlan {
  tableau: Tableau;
  steps: { t: number; h: number }[];
  /** Per output time: end of step `step` (−1: the initial state), or y + h·Σ wᵢkᵢ within it. */
  outputs: { step: number; weights: Float64Array | null }[];
  stats: SolveStats;
}

/** The tanh MLP dynamics f(z, t) = MLP(cat[z, t]) of lib/ode/mlp_field.ts as tensor ops; params W₀, b₀, W₁, … */
export function mlpDynamics(
  shape: MlpFieldShape,
  params: readonly tf.Tensor[],
  t: number,
  z: tf.Tensor2D,
): tf.Tensor2D {
  return mlpActivations(shape, params, t, z).at(-1)!;
}

/** Inputs of every layer and the output (the backward pass needs them). */
function mlpActivations(
  shape: MlpFieldShape,
  params: readonly tf.Tensor[],
  t: number,
  z: tf.Tensor2D,
): tf.Tensor2D[] {
  let h: tf.Tensor2D = shape.timeInput ? tf.concat([z, tf.fill([z.shape[0], 1], t)], 1) : z;
  const acts = [h], layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor2D), params[2 * l + 1]);
    if (l + 1 < layers) h = tf.tanh(h);
    acts.push(h);
  }
  return acts;
}

/** f and its vector–Jacobian products aᵀ∂f/∂z and aᵀ∂f/∂θ (θ in the order of `params`), by hand. */
export function mlpDynamicsVjp(
  shape: MlpFieldShape,
  params: readonly tf.Tensor[],
  t: number,
  z: tf.Tensor2D,
  a: tf.Tensor2D,
): { f: tf.Tensor2D; dz: tf.Tensor2D; dParams: tf.Tensor[] } {
  const acts = mlpActivations(shape, params, t, z), layers = params.length / 2;
  const dParams: tf.Tensor[] = new Array(params.length);
  let g: tf.Tensor2D = a;
  for (let l = layers - 1; l >= 0; l--) {
    const input = acts[l];
    dParams[2 * l] = tf.matMul(input, g, true, false);
    dParams[2 * l + 1] = tf.sum(g, 0);
    const back = tf.matMul(g, params[2 * l] as tf.Tensor2D, false, true) as tf.Tensor2D;
    // The input of layer l > 0 is tanh of the layer before: d tanh = 1 − tanh².
    g = l > 0 ? tf.mul(back, tf.sub(1, tf.square(input))) as tf.Tensor2D : back;
  }
  const dz = shape.timeInput ? tf.slice(g, [0, 0], [g.shape[0], shape.stateWidth]) : g;
  return { f: acts[layers], dz, dParams };
}

/** The plan of a solve from z0 at `grid.times` (see the module comment); reads only for dopri5. */
export async function planSolve(
  rhs: TensorRhs,
  z0: tf.Tensor2D,
  grid: TimeGrid,
  opts: OdeOpOptions,
): Promise<SolvePlan> {
  const times = grid.times;
  if (opts.method !== "dopri5") return fixedPlan(times, opts);
  const ctl: StepControl = {
    ...DEFAULT_STEP_CONTROL,
    ...(opts.rtol !== undefined ? { rtol: opts.rtol } : {}),
    ...(opts.atol !== undefined ? { atol: opts.atol } : {}),
  };
  return await adaptivePlan(rhs, z0, times, ctl, opts);
}

/** rk4/euler: a whole number of equal steps per output interval, as lib/ode/solve.ts. */
function fixedPlan(times: ArrayLike<number>, opts: OdeOpOptions): SolvePlan {
  const tableau = opts.method === "rk4" ? RK4 : EULER;
  const plan: SolvePlan = { tableau, steps: [], outputs: [{ step: -1, weights: null }], stats: emptyStats() };
  for (let i = 1; i < times.length; i++) {
    const t0 = times[i - 1], span = times[i] - t0;
    const n = span === 0 ? 0 : substeps(span, opts);
    for (let s = 0; s < n; s++) plan.steps.push({ t: t0 + s * (span / n), h: span / n });
    plan.outputs.push({ step: plan.steps.length - 1, weights: null });
  }
  plan.stats.accepted = plan.steps.length;
  plan.stats.nfe = plan.steps.length * tableau.b.length;
  return plan;
}

function substeps(span: number, opts: OdeOpOptions): number {
  if (opts.stepsPerInterval !== undefined) return Math.max(1, Math.round(opts.stepsPerInterval));
  if (opts.stepSize !== undefined) return Math.max(1, Math.ceil(Math.abs(span) / opts.stepSize - 1e-9));
  return 1;
}

function emptyStats(): SolveStats {
  return { nfe: 0, accepted: 0, rejected: 0 };
}

/** dopri5 with the step control of lib/ode/solve.ts; one read (the error ratio) per attempt. */
async function adaptivePlan(
  rhs: TensorRhs,
  z0: tf.Tensor2D,
  times: ArrayLike<number>,
  ctl: StepControl,
  opts: OdeOpOptions,
): Promise<SolvePlan> {
  const plan: SolvePlan = { tableau: DOPRI5, steps: [], outputs: [], stats: emptyStats() };
  const land = opts.outputMode === "land", maxSteps = opts.maxSteps ?? 100_000;
  const dir = Math.sign(times[times.length - 1] - times[0]) || 1;
  let t = times[0], next = 0;
  while (next < times.length && times[next] === t) {
    plan.outputs.push({ step: -1, weights: null });
    next++;
  }
  if (next >= times.length) return plan;
  let y = tf.clone(z0);
  let k1 = rhs(t, y);
  plan.stats.nfe++;
  let h = dir *
    (opts.firstStep !== undefined ? Math.abs(opts.firstStep) : await startStep(rhs, t, y, k1, dir, ctl));
  plan.stats.nfe += opts.firstStep !== undefined ? 0 : 1;
  try {
    while (next < times.length) {
      if (plan.stats.accepted + plan.stats.rejected >= maxSteps) {
        throw new Error(
          `ODE solver: more than ${maxSteps} step attempts; the problem may be stiff or the tolerances too tight`,
        );
      }
      const target = times[next];
      const landing = land && Math.abs(h) >= Math.abs(target - t);
      const hTry = landing ? target - t : h;
      const stages = tf.tidy(() => rkStages(rhs, DOPRI5, t, y, hTry, k1, true));
      plan.stats.nfe += stages.length - 2; // stages 2…7 (k₁ was given; the last entry is the new state)
      const yNew = stages.pop()!, errWeights = DOPRI5.errorWeights!;
      const ratioT = tf.tidy(() => errorRatio(combine(null, hTry, errWeights, stages), y, yNew, ctl));
      const ratio = (await ratioT.data())[0];
      ratioT.dispose();
      if (!Number.isFinite(ratio)) {
        tf.dispose([...stages, yNew]);
        throw new Error(`ODE solver: the state became non-finite at t = ${t}`);
      }
      if (ratio <= 1) {
        const tNew = landing ? target : t + hTry;
        plan.steps.push({ t, h: hTry });
        plan.stats.accepted++;
        const index = plan.steps.length - 1;
        while (next < times.length && (times[next] - tNew) * dir <= 0) {
          const weights = times[next] === tNew ? null : dopri5DenseWeights((times[next] - t) / hTry);
          plan.outputs.push({ step: index, weights });
          next++;
        }
        t = tNew;
        tf.dispose([y, ...stages.slice(0, -1)]);
        y = yNew;
        k1 = stages[stages.length - 1];
      } else {
        plan.stats.rejected++;
        tf.dispose([yNew, ...stages.slice(1)]);
      }
      h = nextStep(hTry, ratio, ctl);
      if (Math.abs(h) < 1e-13 * Math.max(1, Math.abs(t))) {
        throw new Error(`ODE solver: step size underflow at t = ${t}`);
      }
    }
  } finally {
    tf.dispose([y, k1]);
  }
  return plan;
}

/** RMS of err / (atol + rtol·max(|y0|, |y1|)), on the device (as step_control.ts's `errorRatio`). */
function errorRatio(err: tf.Tensor, y0: tf.Tensor, y1: tf.Tensor, ctl: StepControl): tf.Scalar {
  const scale = tf.add(ctl.atol, tf.mul(ctl.rtol, tf.maximum(tf.abs(y0), tf.abs(y1))));
  return tf.sqrt(tf.mean(tf.square(tf.div(err, scale)))) as tf.Scalar;
}

/** Hairer–Nørsett–Wanner starting step (as step_control.ts's `initialStep`), two reads. */
async function startStep(
  rhs: TensorRhs,
  t0: number,
  y0: tf.Tensor2D,
  f0: tf.Tensor2D,
  dir: number,
  ctl: StepControl,
): Promise<number> {
  const scale = tf.tidy(() => tf.add(ctl.atol, tf.mul(ctl.rtol, tf.abs(y0))));
  const rms = (v: tf.Tensor) => tf.sqrt(tf.mean(tf.square(tf.div(v, scale))));
  try {
    const first = tf.tidy(() => tf.stack([rms(y0), rms(f0)]));
    const [d0, d1] = await first.data();
    first.dispose();
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
    const second = tf.tidy(() => {
      const f1 = rhs(t0 + dir * h0, tf.add(y0, tf.mul(f0, dir * h0)) as tf.Tensor2D);
      return rms(tf.sub(f1, f0));
    });
    const d2 = (await second.data())[0] / h0;
    second.dispose();
    const dMax = Math.max(d1, d2);
    const h1 = dMax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dMax) ** (1 / 5);
    return Math.min(100 * h0, h1);
  } finally {
    scale.dispose();
  }
}

/**
 * One explicit RK step: the stages kᵢ (k₁ given or evaluated) and, last, the new state; with `fsal` also f
 * at the new state just before it (dopri5's seventh stage, the next step's first).
 */
function rkStages(
  rhs: TensorRhs,
  tab: Tableau,
  t: number,
  y: tf.Tensor2D,
  h: number,
  k1: tf.Tensor2D | null,
  fsal: boolean,
): tf.Tensor2D[] {
  const stages: tf.Tensor2D[] = [];
  for (let i = 0; i < tab.b.length; i++) {
    if (i === 0 && k1) {
      stages.push(k1);
      continue;
    }
    const yi = i === 0 ? y : combine(y, h, tab.a[i], stages);
    stages.push(rhs(t + tab.c[i] * h, yi));
  }
  const yNew = combine(y, h, tab.b, stages);
  if (fsal) stages.push(rhs(t + h, yNew));
  stages.push(yNew);
  return stages;
}

/** y + h·Σ wⱼkⱼ (zero weights skipped; y null: just the sum). */
function combine(
  y: tf.Tensor2D | null,
  h: number,
  w: ArrayLike<number>,
  ks: readonly tf.Tensor2D[],
): tf.Tensor2D {
  let out: tf.Tensor2D | null = y;
  for (let j = 0; j < Math.min(w.length, ks.length); j++) {
    if (w[j] === 0) continue;
    const term = tf.mul(ks[j], h * w[j]) as tf.Tensor2D;
    out = out ? tf.add(out, term) as tf.Tensor2D : term;
  }
  return out ?? tf.zerosLike(ks[0]);
}

/** The states at the plan's output times, replaying its steps with tfjs ops (differentiable by the tape). */
export function replayPlan(rhs: TensorRhs, z0: tf.Tensor2D, plan: SolvePlan): tf.Tensor2D[] {
  const tab = plan.tableau, fsal = tab === DOPRI5;
  const outputs: tf.Tensor2D[] = new Array(plan.outputs.length);
  // The outputs of step `step` (y → yEnd with stages ks): its end, or a dense point within it.
  const emit = (step: number, y: tf.Tensor2D, yEnd: tf.Tensor2D, h: number, ks: tf.Tensor2D[]) =>
    plan.outputs.forEach((o, i) => {
      if (o.step === step) outputs[i] = o.weights ? combine(y, h, o.weights, ks) : yEnd;
    });
  let y = z0;
  let k1: tf.Tensor2D | null = null;
  emit(-1, y, y, 0, []);
  plan.steps.forEach((s, i) => {
    const stages = rkStages(rhs, tab, s.t, y, s.h, fsal ? k1 ?? rhs(s.t, y) : null, fsal);
    const yNew = stages.pop()!;
    emit(i, y, yNew, s.h, stages);
    k1 = fsal ? stages[stages.length - 1] : null;
    y = yNew;
  });
  return outputs;
}

/**
 * The solution at the grid (rows × steps × width; padding 0), differentiable with respect to z0 and every
 * parameter: through the replayed steps, or with `opts.adjoint` by the adjoint ODE (see the module comment).
 */
export function deviceOdeint(
  shape: MlpFieldShape,
  z0: tf.Tensor2D,
  params: readonly tf.Tensor[],
  grid: TimeGrid,
  plan: SolvePlan,
  opts: OdeOpOptions,
): tf.Tensor3D {
  const [rows, width] = z0.shape;
  if (rows !== grid.rows) throw new RangeError(`z0 has ${rows} rows, the time grid ${grid.rows}`);
  if (plan.outputs.length !== grid.times.length) {
    throw new RangeError(
      `the solve plan has ${plan.outputs.length} outputs, the grid ${grid.times.length} times`,
    );
  }
  const union = opts.adjoint && opts.differentiable !== false
    ? adjointOdeint(shape, z0, params, grid, plan)
    : tf.stack(replayPlan((t, z) => mlpDynamics(shape, params, t, z), z0, plan)) as tf.Tensor3D;
  return gatherGrid(union, grid, width);
}

/** (times, rows, width) → each row's own times, rows × steps × width (padding reads a zero row). */
function gatherGrid(union: tf.Tensor3D, grid: TimeGrid, width: number): tf.Tensor3D {
  const U = grid.times.length, rows = grid.rows;
  const flat = tf.concat([tf.reshape(union, [U * rows, width]), tf.zeros([1, width])], 0);
  const index = Int32Array.from(
    grid.index,
    (u, i) => (u < 0 ? U * rows : u * rows + Math.floor(i / grid.steps)),
  );
  return tf.reshape(tf.gather(flat, tf.tensor1d(index, "int32")), [rows, grid.steps, width]) as tf.Tensor3D;
}

/** The replayed solve as one op whose gradient is the adjoint ODE over the plan's step boundaries. */
function adjointOdeint(
  shape: MlpFieldShape,
  z0: tf.Tensor2D,
  params: readonly tf.Tensor[],
  grid: TimeGrid,
  plan: SolvePlan,
): tf.Tensor3D {
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, 1 + params.length) as tf.Tensor[];
    const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
    const theta = inputs.slice(1);
    const value = tf.stack(
      replayPlan((t, z) => mlpDynamics(shape, theta, t, z), inputs[0] as tf.Tensor2D, plan),
    );
    save([value, ...theta]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      adjointGradients(shape, saved.slice(1), grid.times, saved[0] as tf.Tensor3D, dy as tf.Tensor3D, plan);
    return { value, gradFunc };
  });
  return op(z0, ...params) as tf.Tensor3D;
}

/**
 * Backwards from the last output time: [z, a, g] with dz/dt = f, da/dt = −aᵀ∂f/∂z, dg/dt = −aᵀ∂f/∂θ; z is
 * reset to the forward solution and a jumps by dL/dz at every output (as lib/ode/adjoint.ts).
 */
function adjointGradients(
  shape: MlpFieldShape,
  params: readonly tf.Tensor[],
  times: ArrayLike<number>,
  ys: tf.Tensor3D,
  dys: tf.Tensor3D,
  plan: SolvePlan,
): tf.Tensor[] {
  const zs = tf.unstack(ys) as tf.Tensor2D[], gs = tf.unstack(dys) as tf.Tensor2D[];
  const last = times.length - 1, bounds = stepBoundaries(plan);
  let a = gs[last];
  let g: tf.Tensor[] = params.map((p) => tf.zerosLike(p));
  for (let i = last; i > 0; i--) {
    let z = zs[i];
    const from = times[i], to = times[i - 1];
    const points = [from, ...bounds.filter((b) => (b - to) * (from - b) > 0).reverse(), to];
    for (let s = 0; s + 1 < points.length; s++) {
      if (points[s + 1] === points[s]) continue;
      // Each step in its own scope: only [z, a, g] outlive it, so memory does not grow with the steps.
      const [zNext, aNext, ...gNext] = tf.tidy(() => {
        const [zn, an, gn] = adjointStep(
          shape,
          params,
          plan.tableau,
          points[s],
          points[s + 1] - points[s],
          z,
          a,
          g,
        );
        return [zn, an, ...gn];
      });
      if (!zs.includes(z)) z.dispose();
      if (!gs.includes(a)) a.dispose();
      tf.dispose(g);
      [z, a, g] = [zNext as tf.Tensor2D, aNext as tf.Tensor2D, gNext];
    }
    if (!zs.includes(z)) z.dispose();
    a = tf.add(a, gs[i - 1]) as tf.Tensor2D;
  }
  return [a, ...g];
}

/** Every step's start and end time of the plan, ascending, without repeats. */
function stepBoundaries(plan: SolvePlan): number[] {
  const all = new Set<number>();
  for (const s of plan.steps) {
    all.add(s.t);
    all.add(s.t + s.h);
  }
  return [...all].sort((x, y) => x - y);
}

/** One explicit RK step of the augmented adjoint system with step h (negative: backwards in time). */
function adjointStep(
  shape: MlpFieldShape,
  params: readonly tf.Tensor[],
  tab: Tableau,
  t: number,
  h: number,
  z: tf.Tensor2D,
  a: tf.Tensor2D,
  g: tf.Tensor[],
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor[]] {
  const kz: tf.Tensor2D[] = [], ka: tf.Tensor2D[] = [], kg: tf.Tensor[][] = [];
  for (let i = 0; i < tab.b.length; i++) {
    const zi = i === 0 ? z : combine(z, h, tab.a[i], kz);
    const ai = i === 0 ? a : combine(a, h, tab.a[i], ka);
    const v = mlpDynamicsVjp(shape, params, t + tab.c[i] * h, zi, ai);
    kz.push(v.f);
    ka.push(tf.neg(v.dz));
    kg.push(v.dParams.map((d) => tf.neg(d)));
  }
  const gNext = g.map((gp, p) =>
    tab.b.reduce((acc: tf.Tensor, w, j) => (w === 0 ? acc : tf.add(acc, tf.mul(kg[j][p], h * w))), gp)
  );
  return [combine(z, h, tab.b, kz), combine(a, h, tab.b, ka), gNext];
}
