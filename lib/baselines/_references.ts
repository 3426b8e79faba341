/**
 * The fade-rate baseline as something a model can carry: the training cells' trajectories as plain
 * JSON-able records (saved with the model), and the baseline's forecast for every step of a set from each
 * sample's observed prefix — leaving the sample's own cell out of the references, so a training cell
 * never sees its own future through the baseline (a test cell is never among the references anyway).
 */
import { fadeIncrement } from "./_fade_rate.ts";
import { type SequenceTargets, trajectoryOf } from "./_forecasts.ts";

/** One training cell's measured trajectory of one target. */
export interface ReferenceTrajectory {
  cellKey: string;
  target: string;
  chamberC: number;
  t: number[];
  y: number[];
}

/** Every sample's trajectory of every target of `set`. */
export function referenceTrajectories(set: SequenceTargets): ReferenceTrajectory[] {
  return Array.from({ length: set.n }, (_, i) =>
    set.targetNames.map((target, k) => {
      const tr = trajectoryOf(set, i, k);
      return { cellKey: set.meta.cellKey[i], target, chamberC: tr.chamberC, t: [...tr.t], y: [...tr.y] };
    })).flat();
}

/**
 * N·T·K fade-rate forecasts: at steps from each sample's prefix on, the last observed value plus the
 * other cells' change over the same stretch (interpolated in 1/T); NaN before the prefix's end, on
 * padding, and where the prefix measured nothing or no other cell has the target.
 */
export function fadeRateForecasts(
  references: readonly ReferenceTrajectory[],
  set: SequenceTargets,
  prefix: Int32Array,
): Float64Array {
  const T = set.steps, K = set.targetNames.length;
  const out = new Float64Array(set.n * T * K).fill(NaN);
  for (let i = 0; i < set.n; i++) {
    for (let k = 0; k < K; k++) {
      const others = references.filter((r) =>
        r.target === set.targetNames[k] && r.cellKey !== set.meta.cellKey[i]
      );
      const seen = trajectoryOf(set, i, k, prefix[i]);
      const m = seen.t.length;
      if (m === 0 || others.length === 0) continue;
      for (let s = prefix[i] - 1; s < set.lengths[i]; s++) {
        out[(i * T + s) * K + k] = seen.y[m - 1] +
          fadeIncrement(others, seen.chamberC, seen.t[m - 1], set.t[i * T + s]);
      }
    }
  }
  return out;
}
