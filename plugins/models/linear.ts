/**
 * `linear` model: ridge regression in closed form (α = 0 is ordinary least squares, minimum-norm when
 * features are collinear). Features are standardised on the training set and the intercept is not
 * penalised (solved on centred data). One solution per target, over that target's observed rows.
 *
 * Missing features (NaN) are an error by default. `missing: impute` fills a gap with the feature's training
 * mean and adds a 0/1 indicator column for every feature that had gaps in training, so the fit can tell a
 * filled value from a measured one (the usual mean-plus-indicator scheme) — needed where a feature is
 * legitimately absent at some samples, such as an ICA peak that is not found at every RPT.
 */
import { z } from "zod";
import {
  defineModel,
  type ModelInstance,
  type PluginState,
  type Prediction,
  type SampleSet,
} from "../../mod.ts";
import { ridgeSolve } from "../../lib/linalg/mod.ts";

const options = z.strictObject({
  alpha: z.number().min(0).default(1e-3),
  standardize: z.boolean().default(true),
  fit_intercept: z.boolean().default(true),
  missing: z.enum(["error", "impute"]).default("error"),
});
type Options = z.infer<typeof options>;

/**
 * Fitted state: per-column centring/scaling and per-target coefficients. The columns are the features, then
 * (with `missing: impute`) one indicator per feature listed in `indicators`; `fill` holds each feature's
 * training mean used for gaps. States of version 1.0.0 have neither (no imputation).
 */
type LinearState = {
  featureNames: string[];
  targetNames: string[];
  mean: number[];
  scale: number[];
  coef: number[][];
  intercept: number[];
  fill?: number[];
  indicators?: number[];
};

function tabularRows(set: SampleSet, what: string, allowNaN: boolean): void {
  if (set.steps !== 1) {
    throw new Error(`linear model takes tabular samples (T = 1); the ${what} set has T = ${set.steps}`);
  }
  const F = set.featureNames.length;
  for (let i = 0; i < set.x.length; i++) {
    const v = set.x[i];
    if (Number.isFinite(v) || (allowNaN && Number.isNaN(v))) continue;
    const where = `in the ${what} set (sample ${Math.floor(i / F)}, cell ${
      set.meta.cellKey[Math.floor(i / F)]
    })`;
    throw new Error(
      Number.isNaN(v)
        ? `linear model: feature '${set.featureNames[i % F]}' is missing (NaN) ${where}; choose features ` +
          "without gaps, set model.missing=impute (training mean + a missing indicator), or use a model " +
          "that handles missing values (lgbm)"
        : `linear model: feature '${set.featureNames[i % F]}' is ${v} ${where}; expected a finite number`,
    );
  }
}

/**
 * Training mean of each feature over its measured values. A feature never measured in training is filled
 * with 0: its column and its indicator are then constant, so after centring they get coefficient 0 and
 * the feature has no say in any prediction (the training set told nothing about it).
 */
function featureMeans(train: SampleSet): number[] {
  const F = train.featureNames.length;
  return train.featureNames.map((_, j) => {
    let s = 0, n = 0;
    for (let i = 0; i < train.n; i++) {
      const v = train.x[i * F + j];
      if (!Number.isNaN(v)) (s += v, n += 1);
    }
    return n === 0 ? 0 : s / n;
  });
}

/** The design matrix: features with gaps filled, then the indicator columns (1 where the value was missing). */
function designMatrix(set: SampleSet, fill: number[] | undefined, indicators: number[]): Float64Array {
  const F = set.featureNames.length, C = F + indicators.length;
  const x = new Float64Array(set.n * C);
  for (let i = 0; i < set.n; i++) {
    for (let j = 0; j < F; j++) {
      const v = set.x[i * F + j];
      x[i * C + j] = fill && Number.isNaN(v) ? fill[j] : v;
    }
    indicators.forEach((j, m) => x[i * C + F + m] = Number.isNaN(set.x[i * F + j]) ? 1 : 0);
  }
  return x;
}

