/** Small sequence sets shared by the cnn_lstm and acla tests (generated, with known trajectories). */
import { createRng } from "../../../core/rng.ts";
import { createSampleSet, type SampleSet } from "../../../core/sample.ts";

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
