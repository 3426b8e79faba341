/**
 * `linear` model: ridge regression in closed form (α = 0 is ordinary least squares, minimum-norm when
 * features are collinear). Features are standardised on the training set and the intercept is not
 * penalised (solved on centred data). One solution per target, over that target's observed rows.
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
});
type Options = z.infer<typeof options>;

/** Fitted state: per-feature centring/scaling and per-target coefficients. */
type LinearState = {
  featureNames: string[];
  targetNames: string[];
  mean: number[];
  scale: number[];
  coef: number[][];
  intercept: number[];
};

function tabularRows(set: SampleSet, what: string): void {
  if (set.steps !== 1) {
    throw new Error(`linear model takes tabular samples (T = 1); the ${what} set has T = ${set.steps}`);
  }
  const F = set.featureNames.length;
  for (let i = 0; i < set.x.length; i++) {
    if (!Number.isFinite(set.x[i])) {
      throw new Error(
        `linear model: feature '${set.featureNames[i % F]}' is missing (NaN) in the ${what} set ` +
          `(sample ${Math.floor(i / F)}, cell ${set.meta.cellKey[Math.floor(i / F)]}); ` +
          "choose features without gaps or a model that handles missing values (lgbm)",
      );
    }
  }
}

function fitLinear(train: SampleSet, opts: Options): LinearState {
  tabularRows(train, "training");
  const F = train.featureNames.length, K = train.targetNames.length, n = train.n;
  const mean = new Array(F).fill(0), scale = new Array(F).fill(1);
  for (let j = 0; j < F; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += train.x[i * F + j];
    if (opts.fit_intercept) mean[j] = s / n;
    if (opts.standardize) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (train.x[i * F + j] - mean[j]) ** 2;
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
      for (let j = 0; j < F; j++) x[r * F + j] = (train.x[i * F + j] - mean[j]) / scale[j];
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
  };
}

function predictLinear(state: LinearState, set: SampleSet): Prediction {
  tabularRows(set, "prediction");
  if (set.featureNames.join() !== state.featureNames.join()) {
    throw new Error(`linear model was fitted on features [${state.featureNames}], got [${set.featureNames}]`);
  }
  const F = state.featureNames.length, K = state.targetNames.length;
  const y = new Float32Array(set.n * K);
  for (let i = 0; i < set.n; i++) {
    for (let k = 0; k < K; k++) {
      let v = state.intercept[k];
      for (let j = 0; j < F; j++) v += state.coef[k][j] * set.x[i * F + j];
      y[i * K + k] = v;
    }
  }
  return { y, yShape: [set.n, 1, K], mask: new Uint8Array(y.length).fill(1) };
}

/** The saved state, if its arrays fit together (one coefficient per feature and target). */
function checkedState(saved: PluginState): LinearState {
  const s = saved as unknown as LinearState;
  const F = s.featureNames?.length, K = s.targetNames?.length;
  const fits = Array.isArray(s.mean) && s.mean.length === F && Array.isArray(s.scale) &&
    s.scale.length === F &&
    Array.isArray(s.intercept) && s.intercept.length === K && Array.isArray(s.coef) && s.coef.length === K &&
    s.coef.every((c) => Array.isArray(c) && c.length === F);
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
      return Object.fromEntries(s.featureNames.map((f, j) => [f, Math.abs(s.coef[0][j] * s.scale[j])]));
    },
  };
}

/** The `linear` model definition. */
const linear = defineModel({
  kind: "model",
  name: "linear",
  version: "1.0.0",
  apiVersion: 1,
  description: "Ridge regression in closed form (alpha = 0: least squares).",
  options,
  create: (o: Options) => createLinear(o),
});
export default linear;
