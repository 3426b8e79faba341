/**
 * Per-step network inputs of a sequence model: standardised features, the standardised step time, and —
 * when forecasting — the standardised observed targets with a flag saying which steps are observed.
 * Beyond the observed prefix, features are carried forward from the last observed step (a measured
 * feature such as r_rel would otherwise leak the future), targets are 0 and the flag is 0; the step time
 * stays, as the schedule of RPTs is known in advance. Padded steps are all zero.
 */
import type { SequenceData } from "./sequence_data.ts";
import { fitStandardizer, type Standardizer } from "./standardizer.ts";

/** Statistics of the training set that the inputs are standardised with. */
export interface SequenceInputSpec {
  features: Standardizer;
  time: Standardizer;
  targets: Standardizer;
  /** Whether observed targets are input channels (forecasting). */
  forecasting: boolean;
}

/** Fits the input statistics on the training set. */
export function fitSequenceInputSpec(train: SequenceData, forecasting: boolean): SequenceInputSpec {
  const T = train.steps, F = train.featureNames.length, K = train.targetNames.length;
  const inLength = (row: number) => row % T < train.lengths[Math.floor(row / T)];
  return {
    features: fitStandardizer(train.x, F, inLength),
    time: fitStandardizer(train.t, 1, inLength),
    targets: fitStandardizer(train.y, K, (row, k) => train.yMask[row * K + k] === 1),
    forecasting,
  };
}

/** Width of the input vector per step. */
export function inputWidth(spec: SequenceInputSpec): number {
  const F = spec.features.mean.length, K = spec.targets.mean.length;
  return F + 1 + (spec.forecasting ? 2 * K : 0);
}

/** N·T·width inputs; `observed` (per sample) limits what is seen, null = everything (not forecasting). */
export function sequenceInputs(
  set: SequenceData,
  spec: SequenceInputSpec,
  observed: Int32Array | null,
): Float32Array {
  const T = set.steps, F = set.featureNames.length, K = set.targetNames.length;
  if (F !== spec.features.mean.length || K !== spec.targets.mean.length) {
    throw new RangeError(
      `model was fitted on ${spec.features.mean.length} features and ${spec.targets.mean.length} targets, the set has ${F} and ${K}`,
    );
  }
  const W = inputWidth(spec);
  const out = new Float32Array(set.n * T * W);
  for (let i = 0; i < set.n; i++) {
    const seen = observed ? observed[i] : set.lengths[i];
    for (let s = 0; s < set.lengths[i]; s++) {
      const at = (i * T + s) * W;
      const src = i * T + Math.min(s, seen - 1); // features carried forward past the observed prefix
      for (let j = 0; j < F; j++) {
        const v = set.x[src * F + j];
        if (!Number.isFinite(v)) {
          throw new RangeError(
            `feature '${set.featureNames[j]}' is missing (NaN) for cell ${set.meta.cellKey[i]}, step ${s}`,
          );
        }
        out[at + j] = (v - spec.features.mean[j]) / spec.features.std[j];
      }
      out[at + F] = (set.t[i * T + s] - spec.time.mean[0]) / spec.time.std[0];
      if (!spec.forecasting || s >= seen) continue;
      for (let k = 0; k < K; k++) {
        const m = set.yMask[(i * T + s) * K + k];
        out[at + F + 1 + k] = m
          ? (set.y[(i * T + s) * K + k] - spec.targets.mean[k]) / spec.targets.std[k]
          : 0;
        out[at + F + 1 + K + k] = m;
      }
    }
  }
  return out;
}
