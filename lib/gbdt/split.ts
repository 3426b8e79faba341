/**
 * Split finding on one leaf's histogram: for every feature and threshold bin, the gain of sending bins
 * ≤ threshold left and the rest right, with missing values (the NaN bin) tried on both sides so each split
 * learns its default direction.
 */
import type { BinnedMatrix } from "./binning.ts";
import type { Histogram } from "./histogram.ts";

/** Regularisation and size limits that decide whether a split is allowed. */
export interface SplitLimits {
  lambda_l1: number;
  lambda_l2: number;
  min_data_in_leaf: number;
  min_sum_hessian_in_leaf: number;
  min_gain_to_split: number;
}

/** Sums over a set of rows. */
export interface LeafSums {
  grad: number;
  hess: number;
  count: number;
}

/** The best split of a leaf; `gain` ≤ 0 (or feature < 0) means no valid split. */
export interface SplitCandidate {
  feature: number;
  /** Bins ≤ threshold go left. */
  thresholdBin: number;
  /** Where the NaN bin goes. */
  defaultLeft: boolean;
  /** Loss reduction: score(left) + score(right) − score(parent). */
  gain: number;
  left: LeafSums;
  right: LeafSums;
}

/** An empty candidate, to be filled by `findBestSplit`. */
export function emptyCandidate(): SplitCandidate {
  return {
    feature: -1,
    thresholdBin: 0,
    defaultLeft: false,
    gain: 0,
    left: { grad: 0, hess: 0, count: 0 },
    right: { grad: 0, hess: 0, count: 0 },
  };
}

/** Soft-thresholding of the gradient sum by λ₁: sign(g)·max(|g| − λ₁, 0). */
export function thresholdL1(g: number, l1: number): number {
  const r = Math.abs(g) - l1;
  return r > 0 ? Math.sign(g) * r : 0;
}

/** Optimal leaf value −T(G)/(H + λ₂) (before the learning rate). */
export function leafOutput(g: number, h: number, limits: SplitLimits): number {
  const denominator = h + limits.lambda_l2;
  return denominator > 0 ? -thresholdL1(g, limits.lambda_l1) / denominator : 0;
}

/** Loss reduction a leaf achieves at its optimal value: T(G)²/(H + λ₂). */
export function leafScore(g: number, h: number, l1: number, l2: number): number {
  const t = l1 === 0 ? g : thresholdL1(g, l1);
  return (t * t) / (h + l2);
}

/** Scans the given features of `hist` and writes the best split of a leaf with `sums` into `best`. */
export function findBestSplit(
  hist: Histogram,
  data: BinnedMatrix,
  features: Int32Array,
  sums: LeafSums,
  limits: SplitLimits,
  best: SplitCandidate,
): void {
  best.feature = -1;
  best.gain = 0;
  const parentScore = leafScore(sums.grad, sums.hess, limits.lambda_l1, limits.lambda_l2);
  const scan: Scan = { ...limits, minGain: parentScore + limits.min_gain_to_split, best, parentScore };
  for (let k = 0; k < features.length; k++) {
    const j = features[k];
    if (data.binCounts[j] < 2) continue;
    const feature = data.features[j];
    scanFeature(hist, data.binOffsets[j], feature.upperBounds.length, feature.nanBin >= 0, j, sums, scan);
  }
}

interface Scan extends SplitLimits {
  /** Total score a split must beat: parent score + min_gain_to_split. */
  minGain: number;
  parentScore: number;
  best: SplitCandidate;
}

/** Tries every threshold of one feature; `valueBins` excludes the NaN bin, which sits right after them. */
function scanFeature(
  hist: Histogram,
  start: number,
  valueBins: number,
  hasNan: boolean,
  feature: number,
  sums: LeafSums,
  scan: Scan,
): void {
  const nanAt = start + valueBins;
  // NaN right (or no NaN): with NaN the last value bin is a threshold too (all values left, NaN right).
  scanDirection(hist, start, hasNan ? valueBins : valueBins - 1, 0, 0, 0, feature, false, sums, scan);
  if (hasNan) {
    const h = hist;
    scanDirection(
      h,
      start,
      valueBins - 1,
      h.grad[nanAt],
      h.hess[nanAt],
      h.count[nanAt],
      feature,
      true,
      sums,
      scan,
    );
  }
}

/**
 * One left-to-right pass over `thresholds` thresholds; the left side starts with (g0, h0, c0), the NaN
 * bin's sums when NaN goes left. Best-so-far lives in locals (the hot loop touches no objects).
 */
function scanDirection(
  hist: Histogram,
  start: number,
  thresholds: number,
  g0: number,
  h0: number,
  c0: number,
  feature: number,
  nanLeft: boolean,
  sums: LeafSums,
  scan: Scan,
): void {
  const hg = hist.grad, hh = hist.hess, hc = hist.count;
  const minData = Math.max(1, scan.min_data_in_leaf), minHess = scan.min_sum_hessian_in_leaf;
  const l1 = scan.lambda_l1, l2 = scan.lambda_l2;
  const totalG = sums.grad, totalH = sums.hess, totalC = sums.count;
  let lg = g0, lh = h0, lc = c0;
  let bestGain = scan.minGain, bestT = -1, bestG = 0, bestH = 0, bestC = 0;
  for (let t = 0; t < thresholds; t++) {
    lg += hg[start + t];
    lh += hh[start + t];
    lc += hc[start + t];
    if (lc < minData || lh < minHess) continue;
    // The right side only shrinks from here on (hessians are ≥ 0), so stop at the first too-small one.
    if (totalC - lc < minData || totalH - lh < minHess) break;
    const rg = totalG - lg;
    const gain = l1 === 0
      ? (lg * lg) / (lh + l2) + (rg * rg) / (totalH - lh + l2)
      : leafScore(lg, lh, l1, l2) + leafScore(rg, totalH - lh, l1, l2);
    if (gain > bestGain) {
      bestGain = gain;
      bestT = t;
      bestG = lg;
      bestH = lh;
      bestC = lc;
    }
  }
  if (bestT >= 0) record(scan, feature, bestT, nanLeft, bestGain, bestG, bestH, bestC, sums);
}

function record(
  scan: Scan,
  feature: number,
  threshold: number,
  defaultLeft: boolean,
  gain: number,
  lg: number,
  lh: number,
  lc: number,
  sums: LeafSums,
): void {
  const best = scan.best;
  scan.minGain = gain;
  best.feature = feature;
  best.thresholdBin = threshold;
  best.defaultLeft = defaultLeft;
  best.gain = gain - scan.parentScore;
  best.left.grad = lg;
  best.left.hess = lh;
  best.left.count = lc;
  best.right.grad = sums.grad - lg;
  best.right.hess = sums.hess - lh;
  best.right.count = sums.count - lc;
}
