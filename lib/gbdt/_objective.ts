/**
 * Objectives: per-row gradient and hessian of the loss at the current scores, the starting score
 * (LightGBM's boost_from_average) and the metric early stopping watches. Gradients are rounded to float32
 * as LightGBM stores them: then histogram sums of float32 values are exact in float64 whatever the order,
 * so when two features split the rows alike their gains differ only where LightGBM's differ too (its ε in
 * the hessian sums, see split.ts), and the same one wins the tie.
 */
import type { GbdtParams, ObjectiveName } from "./params.ts";

/** A differentiable regression loss. */
export interface Objective {
  name: ObjectiveName;
  /** Metric name as LightGBM prints it. */
  metricName: string;
  /** Every row's hessian is this constant (all three losses use 1, as LightGBM does). */
  constantHessian: number;
  /** Best constant prediction for y. */
  initScore(y: Float64Array): number;
  /**
   * When set, a leaf's output is recomputed from its rows' residuals y − score (LightGBM's
   * RenewTreeOutput): the median for L1, where −G/H of sign gradients is a poor step. Before shrinkage.
   */
  renewLeaf?(residuals: Float64Array): number;
  /** Writes gradients (hessians are constant) for all rows. */
  gradients(score: Float64Array, y: Float64Array, grad: Float64Array): void;
  /** Mean loss-like metric of predictions vs y (lower is better). */
  metric(score: Float64Array, y: Float64Array): number;
}

/** The objective named in the parameters. */
export function objectiveOf(params: GbdtParams): Objective {
  if (params.objective === "regression_l1") return l1Objective;
  if (params.objective === "huber") return huberObjective(params.alpha);
  return l2Objective;
}

const l2Objective: Objective = {
  name: "regression",
  metricName: "rmse",
  constantHessian: 1,
  initScore: mean,
  gradients(score, y, grad) {
    for (let i = 0; i < y.length; i++) grad[i] = Math.fround(score[i] - y[i]);
  },
  metric(score, y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += (score[i] - y[i]) ** 2;
    return Math.sqrt(s / y.length);
  },
};

const l1Objective: Objective = {
  name: "regression_l1",
  metricName: "l1",
  constantHessian: 1,
  // LightGBM computes this median in float32 (its label type).
  initScore: (y) => Math.fround(median(y)),
  renewLeaf: median,
  gradients(score, y, grad) {
    for (let i = 0; i < y.length; i++) grad[i] = Math.sign(score[i] - y[i]);
  },
  metric(score, y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += Math.abs(score[i] - y[i]);
    return s / y.length;
  },
};

function huberObjective(delta: number): Objective {
  return {
    name: "huber",
    metricName: "huber",
    constantHessian: 1,
    initScore: mean,
    gradients(score, y, grad) {
      for (let i = 0; i < y.length; i++) {
        grad[i] = Math.fround(Math.max(-delta, Math.min(delta, score[i] - y[i])));
      }
    },
    metric(score, y) {
      let s = 0;
      for (let i = 0; i < y.length; i++) {
        const a = Math.abs(score[i] - y[i]);
        s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
      }
      return s / y.length;
    },
  };
}

function mean(y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i];
  return y.length ? s / y.length : 0;
}

/** Median; the mean of the two middle values for an even count (LightGBM's 0.5 percentile). */
function median(y: Float64Array): number {
  if (y.length === 0) return 0;
  const s = Float64Array.from(y).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
