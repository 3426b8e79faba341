/**
 * `lgbm`: LightGBM-style gradient-boosted trees (lib/gbdt) as a model plugin. Tabular samples only; one
 * booster per target, trained on the rows where that target is observed. Without a fixed iteration count
 * it early-stops on the validation set and reports the best iteration for the refit. `explain` gives exact
 * path-dependent TreeSHAP values per target.
 */
import { z } from "zod";
import {
  defineModel,
  type Explanation,
  type FitContext,
  type FitResult,
  type ModelInstance,
  type PluginState,
  type Prediction,
  type ProgressTask,
  type SampleSet,
  SampleSetError,
  silentProgress,
} from "../../mod.ts";
import {
  Booster,
  boosterFromJson,
  type BoosterJson,
  boosterToJson,
  DEFAULT_PARAMS,
  type IterationInfo,
  type LabelledRows,
  trainGbdtInterruptible,
} from "../../lib/gbdt/mod.ts";
import { ensembleFromBooster, treeShap } from "../../lib/shap/mod.ts";

/** LightGBM's documented defaults, kept in one table in lib/gbdt (experiment values: configs/model/lgbm.yaml). */
const D = DEFAULT_PARAMS;

/** Options, named and defaulted like LightGBM's parameters (defaults from lib/gbdt's `DEFAULT_PARAMS`). */
export const lgbmOptions = z.strictObject({
  num_iterations: z.number().int().min(1).default(D.num_iterations),
  learning_rate: z.number().positive().default(D.learning_rate),
  num_leaves: z.number().int().min(2).default(D.num_leaves),
  max_depth: z.number().int().default(D.max_depth),
  min_data_in_leaf: z.number().int().min(0).default(D.min_data_in_leaf),
  min_sum_hessian_in_leaf: z.number().min(0).default(D.min_sum_hessian_in_leaf),
  lambda_l1: z.number().min(0).default(D.lambda_l1),
  lambda_l2: z.number().min(0).default(D.lambda_l2),
  min_gain_to_split: z.number().min(0).default(D.min_gain_to_split),
  feature_fraction: z.number().gt(0).max(1).default(D.feature_fraction),
  bagging_fraction: z.number().gt(0).max(1).default(D.bagging_fraction),
  bagging_freq: z.number().int().min(0).default(D.bagging_freq),
  max_bin: z.number().int().min(2).max(255).default(D.max_bin),
  min_data_in_bin: z.number().int().min(1).default(D.min_data_in_bin),
  early_stopping_round: z.number().int().min(0).default(D.early_stopping_round),
  objective: z.enum(["regression", "regression_l1", "huber"]).default(D.objective),
  /**
   * Threads building histograms (LightGBM's num_threads; absent or 1: one). Only speed depends on it: the
   * trees are identical. Not a training parameter of the booster, and left out of the defaults so existing
   * configs keep their hash and state.
   */
  num_threads: z.number().int().min(1).max(64).optional(),
});

/** Validated options of the `lgbm` plugin. */
export type LgbmOptions = z.infer<typeof lgbmOptions>;

const LOG_EVERY = 10;

/** The fitted state: the boosters as JSON (numbers round-trip exactly) with the names they were fitted on. */
type LgbmState = {
  options: LgbmOptions;
  featureNames: string[];
  targetNames: string[];
  boosters: BoosterJson[];
};

const definition = defineModel({
  kind: "model",
  name: "lgbm",
  version: "0.1.0",
  apiVersion: 1,
  description:
    "LightGBM-style gradient-boosted trees in TypeScript (histograms, leaf-wise growth, NaN routing)",
  options: lgbmOptions,
  create: (options: LgbmOptions) => new LgbmModel(options),
});
export default definition;

/** The progress line of one target's boosting rounds: `lgbm <fit label> <target>`. */
function boostingProgress(ctx: FitContext, target: string, rounds: number): ProgressTask {
  const label = ["lgbm", ctx.label, target].filter(Boolean).join(" ");
  return (ctx.progress ?? silentProgress).start(label, rounds, { unit: "rounds" });
}

