/**
 * Split finding on one leaf's histogram: for every feature and threshold bin, the gain of sending bins
 * ≤ threshold left and the rest right, with missing values (the NaN bin) tried on both sides so each split
 * learns its default direction. Scan order, tie-breaking and the limits follow LightGBM's
 * feature_histogram.hpp, so that both engines choose the same thresholds on small data.
 */
import type { BinnedMatrix } from "./binning.ts";
import { type Histogram, SLOT_BYTES } from "./_histogram.ts";
import type { ScanKernel, ScanLimits } from "./_scan_kernel.ts";

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
  /** Sums of each child, as the children's parent sums (see `record` for LightGBM's ε). */
  left: LeafSums;
  right: LeafSums;
  /** Optimal values of the two children (before the learning rate), from the sums the scan compared. */
  leftOutput: number;
  rightOutput: number;
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
    leftOutput: 0,
    rightOutput: 0,
  };
}

/**
 * LightGBM's kEpsilon (a float32 constant): the side a scan accumulates starts from this hessian instead
 * of 0, and the children's hessian sums lose it again. Kept so that two features splitting the rows alike
 * differ in gain by exactly the same last bits as in LightGBM, which decides which of them wins.
 */
const EPSILON_HESSIAN = Math.fround(1e-15);

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

/**
 * Scans the given features of `hist` and writes the best split of a leaf with `sums` into `best`. Features
 * whose flag in `splittable` is 0 are skipped; every scanned feature's flag is rewritten (1 when some
 * threshold passes the limits with a positive gain). LightGBM skips a feature in both children once it was
 * unsplittable in their parent, and children inherit the parent's flags here for the same reason.
 * Ties go to the feature scanned first (the smaller index, as in LightGBM).
 */
export function findBestSplit(
  hist: Histogram,
  data: BinnedMatrix,
  features: Int32Array,
  sums: LeafSums,
  limits: SplitLimits,
  hessianPerRow: number,
  kernel: ScanKernel,
  best: SplitCandidate,
  splittable?: Uint8Array,
): void {
  best.feature = -1;
  best.gain = 0;
  const parentScore = leafScore(sums.grad, sums.hess, limits.lambda_l1, limits.lambda_l2);
  const shift = parentScore + limits.min_gain_to_split;
  const scan: Scan = {
    ...limits,
    minGain: shift,
    best,
    parentScore,
    splittable: false,
    kernel,
    pass: {
      minData: Math.max(1, limits.min_data_in_leaf),
      minHess: limits.min_sum_hessian_in_leaf,
      l1: limits.lambda_l1,
      l2: limits.lambda_l2,
      shift,
      hessianPerRow,
      epsilon: EPSILON_HESSIAN,
    },
  };
  kernel.setLeaf(sums, scan.pass);
  for (let k = 0; k < features.length; k++) {
    const j = features[k];
    if (data.binCounts[j] < 2 || (splittable && splittable[j] === 0)) continue;
    const feature = data.features[j];
    scan.splittable = false;
    scanFeature(hist, data.binOffsets[j], feature.upperBounds.length, feature.nanBin >= 0, j, sums, scan);
    if (splittable) splittable[j] = scan.splittable ? 1 : 0;
  }
}

interface Scan extends SplitLimits {
  /** Total score a split must beat: the best so far, at first parent score + min_gain_to_split. */
  minGain: number;
  parentScore: number;
  best: SplitCandidate;
  /** Whether the feature being scanned had any threshold above `shift` within the limits. */
  splittable: boolean;
  kernel: ScanKernel;
  /**
   * The constants of every pass (`shift`: parent score + min_gain_to_split, at or below which a threshold is
   * no split at all; hessian sums are counts × `hessianPerRow`).
   */
  pass: ScanLimits;
}

/**
 * Tries every threshold of one feature, in LightGBM's order, because among equal gains the first one
 * found wins: without NaN, right to left (so a gap between the values of a leaf is cut just below the
 * right-hand values); with NaN, first right to left with NaN on the left, then left to right with NaN on
 * the right, which must then do strictly better. `valueBins` excludes the NaN bin, which sits right after.
 */
function scanFeature(
  hist: Histogram,
  start: number,
  valueBins: number,
  hasNan: boolean,
  feature: number,
  sums: LeafSums,
  scan: Scan,
): void {
  if (!hasNan) {
    pass(false, hist, start, valueBins, feature, sums, scan);
  } else if (valueBins >= 2) {
    pass(false, hist, start, valueBins, feature, sums, scan);
    pass(true, hist, start, valueBins, feature, sums, scan);
  } else {
    // One value bin and NaN: the only split is values left, NaN right.
    pass(true, hist, start, 1, feature, sums, scan);
  }
}

/**
 * One pass, reverse or forward (see `scanFeature`), in WebAssembly (scan_kernel.ts): both sides must reach
 * min_data_in_leaf rows and min_sum_hessian_in_leaf, the side the pass accumulates starts from LightGBM's ε,
 * and a pass stops at the first threshold where the shrinking side falls short (it only shrinks from there).
 */
function pass(
  forward: boolean,
  hist: Histogram,
  start: number,
  valueBins: number,
  feature: number,
  sums: LeafSums,
  scan: Scan,
): void {
  const kernel = scan.kernel;
  kernel.pass(forward, hist.sums.byteOffset + start * SLOT_BYTES, valueBins, scan.minGain);
  if (kernel.splittable) scan.splittable = true;
  const t = kernel.threshold;
  if (t >= 0) {
    record(scan, feature, t, !forward, kernel.gain, kernel.leftGrad, kernel.leftHess, kernel.leftCount, sums);
  }
}

/**
 * Stores a new best split from the left sums the scan compared (`lh` includes ε in a forward scan and
 * lacks it in a reverse one). As in LightGBM, the children's outputs come from those sums, while the sums
 * handed to the children drop ε once more.
 */
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
  best.leftOutput = leafOutput(lg, lh, scan);
  best.rightOutput = leafOutput(sums.grad - lg, sums.hess - lh, scan);
  best.left.grad = lg;
  best.left.hess = lh - EPSILON_HESSIAN;
  best.left.count = lc;
  best.right.grad = sums.grad - lg;
  best.right.hess = sums.hess - lh - EPSILON_HESSIAN;
  best.right.count = sums.count - lc;
}
