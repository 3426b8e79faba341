/**
 * The physical baselines researchers put beside every neural forecast, for any target (SOH, LLI, LAM):
 *
 * - `persistence`: the last observed value, held;
 * - `fade_rate_1_over_T`: the last observed value plus the training cells' change over the same stretch
 *   of their own tests, interpolated in 1/T (see _fade_rate.ts);
 * - `anchored_sqrt_t`: a + b·√t fitted to the observed prefix, through the last observed value.
 *
 * Each reads only the test cell's observed prefix and the training cells (never a test cell's later
 * steps), and forecasts every step after the prefix; which of those are scored is the caller's rule, the
 * same as the neural models' (observed targets after the prefix).
 */
import { anchoredSqrt, sqrtTimeSlope } from "./_anchored_sqrt.ts";
import { fadeIncrement } from "./_fade_rate.ts";
import type { Trajectory } from "./_trajectory.ts";

/** The baselines, in report order. */
export const BASELINE_NAMES = ["persistence", "fade_rate_1_over_T", "anchored_sqrt_t"] as const;
/** One baseline's name. */
export type BaselineName = typeof BASELINE_NAMES[number];

/** The arrays of a padded sequence set the baselines read (a core SampleSet satisfies it). */
export interface SequenceTargets {
  readonly n: number;
  readonly steps: number;
  readonly targetNames: readonly string[];
  /** N·T, time since each sequence's first step. */
  readonly t: Float32Array;
  /** N·T·K targets and their mask (1 = measured). */
  readonly y: Float32Array;
  readonly yMask: Uint8Array;
  readonly lengths: Int32Array;
  readonly meta: { readonly cellKey: readonly string[]; readonly chamberC: ArrayLike<number> };
}

/** Measured (masked-in, finite) points of target k of sample i among its first `upTo` steps. */
export function trajectoryOf(set: SequenceTargets, i: number, k: number, upTo = set.lengths[i]): Trajectory {
  const T = set.steps, K = set.targetNames.length, t: number[] = [], y: number[] = [];
  for (let s = 0; s < Math.min(upTo, set.lengths[i]); s++) {
    const at = (i * T + s) * K + k;
    if (set.yMask[at] && Number.isFinite(set.y[at])) (t.push(set.t[i * T + s]), y.push(set.y[at]));
  }
  return { t, y, chamberC: set.meta.chamberC[i] };
}

/**
 * Every baseline's forecast of `test` (N·T·K, NaN where nothing is forecast: within the prefix, on
 * padding, or for a target the prefix never measured), from each sample's first `prefix[i]` steps and
 * the full trajectories of `train`. Targets are matched by name; a target the training set lacks leaves
 * `fade_rate_1_over_T` NaN for it.
 */
export function baselineForecasts(
  train: SequenceTargets,
  test: SequenceTargets,
  prefix: Int32Array,
): Record<BaselineName, Float64Array> {
  const T = test.steps, K = test.targetNames.length;
  const out = Object.fromEntries(
    BASELINE_NAMES.map((b) => [b, new Float64Array(test.n * T * K).fill(NaN)]),
  ) as Record<BaselineName, Float64Array>;
  for (let k = 0; k < K; k++) {
    const kTrain = train.targetNames.indexOf(test.targetNames[k]);
    const references = kTrain < 0
      ? []
      : Array.from({ length: train.n }, (_, c) => trajectoryOf(train, c, kTrain));
    for (let i = 0; i < test.n; i++) {
      const seen = trajectoryOf(test, i, k, prefix[i]);
      const m = seen.t.length;
      if (m === 0) continue;
      const tLast = seen.t[m - 1], yLast = seen.y[m - 1], b = sqrtTimeSlope(seen.t, seen.y);
      for (let s = Math.max(1, prefix[i]); s < test.lengths[i]; s++) {
        const at = (i * T + s) * K + k, t = test.t[i * T + s];
        out.persistence[at] = yLast;
        out.fade_rate_1_over_T[at] = yLast + fadeIncrement(references, seen.chamberC, tLast, t);
        out.anchored_sqrt_t[at] = anchoredSqrt(tLast, yLast, b, t);
      }
    }
  }
  return out;
}
