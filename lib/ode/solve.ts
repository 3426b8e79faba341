/**
 * Explicit Runge–Kutta solves on flat float64 states: adaptive Dormand–Prince 5(4) with dense output at the
 * requested times (or landing on each of them, like the W4 peer), and fixed-step RK4 / Euler with a whole
 * number of steps per output interval. Time may run forwards or backwards. With `record`, the accepted
 * steps are kept (`SolveTrace`) so `backprop.ts` can differentiate the discrete solution.
 */
import type { VectorField } from "./field.ts";
import { isRecordingField } from "./field.ts";
import { DEFAULT_STEP_CONTROL, errorRatio, initialStep, nextStep, type StepControl } from "./step_control.ts";
import { DOPRI5, dopri5DenseWeights, EULER, RK4, type Tableau } from "./tableau.ts";

/** The solvers by name. */
export type SolverName = "dopri5" | "rk4" | "euler";

/** The tableau of a solver. */
export const TABLEAUS: Record<SolverName, Tableau> = { dopri5: DOPRI5, rk4: RK4, euler: EULER };

/** How a solve runs; tolerances apply to dopri5, step counts to the fixed-step methods. */
export interface SolveOptions {
  method: SolverName;
  rtol?: number;
  atol?: number;
  /** dopri5: interpolate outputs (`dense`, default) or shorten steps to land on every output time (`land`). */
  outputMode?: "dense" | "land";
  /** Fixed-step methods: steps per output interval (default 1 unless `stepSize` is given). */
  stepsPerInterval?: number;
  /** Fixed-step methods: largest step; each interval gets ⌈length / stepSize⌉ equal steps. */
  stepSize?: number;
  /** dopri5: first step instead of the Hairer–Nørsett–Wanner rule. */
  firstStep?: number;
  /** Abort after this many step attempts (default 100,000). */
  maxSteps?: number;
  /** Only the first `normDims` state elements enter the error norm. */
  normDims?: number;
  /** Keep the accepted steps for backpropagation. */
  record?: boolean;
  /** Use this tableau with fixed steps instead of `method`'s (e.g. Dormand–Prince at a fixed step). */
  fixedTableau?: Tableau;
}

/** Counters of one solve. */
export interface SolveStats {
  nfe: number;
  accepted: number;
  rejected: number;
}

/** One accepted step, as backpropagation needs it. */
export interface TracedStep {
  t: number;
  h: number;
  /** Stage inputs Yᵢ (Y₀ = start state); with FSAL the last one is the new state. */
  inputs: Float64Array[];
  /** Handles of recorded evaluations per stage, when the field records. */
  handles: number[] | null;
}

/** Where an output came from: the end of step `step` (−1 = the initial state) or a dense interpolation in it. */
export interface TracedOutput {
  step: number;
  /** null: the end state of `step`; otherwise y = Y₀ + h·Σ wᵢkᵢ within that step. */
  weights: Float64Array | null;
}

/** The accepted steps and output provenance of a recorded solve. */
export interface SolveTrace {
  tableau: Tableau;
  fsal: boolean;
  steps: TracedStep[];
  outputs: TracedOutput[];
}

/** Outputs (times.length × dim, row-major), counters and, when recorded, the trace. */
export interface OdeSolution {
  ys: Float64Array;
  stats: SolveStats;
  trace?: SolveTrace;
}

/** Integrates dy/dt = f(t, y) from y(times[0]) = y0 and returns y at every time (monotone order). */
export function solveOde(
  field: VectorField,
  y0: Float64Array,
  times: ArrayLike<number>,
  opts: SolveOptions,
): OdeSolution {
  checkTimes(times);
  if (y0.length !== field.dim) throw new RangeError(`y0 has ${y0.length} values, the field has ${field.dim}`);
  const run = new SolveRun(field, y0, times, opts);
  if (opts.method === "dopri5" && !opts.fixedTableau) run.adaptive();
  else run.fixed(opts.fixedTableau ?? TABLEAUS[opts.method]);
  return run.result();
}

