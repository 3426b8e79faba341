/**
 * `dummy` model: predicts the training mean of each target at every step. The baseline every other
 * model must beat, and the first plugin the contract tests run against.
 */
import { z } from "zod";
import {
  defineModel,
  type ModelInstance,
  type PluginState,
  type Prediction,
  type SampleSet,
} from "../../mod.ts";

const options = z.object({}).strict();

/** The fitted state: a mean per target. */
type DummyState = {
  targetNames: string[];
  means: number[];
};

function createDummy(): ModelInstance {
  let state: DummyState | undefined;
  return {
    accepts: { layouts: ["tabular", "sequence"], loss: false },
    // deno-lint-ignore require-await
    async fit(train) {
      state = { targetNames: [...train.targetNames], means: observedMeans(train) };
      return {};
    },
    // deno-lint-ignore require-await
    async predict(set) {
      if (!state) throw new Error("dummy model: predict() before fit() or restore()");
      return constantPrediction(set, state);
    },
    state() {
      if (!state) throw new Error("dummy model: state() before fit()");
      return state;
    },
    restore(saved: PluginState) {
      const { targetNames, means } = saved;
      const strings = Array.isArray(targetNames) && targetNames.every((n) => typeof n === "string");
      if (!strings || !Array.isArray(means) || means.length !== targetNames.length) {
        throw new TypeError("dummy model: the state needs targetNames and one mean per target");
      }
      state = { targetNames: targetNames as string[], means: means as number[] };
    },
  };
}

/** Mean of each target over its observed (masked-in) values. */
function observedMeans(set: SampleSet): number[] {
  const k = set.targetNames.length;
  const sums = new Float64Array(k), counts = new Float64Array(k);
  for (let i = 0; i < set.y.length; i++) {
    if (set.yMask[i]) {
      sums[i % k] += set.y[i];
      counts[i % k]++;
    }
  }
  return Array.from(sums, (s, j) => {
    if (counts[j] === 0) throw new Error(`dummy model: target '${set.targetNames[j]}' has no observed value`);
    return s / counts[j];
  });
}

function constantPrediction(set: SampleSet, state: DummyState): Prediction {
  const k = state.targetNames.length;
  if (set.targetNames.join() !== state.targetNames.join()) {
    throw new Error(`dummy model: fitted on targets ${state.targetNames}, asked for ${set.targetNames}`);
  }
  const y = new Float32Array(set.n * set.steps * k);
  const mask = new Uint8Array(y.length);
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < set.lengths[i]; s++) {
      for (let j = 0; j < k; j++) {
        const at = (i * set.steps + s) * k + j;
        y[at] = state.means[j];
        mask[at] = 1;
      }
    }
  }
  return { y, yShape: [set.n, set.steps, k], mask };
}

/** The `dummy` model definition. */
const dummy = defineModel({
  kind: "model",
  name: "dummy",
  version: "1.0.0",
  apiVersion: 1,
  description: "Predicts the training mean of each target (baseline).",
  options,
  create: () => createDummy(),
});
export default dummy;