/** Model state: one booster per target, with the names it was trained on. */
class LgbmModel implements ModelInstance {
  readonly accepts = { layouts: ["tabular" as const], loss: false };
  #options: LgbmOptions;
  #boosters: Booster[] = [];
  #featureNames: string[] = [];
  #targetNames: string[] = [];

  constructor(options: LgbmOptions) {
    this.#options = options;
  }

  async fit(train: SampleSet, val: SampleSet | undefined, ctx: FitContext): Promise<FitResult> {
    requireTabular(train, "train");
    if (val) requireSameColumns(val, train.featureNames, train.targetNames, "validation");
    const fixed = ctx.iterations;
    const { num_threads: threads, ...boosting } = this.#options;
    const params = {
      ...boosting,
      num_iterations: fixed ?? this.#options.num_iterations,
      early_stopping_round: fixed === undefined && val ? this.#options.early_stopping_round : 0,
    };
    const history: Record<string, number[]> = {};
    const boosters: Booster[] = [];
    for (let k = 0; k < train.targetNames.length; k++) {
      const logged: IterationInfo[] = [];
      const task = boostingProgress(ctx, train.targetNames[k], params.num_iterations);
      // Interruptible: Ctrl-C / SIGTERM (ctx.signal) stops training between boosting rounds.
      try {
        boosters.push(
          await trainGbdtInterruptible(observedRows(train, k), params, {
            signal: ctx.signal,
            threads,
            valid: val ? observedRows(val, k) : undefined,
            random: () => ctx.rng.uniform(),
            wantMetrics: ctx.metrics ? (it) => it % LOG_EVERY === 0 : undefined,
            onIteration: (info) => {
              task.update(info.iteration);
              if (info.trainMetric !== undefined) logged.push(info);
            },
          }),
        );
      } catch (err) {
        task.finish(ctx.signal?.aborted ? "interrupted" : "failed");
        throw err;
      }
      const stoppedEarly = boosters[k].trees.length < params.num_iterations;
      task.finish(`best iteration ${boosters[k].defaultIterations}${stoppedEarly ? " · stopped early" : ""}`);
      await report(logged, metricNames(train.targetNames, k, boosters[k]), ctx, history);
    }
    this.#boosters = boosters;
    this.#featureNames = [...train.featureNames];
    this.#targetNames = [...train.targetNames];
    // One count for the refit of every target: the largest best iteration, so no target is cut short.
    return { bestIteration: Math.max(...boosters.map((b) => b.defaultIterations)), history };
  }

