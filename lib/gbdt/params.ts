/**
 * Training parameters, named exactly like LightGBM's so configs and papers map one to one.
 */
import type { UniformSource } from "../random/mod.ts";

/** Supported objectives: squared error, absolute error, Huber. */
export type ObjectiveName = "regression" | "regression_l1" | "huber";

/** LightGBM-named training parameters (see LightGBM's Parameters page for meanings). */
export interface GbdtParams {
  objective: ObjectiveName;
  num_iterations: number;
  learning_rate: number;
  num_leaves: number;
  /** ≤ 0: unlimited. */
  max_depth: number;
  min_data_in_leaf: number;
  min_sum_hessian_in_leaf: number;
  lambda_l1: number;
  lambda_l2: number;
  min_gain_to_split: number;
  feature_fraction: number;
  bagging_fraction: number;
  /** 0: no bagging; k: draw a new bag every k iterations. */
  bagging_freq: number;
  /** Bins per feature (≤ 255), the NaN bin of a feature with missing values included. */
  max_bin: number;
  /** A bin is closed only once it holds this many training rows (rarer values share a bin). */
  min_data_in_bin: number;
  /** 0: off; k: stop when the validation metric has not improved for k rounds. */
  early_stopping_round: number;
  /** Huber's δ (LightGBM's `alpha`). */
  alpha: number;
  /** Start from the mean (median for L1) of y, like LightGBM's boost_from_average. */
  boost_from_average: boolean;
  /** Seed of the built-in generator when no `random` source is given. */
  seed: number;
}

/** LightGBM's defaults, except those the W2 workload and the plugin fix explicitly. */
export const DEFAULT_PARAMS: GbdtParams = {
  objective: "regression",
  num_iterations: 100,
  learning_rate: 0.1,
  num_leaves: 31,
  max_depth: -1,
  min_data_in_leaf: 20,
  min_sum_hessian_in_leaf: 1e-3,
  lambda_l1: 0,
  lambda_l2: 0,
  min_gain_to_split: 0,
  feature_fraction: 1,
  bagging_fraction: 1,
  bagging_freq: 0,
  max_bin: 255,
  min_data_in_bin: 3,
  early_stopping_round: 0,
  alpha: 0.9,
  boost_from_average: true,
  seed: 0,
};

/** Extra, non-serialisable training inputs. */
export interface TrainHooks {
  /** Uniform [0, 1) source for bagging and feature sampling; default: seeded from `params.seed`. */
  random?: UniformSource;
  /** Called after every iteration; metrics are computed only on iterations where `wantMetrics` says so. */
  onIteration?: (info: IterationInfo) => void;
  /** Which iterations (1-based) compute training/validation metrics for `onIteration`; default none. */
  wantMetrics?: (iteration: number) => boolean;
}

/** What `onIteration` receives. */
export interface IterationInfo {
  iteration: number;
  trainMetric?: number;
  validMetric?: number;
}

/** Fills defaults and rejects values LightGBM would reject, naming the parameter. */
export function resolveParams(partial: Partial<GbdtParams>): GbdtParams {
  const p: GbdtParams = { ...DEFAULT_PARAMS, ...partial };
  const need = (ok: boolean, name: keyof GbdtParams, expected: string) => {
    if (!ok) throw new RangeError(`gbdt parameter ${name} = ${p[name]}: expected ${expected}`);
  };
  need(Number.isInteger(p.num_iterations) && p.num_iterations >= 0, "num_iterations", "an integer ≥ 0");
  need(p.learning_rate > 0, "learning_rate", "> 0");
  need(Number.isInteger(p.num_leaves) && p.num_leaves >= 2, "num_leaves", "an integer ≥ 2");
  need(Number.isInteger(p.max_depth), "max_depth", "an integer (≤ 0 = unlimited)");
  need(Number.isInteger(p.min_data_in_leaf) && p.min_data_in_leaf >= 0, "min_data_in_leaf", "an integer ≥ 0");
  need(p.min_sum_hessian_in_leaf >= 0, "min_sum_hessian_in_leaf", "≥ 0");
  need(p.lambda_l1 >= 0, "lambda_l1", "≥ 0");
  need(p.lambda_l2 >= 0, "lambda_l2", "≥ 0");
  need(p.min_gain_to_split >= 0, "min_gain_to_split", "≥ 0");
  need(p.feature_fraction > 0 && p.feature_fraction <= 1, "feature_fraction", "in (0, 1]");
  need(p.bagging_fraction > 0 && p.bagging_fraction <= 1, "bagging_fraction", "in (0, 1]");
  need(Number.isInteger(p.bagging_freq) && p.bagging_freq >= 0, "bagging_freq", "an integer ≥ 0");
  need(Number.isInteger(p.max_bin) && p.max_bin >= 2 && p.max_bin <= 255, "max_bin", "an integer in 2..255");
  need(Number.isInteger(p.min_data_in_bin) && p.min_data_in_bin >= 1, "min_data_in_bin", "an integer ≥ 1");
  need(
    Number.isInteger(p.early_stopping_round) && p.early_stopping_round >= 0,
    "early_stopping_round",
    "an integer ≥ 0",
  );
  need(p.alpha > 0, "alpha", "> 0");
  need(
    ["regression", "regression_l1", "huber"].includes(p.objective),
    "objective",
    "regression|regression_l1|huber",
  );
  return p;
}
