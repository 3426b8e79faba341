/**
 * What the sequence model tests share: small generated sets with known trajectories, their quick training
 * settings, and the check that a forecaster sees only the observed prefix.
 */
import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import { createSampleSet, type SampleSet } from "../../../core/sample.ts";
import { createLogger } from "../../../core/log.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import type { ModelInstance, Prediction } from "../../../core/plugin.ts";
import { resolveTrainingSettings, type TrainingSettings } from "../../../lib/training_settings.ts";

/** The tests' training: wasm, batch 4, constant learning rate 0.02, no early stopping. */
export function quickTraining(epochs: number): TrainingSettings {
  return resolveTrainingSettings({
    backend: "wasm",
    epochs,
    batch_size: 4,
    learning_rate: 0.02,
    schedule: "constant",
    patience: 0,
  });
}

/**
 * Fits a forecaster for 3 epochs on four fade sequences observed for 2 RPTs and checks that editing the
 * steps after the prefix leaves its predictions as they are, while editing inside the prefix changes them
 * (so the first check can fail). Returns the predictions.
 */
export async function assertSeesOnlyPrefix(
  model: ModelInstance,
  training: TrainingSettings,
): Promise<Prediction> {
  const set = withObservedPrefix(fadeSequences(4, 6), { rpts: 2 });
  await model.fit(set, undefined, {
    rng: createRng(3),
    log: createLogger({ quiet: true }),
    training: { ...training, epochs: 3 },
    observe: { rpts: 2 },
  });
  const a = await model.predict(set);
  assert.deepEqual((await model.predict(futureEdited(set, 2))).y, a.y);
  assert.notDeepEqual((await model.predict(futureEdited(set, 1))).y, a.y);
  return a;
}

/** n cells, T = 6 steps, lengths 4–6; features [t/10, temperature code]; y = 1 − 0.03·t·(1 + code). */
export function fadeSequences(n = 8, seed = 1): SampleSet {
  const rng = createRng(seed);
  const T = 6, F = 2;
  const x = new Float32Array(n * T * F), y = new Float32Array(n * T), t = new Float32Array(n * T);
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    lengths[i] = 4 + (i % 3);
    const code = [0, 0.5, 1][i % 3], stride = 1 + rng.uniform();
    for (let s = 0; s < lengths[i]; s++) {
      t[i * T + s] = s * stride;
      x[(i * T + s) * F] = s * stride / 10;
      x[(i * T + s) * F + 1] = code;
      y[i * T + s] = 1 - 0.03 * s * stride * (1 + code);
    }
  }
  return createSampleSet({
    featureNames: ["time", "code"],
    targetNames: ["soh"],
    steps: T,
    x,
    y,
    t,
    lengths,
    meta: {
      cellKey: Array.from({ length: n }, (_, i) => `s/${i}`),
      chamberC: Float64Array.from({ length: n }, (_, i) => [10, 25, 40][i % 3]),
    },
  });
}

/** n cells, T = 8 steps of 0.3 time units: y = exp(−k·t), k ∈ [0.5, 1.5) a feature. */
export function decaySequences(n: number, seed: number): SampleSet {
  const rng = createRng(seed), T = 8;
  const x = new Float32Array(n * T), y = new Float32Array(n * T), t = new Float32Array(n * T);
  for (let i = 0; i < n; i++) {
    const k = 0.5 + rng.uniform();
    for (let s = 0; s < T; s++) {
      t[i * T + s] = 0.3 * s;
      x[i * T + s] = k;
      y[i * T + s] = Math.exp(-k * t[i * T + s]);
    }
  }
  return createSampleSet({
    featureNames: ["rate"],
    targetNames: ["soh"],
    steps: T,
    x,
    y,
    t,
    meta: { cellKey: Array.from({ length: n }, (_, i) => `d/${i}`), chamberC: new Float64Array(n).fill(25) },
  });
}

/** A copy of `set` whose features and targets are changed at every step from `from` on. */
export function futureEdited(set: SampleSet, from: number): SampleSet {
  const T = set.steps, F = set.featureNames.length, K = set.targetNames.length;
  const x = set.x.slice(), y = set.y.slice();
  x.forEach((_, j) => Math.floor(j / F) % T >= from && (x[j] += 3));
  y.forEach((_, j) => Math.floor(j / K) % T >= from && (y[j] -= 0.5));
  return { ...set, x, y };
}
