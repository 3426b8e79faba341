/**
 * Feature binning, following LightGBM's rules (io/bin.cpp) so that both engines see the same thresholds:
 * values within one ulp are one distinct value; zero (|v| ≤ 1e-35) always has a bin of its own, with
 * negative and positive values binned separately around it; a bin is closed only once it holds
 * `min_data_in_bin` rows; with more distinct values than bins, values frequent enough to fill a bin by
 * themselves are isolated and the rest is cut into bins of about equal count. Each bound is the double just
 * above the midpoint of the two values it separates. A feature with NaN in training has one bin fewer for
 * values plus one bin for NaN, so every feature has at most max_bin bins in all and one byte per value.
 */
import { sortFloat64 } from "./_sort.ts";

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

/** LightGBM's kZeroThreshold (a float32 constant there): values with |v| ≤ this count as zero. */
export const ZERO_THRESHOLD: number = Math.fround(1e-35);

/** LightGBM's default `min_data_in_bin`. */
export const DEFAULT_MIN_DATA_IN_BIN = 3;

/** Value bins of a feature = upperBounds.length; total bins adds the NaN bin. */
export function totalBins(feature: FeatureBins): number {
  return feature.upperBounds.length + (feature.nanBin >= 0 ? 1 : 0);
}

// One shared 8-byte buffer viewed as a double and as two 32-bit words, for stepping to the next double.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1 ? 0 : 1;

/** The smallest double greater than x (C's nextafter(x, +∞)); NaN and +∞ are returned unchanged. */
export function nextUp(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  const high = 1 - LOW;
  // Positive: the next larger bit pattern; negative: the next smaller magnitude. Carry/borrow by hand.
  if (x > 0) {
    if (u32[LOW] === 0xffffffff) u32[high]++;
    u32[LOW]++;
  } else {
    if (u32[LOW] === 0) u32[high]--;
    u32[LOW]--;
  }
  return f64[0];
}

/** Whether sorted a ≤ b are the same value to LightGBM: b is at most one ulp above a. */
function sameValue(a: number, b: number): boolean {
  if (b === a) return true;
  // Cheap exit for the common case of values clearly apart; the exact test only near a one-ulp gap.
  if (b - a > Math.abs(a) * 4.5e-16 && b - a > Number.MIN_VALUE) return false;
  return b <= nextUp(a);
}

/** A bound between distinct values a < b: the double just above their midpoint, as LightGBM takes. */
function boundBetween(a: number, b: number): number {
  return nextUp((a + b) / 2);
}

/**
 * Finds bin upper bounds for one feature's non-NaN values (any order). `maxBin` counts value bins, so a
 * caller whose feature also has NaN passes one less (see `binMatrix`).
 */
export function findUpperBounds(
  values: Float64Array,
  maxBin: number,
  minDataInBin: number = DEFAULT_MIN_DATA_IN_BIN,
): Float64Array {
  const { distinct, counts } = distinctCounts(sortFloat64(values));
  if (distinct.length === 0) return Float64Array.of(Infinity);
  return Float64Array.from(zeroAsOneBin(distinct, counts, maxBin, values.length, minDataInBin));
}

/**
 * Distinct values of a sorted array and how often each occurs. As in LightGBM, values within one ulp of
 * the previous one merge into it (keeping the larger), and |v| ≤ ZERO_THRESHOLD counts as 0.
 */
export function distinctCounts(sorted: Float64Array): { distinct: Float64Array; counts: Int32Array } {
  const distinct = new Float64Array(sorted.length), counts = new Int32Array(sorted.length);
  let k = -1;
  for (let i = 0; i < sorted.length; i++) {
    const v = Math.abs(sorted[i]) <= ZERO_THRESHOLD ? 0 : sorted[i];
    if (k < 0 || !sameValue(distinct[k], v)) distinct[++k] = v;
    else distinct[k] = v;
    counts[k]++;
  }
  return { distinct: distinct.slice(0, k + 1), counts: counts.slice(0, k + 1) };
}

/**
 * Negative values, zero and positive values are binned apart (LightGBM's FindBinWithZeroAsOneBin): the
 * negatives get a share of the bins proportional to their count and end at −ZERO_THRESHOLD; zero's bin
 * ends at +ZERO_THRESHOLD; the positives get the bins left. So zero (and NaN predicted as zero) always
 * falls on its own side of a split, whatever the neighbouring values are.
 */