function checkTimes(times: ArrayLike<number>): void {
  if (times.length < 1) throw new RangeError("no output times");
  const dir = Math.sign(times[times.length - 1] - times[0]);
  for (let i = 1; i < times.length; i++) {
    const d = times[i] - times[i - 1];
    if (!Number.isFinite(times[i]) || d * dir < 0) {
      throw new RangeError(
        `output times must be finite and monotone; found ${times[i - 1]} then ${times[i]}`,
      );
    }
  }
}

interface Stage {
  k: Float64Array;
  handle: number;
}

interface StepResult {
  stages: Stage[];
  inputs: Float64Array[];
  yNew: Float64Array;
}

/** The mutable state of one solve. */
class SolveRun {
  readonly ys: Float64Array;
  readonly stats: SolveStats = { nfe: 0, accepted: 0, rejected: 0 };
  readonly steps: TracedStep[] = [];
  readonly outputs: TracedOutput[] = [];
  readonly recording: boolean;
  readonly dim: number;
  fsal = false;
  tableau: Tableau = DOPRI5;

  constructor(
    readonly field: VectorField,
    readonly y0: Float64Array,
    readonly times: ArrayLike<number>,
    readonly opts: SolveOptions,
  ) {
    this.dim = field.dim;
    this.ys = new Float64Array(times.length * this.dim);
    this.recording = opts.record ?? false;
  }

  evaluate(t: number, y: Float64Array): Stage {
    this.stats.nfe++;
    const k = new Float64Array(this.dim);
    if (this.recording && isRecordingField(this.field)) {
      return { k, handle: this.field.evalRecorded(t, y, k) };
    }
    this.field.eval(t, y, k);
    return { k, handle: -1 };
  }

  /** One explicit RK step; with `fsalStage` also f at the new point (last stage, input = new state). */
  step(
    tab: Tableau,
    t: number,
    y: Float64Array,
    h: number,
    first: Stage | null,
    fsalStage: boolean,
  ): StepResult {
    const stages: Stage[] = [], inputs: Float64Array[] = [];
    for (let i = 0; i < tab.b.length; i++) {
      const yi = i === 0 ? y : combine(y, h, tab.a[i], stages);
      inputs.push(yi);
      stages.push(i === 0 && first ? first : this.evaluate(t + tab.c[i] * h, yi));
    }
    const yNew = combine(y, h, tab.b, stages);
    if (fsalStage) {
      inputs.push(yNew);
      stages.push(this.evaluate(t + h, yNew));
    }
    return { stages, inputs, yNew };
  }

  keep(t: number, h: number, r: StepResult): void {
    this.stats.accepted++;
    if (!this.recording) return;
    const handles = isRecordingField(this.field) ? r.stages.map((s) => s.handle) : null;
    this.steps.push({ t, h, inputs: r.inputs, handles });
  }

  emitEnd(index: number, y: Float64Array): void {
    this.ys.set(y, index * this.dim);
    this.outputs.push({ step: this.stats.accepted - 1, weights: null });
  }

  fixed(tab: Tableau): void {
    this.tableau = tab;
    let y = this.y0;
    this.emitEnd(0, y);
    for (let i = 1; i < this.times.length; i++) {
      const t0 = this.times[i - 1], span = this.times[i] - t0;
      const n = span === 0 ? 0 : this.substeps(span);
      const h = span / n;
      for (let s = 0; s < n; s++) {
        this.guard();
        const r = this.step(tab, t0 + s * h, y, h, null, false);
        this.keep(t0 + s * h, h, r);
        y = r.yNew;
      }
      this.emitEnd(i, y);
    }
  }

  substeps(span: number): number {
    if (this.opts.stepsPerInterval !== undefined) return Math.max(1, Math.round(this.opts.stepsPerInterval));
    if (this.opts.stepSize !== undefined) {
      return Math.max(1, Math.ceil(Math.abs(span) / this.opts.stepSize - 1e-9));
    }
    return 1;
  }

  guard(): void {
    const max = this.opts.maxSteps ?? 100_000;
    if (this.stats.accepted + this.stats.rejected >= max) {
      throw new Error(
        `ODE solver: more than ${max} step attempts; the problem may be stiff or the tolerances too tight`,
      );
    }
  }