  predict(set: SampleSet): Promise<Prediction> {
    // Through a promise so that bad input rejects instead of throwing synchronously.
    return Promise.resolve().then(() => this.#predictNow(set));
  }

  #predictNow(set: SampleSet): Prediction {
    this.#requireFitted();
    requireTabular(set, "predict");
    requireSameColumns(set, this.#featureNames, this.#targetNames, "predict");
    const k = this.#targetNames.length, f = this.#featureNames.length;
    const y = new Float32Array(set.n * k);
    this.#boosters.forEach((booster, t) => {
      const pred = booster.predict({ rows: set.n, cols: f, values: set.x });
      for (let i = 0; i < set.n; i++) y[i * k + t] = pred[i];
    });
    return { y, yShape: [set.n, 1, k], mask: new Uint8Array(set.n * k).fill(1) };
  }

  /**
   * Exact path-dependent TreeSHAP of every row of `set`, per target, with the boosters' default iterations
   * (the ones `predict` uses): Σ values + base = prediction in float64. Path-dependent TreeSHAP takes its
   * reference distribution from the training rows behind each node (the tree covers), so `background` is
   * only checked for the same features, not used.
   */
  explain(set: SampleSet, background: SampleSet): Promise<Explanation> {
    return Promise.resolve().then(() => this.#explainNow(set, background));
  }

  #explainNow(set: SampleSet, background: SampleSet): Explanation {
    this.#requireFitted();
    requireSameColumns(set, this.#featureNames, this.#targetNames, "explain");
    requireSameColumns(background, this.#featureNames, this.#targetNames, "explain background");
    const values: Record<string, Float64Array> = {}, base: Record<string, number> = {};
    this.#boosters.forEach((booster, k) => {
      const result = treeShap(ensembleFromBooster(booster), set.x, set.n);
      values[this.#targetNames[k]] = result.values;
      base[this.#targetNames[k]] = result.base;
    });
    return { featureNames: [...this.#featureNames], values, base };
  }

  state(): PluginState {
    this.#requireFitted();
    const state: LgbmState = {
      options: this.#options,
      featureNames: this.#featureNames,
      targetNames: this.#targetNames,
      boosters: this.#boosters.map(boosterToJson),
    };
    return state as unknown as PluginState;
  }

  restore(saved: PluginState): void {
    const state = saved as unknown as LgbmState;
    if (!Array.isArray(state.boosters) || state.boosters.length !== state.targetNames?.length) {
      throw new TypeError(
        `lgbm: the state holds ${state.boosters?.length} boosters for ${state.targetNames?.length} targets`,
      );
    }
    this.#options = lgbmOptions.parse(state.options);
    this.#boosters = state.boosters.map(boosterFromJson);
    this.#featureNames = state.featureNames;
    this.#targetNames = state.targetNames;
  }

  importance(): Record<string, number> {
    this.#requireFitted();
    const out: Record<string, number> = Object.fromEntries(this.#featureNames.map((name) => [name, 0]));
    for (const booster of this.#boosters) {
      booster.featureImportance("gain").forEach((gain, j) => out[this.#featureNames[j]] += gain);
    }
    return out;
  }

  #requireFitted(): void {
    if (this.#boosters.length === 0) throw new Error("lgbm: the model has not been fitted or loaded");
  }
}

function requireTabular(set: SampleSet, role: string): void {
  if (set.steps !== 1) {
    throw new SampleSetError(`lgbm takes tabular samples (T = 1); the ${role} set has T = ${set.steps}`);
  }
}

function requireSameColumns(
  set: SampleSet,
  features: readonly string[],
  targets: readonly string[],
  role: string,
) {
  requireTabular(set, role);
  if (set.featureNames.join("\u0000") !== features.join("\u0000")) {
    throw new SampleSetError(
      `lgbm ${role}: features [${set.featureNames.join(", ")}] differ from training [${features.join(", ")}]`,
    );
  }
  // Prediction and explanation need the features only; training and validation also the same targets.
  const needsTargets = role === "train" || role === "validation";
  if (needsTargets && set.targetNames.join("\u0000") !== targets.join("\u0000")) {
    throw new SampleSetError(`lgbm ${role}: targets [${set.targetNames}] differ from training [${targets}]`);
  }
}

/** Rows where target k is observed, as a row-major matrix (no copy when every row is observed). */
function observedRows(set: SampleSet, k: number): LabelledRows {
  const f = set.featureNames.length, kk = set.targetNames.length;
  const rows: number[] = [];
  for (let i = 0; i < set.n; i++) if (set.yMask[i * kk + k]) rows.push(i);
  const y = Float64Array.from(rows, (i) => set.y[i * kk + k]);
  if (rows.length === set.n) return { x: { rows: set.n, cols: f, values: set.x }, y };
  const values = new Float32Array(rows.length * f);
  rows.forEach((i, r) => values.set(set.x.subarray(i * f, (i + 1) * f), r * f));
  return { x: { rows: rows.length, cols: f, values }, y };
}

function metricNames(
  targets: readonly string[],
  k: number,
  booster: Booster,
): { train: string; val: string } {
  const metric = booster.params.objective === "regression"
    ? "rmse"
    : booster.params.objective === "huber"
    ? "huber"
    : "l1";
  const suffix = targets.length > 1 ? `/${targets[k]}` : "";
  return { train: `train_${metric}${suffix}`, val: `val_${metric}${suffix}` };
}

/** Sends the collected per-iteration metrics to the sink (in order) and into `history`. */
async function report(
  logged: IterationInfo[],
  names: { train: string; val: string },
  ctx: FitContext,
  history: Record<string, number[]>,
): Promise<void> {
  for (const info of logged) {
    const values: Record<string, number> = { [names.train]: info.trainMetric! };
    if (info.validMetric !== undefined) values[names.val] = info.validMetric;
    for (const [name, v] of Object.entries(values)) (history[name] ??= []).push(v);
    await ctx.metrics?.(values, info.iteration);
  }
}