function fitLinear(train: SampleSet, opts: Options): LinearState {
  const impute = opts.missing === "impute";
  tabularRows(train, "training", impute);
  const fill = impute ? featureMeans(train) : undefined;
  const indicators = impute ? gappedFeatures(train) : [];
  const data = designMatrix(train, fill, indicators);
  const F = train.featureNames.length + indicators.length, K = train.targetNames.length, n = train.n;
  const mean = new Array(F).fill(0), scale = new Array(F).fill(1);
  for (let j = 0; j < F; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * F + j];
    if (opts.fit_intercept) mean[j] = s / n;
    if (opts.standardize) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (data[i * F + j] - mean[j]) ** 2;
      scale[j] = Math.sqrt(ss / n) || 1;
    }
  }
  const coef: number[][] = [], intercept: number[] = [];
  for (let k = 0; k < K; k++) {
    const rows = [...Array(n).keys()].filter((i) => train.yMask[i * K + k]);
    if (rows.length === 0) {
      throw new Error(`linear model: target '${train.targetNames[k]}' has no observed value`);
    }
    const yMean = opts.fit_intercept ? rows.reduce((a, i) => a + train.y[i * K + k], 0) / rows.length : 0;
    const x = new Float64Array(rows.length * F), y = new Float64Array(rows.length);
    rows.forEach((i, r) => {
      for (let j = 0; j < F; j++) x[r * F + j] = (data[i * F + j] - mean[j]) / scale[j];
      y[r] = train.y[i * K + k] - yMean;
    });
    const beta = ridgeSolve(x, y, rows.length, F, { alpha: opts.alpha });
    coef.push(Array.from(beta, (b, j) => b / scale[j]));
    intercept.push(yMean - coef[k].reduce((a, c, j) => a + c * mean[j], 0));
  }
  return {
    featureNames: [...train.featureNames],
    targetNames: [...train.targetNames],
    mean,
    scale,
    coef,
    intercept,
    ...(impute ? { fill, indicators } : {}),
  };
}

/** Features with at least one gap in training: each gets an indicator column. */
function gappedFeatures(train: SampleSet): number[] {
  const F = train.featureNames.length;
  return train.featureNames.map((_, j) => j).filter((j) => {
    for (let i = 0; i < train.n; i++) if (Number.isNaN(train.x[i * F + j])) return true;
    return false;
  });
}

function predictLinear(state: LinearState, set: SampleSet): Prediction {
  tabularRows(set, "prediction", state.fill !== undefined);
  if (set.featureNames.join() !== state.featureNames.join()) {
    throw new Error(`linear model was fitted on features [${state.featureNames}], got [${set.featureNames}]`);
  }
  const data = designMatrix(set, state.fill, state.indicators ?? []);
  const F = state.mean.length, K = state.targetNames.length;
  const y = new Float32Array(set.n * K);
  for (let i = 0; i < set.n; i++) {
    for (let k = 0; k < K; k++) {
      let v = state.intercept[k];
      for (let j = 0; j < F; j++) v += state.coef[k][j] * data[i * F + j];
      y[i * K + k] = v;
    }
  }
  return { y, yShape: [set.n, 1, K], mask: new Uint8Array(y.length).fill(1) };
}

/** The saved state, if its arrays fit together (one coefficient per feature and target). */
function checkedState(saved: PluginState): LinearState {
  const s = saved as unknown as LinearState;
  const features = s.featureNames?.length, K = s.targetNames?.length;
  const indicators = s.indicators ?? [];
  const F = features + indicators.length;
  const imputes = s.fill === undefined
    ? s.indicators === undefined
    : Array.isArray(s.fill) && s.fill.length === features && Array.isArray(s.indicators) &&
      indicators.every((j) => Number.isInteger(j) && j >= 0 && j < features);
  const fits = Array.isArray(s.mean) && s.mean.length === F && Array.isArray(s.scale) &&
    s.scale.length === F &&
    Array.isArray(s.intercept) && s.intercept.length === K && Array.isArray(s.coef) && s.coef.length === K &&
    s.coef.every((c) => Array.isArray(c) && c.length === F) && imputes;
  if (!fits) {
    throw new TypeError("linear model: the state's coefficients do not fit its features and targets");
  }
  return s;
}

function createLinear(opts: Options): ModelInstance {
  let state: LinearState | undefined;
  const ready = () => {
    if (!state) throw new Error("linear model: not fitted or loaded");
    return state;
  };
  return {
    accepts: { layouts: ["tabular"], loss: false },
    // deno-lint-ignore require-await
    async fit(train) {
      state = fitLinear(train, opts);
      return {};
    },
    // deno-lint-ignore require-await
    predict: async (set) => predictLinear(ready(), set),
    state: () => ready(),
    restore(saved) {
      state = checkedState(saved);
    },
    importance() {
      // |standardised coefficient| of the first target: comparable across features.
      const s = ready();
      const names = [...s.featureNames, ...(s.indicators ?? []).map((j) => `${s.featureNames[j]}_missing`)];
      return Object.fromEntries(names.map((f, j) => [f, Math.abs(s.coef[0][j] * s.scale[j])]));
    },
  };
}

/** The `linear` model definition. */
const linear = defineModel({
  kind: "model",
  name: "linear",
  version: "1.1.0",
  apiVersion: 1,
  description: "Ridge regression in closed form (alpha = 0: least squares).",
  options,
  create: (o: Options) => createLinear(o),
});
export default linear;