function zeroAsOneBin(
  distinct: Float64Array,
  counts: Int32Array,
  maxBin: number,
  total: number,
  minDataInBin: number,
): number[] {
  const n = distinct.length;
  let negativeRows = 0, zeroRows = 0, positiveRows = 0;
  for (let i = 0; i < n; i++) {
    if (distinct[i] <= -ZERO_THRESHOLD) negativeRows += counts[i];
    else if (distinct[i] > ZERO_THRESHOLD) positiveRows += counts[i];
    else zeroRows += counts[i];
  }
  let negatives = 0;
  while (negatives < n && distinct[negatives] <= -ZERO_THRESHOLD) negatives++;
  let bounds: number[] = [];
  if (negatives > 0 && maxBin > 1) {
    const share = Math.trunc((negativeRows / (total - zeroRows)) * (maxBin - 1));
    bounds = greedyBounds(distinct, counts, 0, negatives, Math.max(1, share), negativeRows, minDataInBin);
    bounds[bounds.length - 1] = -ZERO_THRESHOLD;
  }
  let positiveStart = negatives;
  while (positiveStart < n && distinct[positiveStart] <= ZERO_THRESHOLD) positiveStart++;
  const positiveBins = maxBin - 1 - bounds.length;
  if (positiveStart < n && positiveBins > 0) {
    bounds.push(ZERO_THRESHOLD);
    bounds.push(
      ...greedyBounds(distinct, counts, positiveStart, n, positiveBins, positiveRows, minDataInBin),
    );
  } else {
    bounds.push(Infinity);
  }
  return bounds;
}

/**
 * Bounds over distinct values [from, to), ending with +∞ (LightGBM's GreedyFindBin). Few distinct values:
 * a cut after every value once the open bin holds ≥ minDataInBin rows. Many: at most min(maxBin,
 * rows / minDataInBin) bins; values holding a mean bin's worth of rows are isolated, the others are cut into
 * bins of about equal count, re-estimating the target size as bins are used up.
 */
function greedyBounds(
  distinct: Float64Array,
  counts: Int32Array,
  from: number,
  to: number,
  maxBin: number,
  total: number,
  minDataInBin: number,
): number[] {
  const n = to - from;
  const bounds: number[] = [];
  const push = (bound: number) => {
    if (bounds.length === 0 || !sameValue(bounds[bounds.length - 1], bound)) bounds.push(bound);
  };
  if (n <= maxBin) {
    let inBin = 0;
    for (let i = from; i < to - 1; i++) {
      inBin += counts[i];
      if (inBin >= minDataInBin) {
        const before = bounds.length;
        push(boundBetween(distinct[i], distinct[i + 1]));
        if (bounds.length > before) inBin = 0;
      }
    }
    bounds.push(Infinity);
    return bounds;
  }
  if (minDataInBin > 0) maxBin = Math.max(1, Math.min(maxBin, Math.trunc(total / minDataInBin)));
  let target = total / maxBin;
  let restBins = maxBin, restRows = total;
  const big = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (counts[from + i] >= target) {
      big[i] = 1;
      restBins--;
      restRows -= counts[from + i];
    }
  }
  target = restRows / restBins;
  // Last value of each bin and first value of the next; bounds go between them.
  const lastOf: number[] = [], firstOf: number[] = [distinct[from]];
  let inBin = 0;
  for (let i = 0; i < n - 1; i++) {
    const count = counts[from + i];
    if (!big[i]) restRows -= count;
    inBin += count;
    if (big[i] || inBin >= target || (big[i + 1] && inBin >= Math.max(1, target * 0.5))) {
      lastOf.push(distinct[from + i]);
      firstOf.push(distinct[from + i + 1]);
      if (lastOf.length >= maxBin - 1) break;
      inBin = 0;
      if (!big[i]) {
        restBins--;
        target = restRows / restBins;
      }
    }
  }
  for (let b = 0; b < lastOf.length; b++) push(boundBetween(lastOf[b], firstOf[b + 1]));
  bounds.push(Infinity);
  return bounds;
}

/**
 * Bin of a value: binary search over upper bounds. NaN → the NaN bin; for a feature that had no NaN in
 * training, NaN is binned as 0, which is how LightGBM predicts it (missing type "none").
 */
export function binOf(feature: FeatureBins, value: number): number {
  const ub = feature.upperBounds;
  if (value !== value) {
    if (feature.nanBin >= 0) return feature.nanBin;
    value = 0;
  }
  let lo = 0, hi = ub.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= ub[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Learns bins from a row-major matrix and stores its values as feature-major bytes. */
export function binMatrix(
  matrix: RowMatrix,
  maxBin: number,
  minDataInBin: number = DEFAULT_MIN_DATA_IN_BIN,
): BinnedMatrix {
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
    const hasNan = present < rows;
    // LightGBM keeps max_bin as the total: with NaN, one bin fewer is left for values.
    const upperBounds = findUpperBounds(
      column.subarray(0, present),
      hasNan ? maxBin - 1 : maxBin,
      minDataInBin,
    );
    const feature = { upperBounds, nanBin: hasNan ? upperBounds.length : -1 };
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
