/**
 * A measured trajectory of one target of one cell, and its value at any time: linear between
 * measurements, the first value before the first one, and the last segment's slope extended after the
 * last one (a training cell that stopped earlier than a test cell still says how fast it was fading).
 */

/** One cell's finite measurements of one target, in time order, with the cell's chamber temperature. */
export interface Trajectory {
  readonly t: readonly number[];
  readonly y: readonly number[];
  readonly chamberC: number;
}

/** The trajectory's value at time `t` (see the module comment for before/after the measurements). */
export function valueAt(tr: Trajectory, t: number): number {
  const n = tr.t.length;
  if (n === 0) return NaN;
  if (n === 1 || t <= tr.t[0]) return tr.y[0];
  let j = 1;
  while (j < n - 1 && tr.t[j] < t) j++;
  // Segment j−1..j brackets t, or is the last segment when t lies beyond the measurements.
  const dt = tr.t[j] - tr.t[j - 1];
  return dt > 0 ? tr.y[j - 1] + (tr.y[j] - tr.y[j - 1]) * (t - tr.t[j - 1]) / dt : tr.y[j];
}