  adaptive(): void {
    const tab = DOPRI5, times = this.times, land = this.opts.outputMode === "land";
    this.tableau = tab;
    this.fsal = true;
    const ctl: StepControl = {
      ...DEFAULT_STEP_CONTROL,
      ...(this.opts.rtol !== undefined ? { rtol: this.opts.rtol } : {}),
      ...(this.opts.atol !== undefined ? { atol: this.opts.atol } : {}),
      ...(this.opts.normDims !== undefined ? { normDims: this.opts.normDims } : {}),
    };
    const tEnd = times[times.length - 1];
    const dir = Math.sign(tEnd - times[0]) || 1;
    let t = times[0], y = this.y0;
    this.emitEnd(0, y);
    let next = 1;
    while (next < times.length && times[next] === t) this.emitEnd(next++, y);
    if (next >= times.length) return;
    let k1 = this.evaluate(t, y);
    let h = this.opts.firstStep !== undefined
      ? Math.abs(this.opts.firstStep)
      : this.startStep(t, y, k1.k, dir, ctl);
    h *= dir;
    while (next < times.length) {
      this.guard();
      const target = times[next];
      const landing = land && Math.abs(h) >= Math.abs(target - t);
      const hTry = landing ? target - t : h;
      const r = this.step(tab, t, y, hTry, k1, true);
      const ratio = errorRatio(errorOf(tab, hTry, r.stages), y, r.yNew, ctl);
      if (ratio <= 1) {
        const tNew = landing ? target : t + hTry;
        this.keep(t, hTry, r);
        next = this.emitWithin(next, t, tNew, hTry, y, r);
        t = tNew;
        y = r.yNew;
        k1 = r.stages[r.stages.length - 1];
      } else {
        this.stats.rejected++;
      }
      h = nextStep(hTry, ratio, ctl);
      if (Math.abs(h) < 1e-13 * Math.max(1, Math.abs(t))) {
        throw new Error(`ODE solver: step size underflow at t = ${t}`);
      }
    }
  }

  startStep(t: number, y: Float64Array, f0: Float64Array, dir: number, ctl: StepControl): number {
    const s = initialStep(this.field, t, y, f0, dir, ctl);
    this.stats.nfe += s.evaluations;
    return s.h;
  }

  /** Emits the outputs reached by the accepted step (t → tNew); returns the next pending output. */
  emitWithin(next: number, t: number, tNew: number, h: number, y: Float64Array, r: StepResult): number {
    const times = this.times, dir = Math.sign(h);
    while (next < times.length && (times[next] - tNew) * dir <= 0) {
      if (times[next] === tNew) {
        this.emitEnd(next, r.yNew);
      } else {
        const w = dopri5DenseWeights((times[next] - t) / h);
        this.ys.set(combine(y, h, w, r.stages), next * this.dim);
        this.outputs.push({ step: this.stats.accepted - 1, weights: w });
      }
      next++;
    }
    return next;
  }

  result(): OdeSolution {
    const out: OdeSolution = { ys: this.ys, stats: this.stats };
    if (this.recording) {
      out.trace = { tableau: this.tableau, fsal: this.fsal, steps: this.steps, outputs: this.outputs };
    }
    return out;
  }
}

/** y + h·Σ wⱼ kⱼ over the stages given (zero weights skipped). */
function combine(y: Float64Array, h: number, w: ArrayLike<number>, stages: readonly Stage[]): Float64Array {
  const out = Float64Array.from(y);
  const n = Math.min(w.length, stages.length);
  for (let j = 0; j < n; j++) {
    const c = h * w[j];
    if (c === 0) continue;
    const k = stages[j].k;
    for (let i = 0; i < out.length; i++) out[i] += c * k[i];
  }
  return out;
}

function errorOf(tab: Tableau, h: number, stages: readonly Stage[]): Float64Array {
  const e = tab.errorWeights!;
  const err = new Float64Array(stages[0].k.length);
  for (let j = 0; j < e.length; j++) {
    const c = h * e[j];
    if (c === 0) continue;
    const k = stages[j].k;
    for (let i = 0; i < err.length; i++) err[i] += c * k[i];
  }
  return err;
}
