/**
 * Resampling a measured curve Q(V) onto a voltage grid, with `numpy.interp` semantics after a stable sort
 * by voltage and a voltage-window filter — the first step of incremental capacity analysis.
 *
 * Written here rather than taken from npm: the ICA features must match the scipy peer to 1e-6, which needs
 * numpy's exact tie and end rules (duplicated voltages, points outside the data range), and the fast path
 * below avoids the O(n log n) sort altogether.
 *
 * Two implementations with identical results:
 * - {@link stableArgsort} + {@link windowFilter} + {@link interpSorted}: the literal recipe (reference).
 * - {@link resampleOnGrid}: one O(n) pass that keeps, per grid interval, the lowest and highest voltage
 *   seen. np.interp at a grid point x only reads the last sorted sample with V ≤ x and the first with
 *   V > x, so these two per-interval extremes (ties resolved in file order, as a stable sort would) are
 *   all it needs. Tests check both agree bit-for-bit on shuffled data with duplicates.
 */
import type { UniformGrid } from "./grid.ts";

/** Indices that sort `keys` ascending, stably (equal keys keep input order); NaN keys go last, as numpy's. */
export function stableArgsort(keys: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(keys.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // The index tie-break makes the order stable whatever the engine's sort does.
  return order.sort((a, b) => compareNanLast(keys[a], keys[b]) || a - b);
}

function compareNanLast(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/** `values` reordered by `order` (a gather). */
export function takeByIndex(values: ArrayLike<number>, order: ArrayLike<number>): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]];
  return out;
}

/** Rows with lo ≤ v ≤ hi (NaN voltages never pass), in input order. */
export function windowFilter(
  v: ArrayLike<number>,
  q: ArrayLike<number>,
  lo: number,
  hi: number,
): { v: Float64Array; q: Float64Array } {
  let kept = 0;
  for (let i = 0; i < v.length; i++) if (v[i] >= lo && v[i] <= hi) kept++;
  const vOut = new Float64Array(kept);
  const qOut = new Float64Array(kept);
  for (let i = 0, k = 0; i < v.length; i++) {
    if (v[i] >= lo && v[i] <= hi) {
      vOut[k] = v[i];
      qOut[k++] = q[i];
    }
  }
  return { v: vOut, q: qOut };
}

/**
 * `numpy.interp(x, xp, fp)` for increasing (possibly repeated) `xp`: outside the data the end values are
 * held; at a repeated xp the last of the repeats wins, like numpy's search for the last xp[j] ≤ x.
 */
export function interpSorted(
  x: ArrayLike<number>,
  xp: ArrayLike<number>,
  fp: ArrayLike<number>,
): Float64Array {
  const n = xp.length;
  if (n === 0) throw new RangeError("interp: xp is empty");
  if (fp.length !== n) throw new RangeError(`interp: xp has ${n} values, fp ${fp.length}`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (Number.isNaN(xi)) out[i] = xi;
    else if (xi < xp[0]) out[i] = fp[0];
    else if (xi > xp[n - 1]) out[i] = fp[n - 1];
    else {
      const j = lastIndexAtOrBelow(xp, xi);
      out[i] = j === n - 1 ? fp[j] : interpolateBetween(xi, xp[j], fp[j], xp[j + 1], fp[j + 1]);
    }
  }
  return out;
}

/** Largest j with xp[j] ≤ key; the caller guarantees xp[0] ≤ key ≤ xp[n−1]. */
function lastIndexAtOrBelow(xp: ArrayLike<number>, key: number): number {
  let lo = 0;
  let hi = xp.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key >= xp[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** numpy's formula (slope·(x − x0) + y0), including its fallbacks for non-finite slopes. */
function interpolateBetween(x: number, x0: number, y0: number, x1: number, y1: number): number {
  if (x0 === x) return y0;
  const slope = (y1 - y0) / (x1 - x0);
  let y = slope * (x - x0) + y0;
  if (Number.isNaN(y)) {
    y = slope * (x - x1) + y1;
    if (Number.isNaN(y) && y0 === y1) y = y0;
  }
  return y;
}

/** Per grid interval, the extreme samples seen (row −1: none). */
interface IntervalExtremes {
  minV: Float64Array;
  minRow: Int32Array;
  maxV: Float64Array;
  maxRow: Int32Array;
}

function emptyExtremes(buckets: number): IntervalExtremes {
  return {
    minV: new Float64Array(buckets).fill(Infinity),
    minRow: new Int32Array(buckets).fill(-1),
    maxV: new Float64Array(buckets).fill(-Infinity),
    maxRow: new Int32Array(buckets).fill(-1),
  };
}

/**
 * Q interpolated at every grid voltage from rows with lo ≤ V ≤ hi, in any row order: the same numbers as
 * `interpSorted(grid, V[sorted], Q[sorted])` after a stable sort and {@link windowFilter}, in O(rows).
 */
export function resampleOnGrid(
  v: ArrayLike<number>,
  q: ArrayLike<number>,
  grid: UniformGrid,
  lo = -Infinity,
  hi = Infinity,
): Float64Array {
  if (q.length !== v.length) throw new RangeError(`resample: ${v.length} voltages but ${q.length} charges`);
  const g = grid.points;
  const ext = emptyExtremes(g.length + 1);
  collectIntervalExtremes(v, g, grid.step, lo, hi, ext);
  return interpolateFromExtremes(q, g, ext);
}

/**
 * Bucket b holds the rows with g[b−1] < V ≤ g[b] (bucket 0: V ≤ g[0]; bucket n: V > g[n−1]). Keeping the
 * highest V with the LAST row among equals and the lowest V with the FIRST row reproduces a stable sort.
 */
function collectIntervalExtremes(
  v: ArrayLike<number>,
  g: Float64Array,
  step: number,
  lo: number,
  hi: number,
  ext: IntervalExtremes,
): void {
  const n = g.length;
  const g0 = g[0];
  const { minV, minRow, maxV, maxRow } = ext;
  for (let r = 0; r < v.length; r++) {
    const x = v[r];
    if (!(x >= lo && x <= hi)) continue;
    let b = Math.ceil((x - g0) / step);
    b = b < 0 ? 0 : b > n ? n : b;
    while (b < n && g[b] < x) b++;
    while (b > 0 && g[b - 1] >= x) b--;
    if (x >= maxV[b]) {
      maxV[b] = x;
      maxRow[b] = r;
    }
    if (x < minV[b]) {
      minV[b] = x;
      minRow[b] = r;
    }
  }
}

/** For each grid point: left = highest non-empty bucket ≤ i, right = lowest non-empty bucket > i. */
function interpolateFromExtremes(q: ArrayLike<number>, g: Float64Array, ext: IntervalExtremes): Float64Array {
  const n = g.length;
  const { minV, minRow, maxV, maxRow } = ext;
  const nextRight = new Int32Array(n + 1);
  let right = -1;
  for (let b = n; b >= 0; b--) {
    nextRight[b] = right;
    if (minRow[b] >= 0) right = b;
  }
  const first = right; // lowest non-empty bucket: holds the smallest voltage (np.interp's left value)
  if (first < 0) throw new RangeError("resample: no voltage inside the window");
  const out = new Float64Array(n);
  let left = -1;
  for (let i = 0; i < n; i++) {
    if (maxRow[i] >= 0) left = i;
    const r = nextRight[i];
    if (left < 0) out[i] = q[minRow[first]];
    else if (r < 0) out[i] = q[maxRow[left]];
    else out[i] = interpolateBetween(g[i], maxV[left], q[maxRow[left]], minV[r], q[minRow[r]]);
  }
  return out;
}
