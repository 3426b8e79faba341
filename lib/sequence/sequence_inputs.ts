/**
 * Per-step network inputs of a sequence model: standardised features, the standardised step time, and —
 * when forecasting — the standardised observed targets with a flag saying which steps are observed.
 * Beyond the observed prefix, features are carried forward from the last observed step (a measured
 * feature such as r_rel would otherwise leak the future), targets are 0 and the flag is 0; the step time
 * stays, as the schedule of RPTs is known in advance. Padded steps are all zero.
 *
 * A feature with a mask column (`<feature>_observed`, lib/sequence/feature_masks.ts) is read only where its
 * mask is 1; where it is 0 the input is 0 (the training mean) whatever the slot holds, and the mask column
 * tells the network the value is missing. Its statistics come from measured entries only.
 *
 * Anchored forecasting (`anchored`, lib/sequence/forecast_anchor.ts) adds, at every step within the length, what
 * the whole observed prefix says: the standardised anchor value of each target (its last observed value;
 * 0, the training mean, when the prefix never observed it), its recent and overall observed fade rates
 * (target standard deviations per time standard deviation) and the time since the anchor in time standard
 * deviations (negative inside the prefix). The prefix is all observed when the forecast is made, so these
 * are no leak; they let every step's output be a change from the anchor at a known time offset.
 */
import { forecastAnchors } from "./forecast_anchor.ts";
import { isObserved, maskColumns } from "./feature_masks.ts";
import type { SequenceData } from "./sequence_data.ts";
import { fitStandardizer, type Standardizer } from "../features/mod.ts";

/** Statistics of the training set that the inputs are standardised with. */
export interface SequenceInputSpec {
  features: Standardizer;
  time: Standardizer;
  targets: Standardizer;
  /** Whether observed targets are input channels (forecasting). */
  forecasting: boolean;
  /** Whether the anchor channels follow (anchored forecasting; absent in models saved before them). */
  anchored?: boolean;
}

/** Where the anchor channels sit in a step's input vector (K targets each, then the time offset). */
export interface AnchorChannels {
  yAnchor: number;
  rateRecent: number;
  rateOverall: number;
  /** The time since the anchor, in time standard deviations. */
  tau: number;
}

/** The anchor channels' offsets, or null when the spec is not anchored. */
export function anchorChannels(spec: SequenceInputSpec): AnchorChannels | null {
  if (!spec.forecasting || !spec.anchored) return null;
  const F = spec.features.mean.length, K = spec.targets.mean.length, base = F + 1 + 2 * K;
  return { yAnchor: base, rateRecent: base + K, rateOverall: base + 2 * K, tau: base + 3 * K };
}

/** Fits the input statistics on the training set. */
export function fitSequenceInputSpec(
  train: SequenceData,
  forecasting: boolean,
  anchored = false,
): SequenceInputSpec {
  const T = train.steps, F = train.featureNames.length, K = train.targetNames.length;
  const inLength = (row: number) => row % T < train.lengths[Math.floor(row / T)];
  const masks = maskColumns(train.featureNames);
  const measured = (row: number, j: number) =>
    inLength(row) && isObserved(train.x, F, row, j, masks, train.featureNames);
  return {
    features: fitStandardizer(train.x, F, measured),
    time: fitStandardizer(train.t, 1, inLength),
    targets: fitStandardizer(train.y, K, (row, k) => train.yMask[row * K + k] === 1),
    forecasting,
    anchored: forecasting && anchored,
  };
}

/** Width of the input vector per step. */
export function inputWidth(spec: SequenceInputSpec): number {
  const F = spec.features.mean.length, K = spec.targets.mean.length;
  return F + 1 + (spec.forecasting ? 2 * K : 0) + (anchorChannels(spec) ? 3 * K + 1 : 0);
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
  const W = inputWidth(spec), channels = anchorChannels(spec), masks = maskColumns(set.featureNames);
  const anchors = channels ? forecastAnchors(set, observed ?? set.lengths) : null;
  const out = new Float32Array(set.n * T * W);
  for (let i = 0; i < set.n; i++) {
    const seen = observed ? observed[i] : set.lengths[i];
    for (let s = 0; s < set.lengths[i]; s++) {
      const at = (i * T + s) * W;
      const src = i * T + Math.min(s, seen - 1); // features carried forward past the observed prefix
      for (let j = 0; j < F; j++) {
        if (!isObserved(set.x, F, src, j, masks, set.featureNames)) continue; // stays 0: the training mean
        const v = set.x[src * F + j];
        if (!Number.isFinite(v)) {
          throw new RangeError(
            `feature '${set.featureNames[j]}' is missing (NaN) for cell ${set.meta.cellKey[i]}, step ${s}`,
          );
        }
        out[at + j] = (v - spec.features.mean[j]) / spec.features.std[j];
      }
      out[at + F] = (set.t[i * T + s] - spec.time.mean[0]) / spec.time.std[0];
      if (channels && anchors) {
        const tStd = spec.time.std[0];
        for (let k = 0; k < K; k++) {
          const yA = anchors.yAnchor[i * K + k], ySd = spec.targets.std[k];
          out[at + channels.yAnchor + k] = Number.isFinite(yA) ? (yA - spec.targets.mean[k]) / ySd : 0;
          out[at + channels.rateRecent + k] = anchors.rateRecent[i * K + k] * tStd / ySd;
          out[at + channels.rateOverall + k] = anchors.rateOverall[i * K + k] * tStd / ySd;
        }
        out[at + channels.tau] = (set.t[i * T + s] - anchors.tAnchor[i]) / tStd;
      }
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
