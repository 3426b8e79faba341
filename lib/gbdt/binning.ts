/**
 * Feature binning: each feature's values map to ≤ max_bin ordered bins (plus one bin for NaN when the
 * feature has missing values), so trees search at most 255 thresholds per feature and the whole training
 * matrix fits in one byte per value. Edges follow LightGBM's idea: distinct-value aware quantiles, where a
 * value frequent enough to fill a bin by itself gets its own bin.
 */
import { sortFloat64 } from "./sort.ts";

/** Row-major numeric matrix (n rows × f features); NaN marks a missing value. */
export interface RowMatrix {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
}

/** How one feature's values map to bins. */
export interface FeatureBins {
  /** Upper bound of each value bin: value v is in the first bin b with v ≤ upperBounds[b]; last is +∞. */
  upperBounds: Float64Array;
  /** Index of the NaN bin (= upperBounds.length), or -1 when the training data had no NaN. */
  nanBin: number;
}

/** The training matrix as bins: feature-major bytes plus per-feature bin layout. */
export interface BinnedMatrix {
  rows: number;
  cols: number;
  features: FeatureBins[];
  /** cols·rows bytes, feature-major: feature j's column is bins.subarray(j·rows, (j+1)·rows). */
  bins: Uint8Array;
  /** Total bins per feature (value bins + NaN bin). */
  binCounts: Int32Array;
  /** Start of each feature's bins in a histogram of all features (cols + 1 entries). */
  binOffsets: Int32Array;
}

/** Value bins of a feature = upperBounds.length; total bins adds the NaN bin. */
export function totalBins(feature: FeatureBins): number {
  return feature.upperBounds.length + (feature.nanBin >= 0 ? 1 : 0);
}

/** Finds bin upper bounds for one feature's non-NaN values (any order). */
export function findUpperBounds(values: Float64Array, maxBin: number): Float64Array {
  if (values.length === 0) return Float64Array.of(Infinity);
  const sorted = sortFloat64(values);
  const { distinct, counts } = distinctCounts(sorted);
  // Few distinct values: one bin each. Otherwise: about equal-count bins.
  const cuts = distinct.length <= maxBin
    ? Int32Array.from({ length: distinct.length - 1 }, (_, i) => i)
    : greedyCuts(counts, maxBin, sorted.length);
  const bounds = new Float64Array(cuts.length + 1);
  cuts.forEach((c, b) => bounds[b] = midpoint(distinct[c], distinct[c + 1]));
  bounds[cuts.length] = Infinity;
  return bounds;
}

/** Distinct values of a sorted array and how often each occurs. */
export function distinctCounts(sorted: Float64Array): { distinct: Float64Array; counts: Int32Array } {
  const distinct = new Float64Array(sorted.length), counts = new Int32Array(sorted.length);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (k < 0 || sorted[i] !== distinct[k]) distinct[++k] = sorted[i];
    counts[k]++;
  }
  return { distinct: distinct.slice(0, k + 1), counts: counts.slice(0, k + 1) };
}

/**
 * Chooses bin ends over distinct values (a cut after distinct value i separates it from i + 1). Values
 * holding at least a mean bin's worth of rows are isolated in their own bin; the remaining rows are cut
 * into bins of about equal size, re-estimating the target size as bins are used up.
 */
function greedyCuts(counts: Int32Array, maxBin: number, total: number): Int32Array {
  const n = counts.length;
  const big = new Uint8Array(n);
  let restBins = maxBin, restRows = total;
  for (let i = 0; i < n; i++) {
    if (counts[i] >= total / maxBin) {
      big[i] = 1;
      restBins--;
      restRows -= counts[i];
    }
  }
  let target = restRows / Math.max(1, restBins);
  const cuts: number[] = [];
  let inBin = 0;
  for (let i = 0; i < n - 1 && cuts.length < maxBin - 1; i++) {
    if (!big[i]) restRows -= counts[i];
    inBin += counts[i];
    const closeBeforeBig = big[i + 1] === 1 && inBin >= Math.max(1, target / 2);
    if (big[i] || inBin >= target || closeBeforeBig) {
      cuts.push(i);
      inBin = 0;
      if (!big[i]) {
        restBins--;
        target = restRows / Math.max(1, restBins);
      }
    }
  }
  return Int32Array.from(cuts);
}

/** A bound strictly between a and b (a < b) that keeps a below and b above even for adjacent doubles. */
function midpoint(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid >= b || mid < a ? a : mid;
}

/** Bin of a value: binary search over upper bounds; NaN → nanBin (or the last bin if none was seen). */
export function binOf(feature: FeatureBins, value: number): number {
  const ub = feature.upperBounds;
  if (value !== value) return feature.nanBin >= 0 ? feature.nanBin : ub.length - 1;
  let lo = 0, hi = ub.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= ub[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Learns bins from a row-major matrix and stores its values as feature-major bytes. */
export function binMatrix(matrix: RowMatrix, maxBin: number): BinnedMatrix {
  const { rows, cols, values } = matrix;
  const features: FeatureBins[] = [];
  const bins = new Uint8Array(rows * cols);
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    let present = 0;
    for (let i = 0; i < rows; i++) {
      const v = values[i * cols + j];
      if (v === v) column[present++] = v;
    }
    const upperBounds = findUpperBounds(column.subarray(0, present), maxBin);
    const feature = { upperBounds, nanBin: present < rows ? upperBounds.length : -1 };
    features.push(feature);
    fillColumn(bins.subarray(j * rows, (j + 1) * rows), feature, values, cols, j);
  }
  return { rows, cols, features, bins, ...layout(features) };
}

function fillColumn(
  out: Uint8Array,
  feature: FeatureBins,
  values: ArrayLike<number>,
  cols: number,
  j: number,
): void {
  for (let i = 0; i < out.length; i++) out[i] = binOf(feature, values[i * cols + j]);
}

function layout(features: FeatureBins[]): { binCounts: Int32Array; binOffsets: Int32Array } {
  const binCounts = Int32Array.from(features, totalBins);
  const binOffsets = new Int32Array(features.length + 1);
  for (let j = 0; j < features.length; j++) binOffsets[j + 1] = binOffsets[j] + binCounts[j];
  return { binCounts, binOffsets };
}
