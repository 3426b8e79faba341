/**
 * Gradient/hessian histograms: for every feature and bin, the sums of gradients and hessians and the row
 * count over the rows of one leaf. Features sit back to back at `binOffsets`. Gradient and hessian sums are
 * Float64; counts are Int32 in their own array, which measured ~1.5× faster in the inner loop than
 * interleaved float slots. These loops are the hot path of training, written out by hand in TypeScript
 * because no npm GBDT library runs in Deno without native code.
 */
import type { BinnedMatrix } from "./binning.ts";

/** Per-bin sums over one leaf, for all features. */
export interface Histogram {
  grad: Float64Array;
  hess: Float64Array;
  count: Int32Array;
}

/** A zeroed histogram for all features of a binned matrix. */
export function newHistogram(data: BinnedMatrix): Histogram {
  const bins = data.binOffsets[data.cols];
  return { grad: new Float64Array(bins), hess: new Float64Array(bins), count: new Int32Array(bins) };
}

/** Rows of one leaf: `rows[begin..begin+count)` with their gradients gathered in the same order. */
export interface LeafRows {
  rows: Int32Array;
  begin: number;
  count: number;
  /** Gradients in leaf order (ordered gradients: sequential reads in the inner loop). */
  grad: Float64Array;
  /** Hessians in leaf order; ignored when `constantHessian` is set. */
  hess: Float64Array;
  /** When every row has the same hessian, only g and count are summed and h = count·constantHessian. */
  constantHessian?: number;
}

/** Fills `hist` for the given features (all others are left untouched) from the leaf's rows. */
export function buildHistogram(
  hist: Histogram,
  data: BinnedMatrix,
  leaf: LeafRows,
  features: Int32Array,
): void {
  for (let k = 0; k < features.length; k++) {
    const j = features[k], start = data.binOffsets[j], end = data.binOffsets[j + 1];
    hist.grad.fill(0, start, end);
    hist.count.fill(0, start, end);
  }
  // Several features per pass share the row-index load and the gradient load: ~1.8× faster than one.
  let k = 0;
  for (; k + 3 < features.length; k += 4) accumulateFour(hist, data, features, k, leaf);
  for (; k < features.length; k += 2) {
    const a = features[k], b = k + 1 < features.length ? features[k + 1] : -1;
    const o = data.binOffsets;
    accumulatePair(hist, o[a], columnOf(data, a), b < 0 ? -1 : o[b], columnOf(data, b < 0 ? a : b), leaf);
  }
  for (let k = 0; k < features.length; k++) fillHessian(hist, data, features[k], leaf);
}

function columnOf(data: BinnedMatrix, j: number): Uint8Array {
  return data.bins.subarray(j * data.rows, (j + 1) * data.rows);
}

/** Sums gradients and counts of features[k..k+3] at once. */
function accumulateFour(
  hist: Histogram,
  data: BinnedMatrix,
  features: Int32Array,
  k: number,
  leaf: LeafRows,
): void {
  const o = data.binOffsets;
  const fa = features[k], fb = features[k + 1], fc = features[k + 2], fd = features[k + 3];
  const startA = o[fa], startB = o[fb], startC = o[fc], startD = o[fd];
  const columnA = columnOf(data, fa), columnB = columnOf(data, fb);
  const columnC = columnOf(data, fc), columnD = columnOf(data, fd);
  const gradSum = hist.grad, count = hist.count, rows = leaf.rows, grad = leaf.grad;
  const begin = leaf.begin, n = leaf.count;
  for (let i = 0; i < n; i++) {
    const row = rows[begin + i], g = grad[i];
    const a = startA + columnA[row], b = startB + columnB[row];
    const c = startC + columnC[row], d = startD + columnD[row];
    gradSum[a] += g;
    count[a]++;
    gradSum[b] += g;
    count[b]++;
    gradSum[c] += g;
    count[c]++;
    gradSum[d] += g;
    count[d]++;
  }
}

/** Sums gradients and counts of two features at once (`startB` < 0: feature A only). */
function accumulatePair(
  hist: Histogram,
  startA: number,
  columnA: Uint8Array,
  startB: number,
  columnB: Uint8Array,
  leaf: LeafRows,
): void {
  const gradSum = hist.grad, count = hist.count, rows = leaf.rows, grad = leaf.grad;
  const begin = leaf.begin, n = leaf.count;
  if (startB < 0) {
    for (let i = 0; i < n; i++) {
      const a = startA + columnA[rows[begin + i]];
      gradSum[a] += grad[i];
      count[a]++;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const row = rows[begin + i], g = grad[i];
    const a = startA + columnA[row], b = startB + columnB[row];
    gradSum[a] += g;
    count[a]++;
    gradSum[b] += g;
    count[b]++;
  }
}

function fillHessian(hist: Histogram, data: BinnedMatrix, j: number, leaf: LeafRows): void {
  const start = data.binOffsets[j], end = data.binOffsets[j + 1];
  if (leaf.constantHessian !== undefined) {
    for (let b = start; b < end; b++) hist.hess[b] = hist.count[b] * leaf.constantHessian;
    return;
  }
  hist.hess.fill(0, start, end);
  accumulateHessian(hist.hess, start, columnOf(data, j), leaf.rows, leaf.begin, leaf.count, leaf.hess);
}

function accumulateHessian(
  hessSum: Float64Array,
  start: number,
  column: Uint8Array,
  rows: Int32Array,
  begin: number,
  n: number,
  hess: Float64Array,
): void {
  for (let i = 0; i < n; i++) hessSum[start + column[rows[begin + i]]] += hess[i];
}

/** The subtraction trick: `larger = parent − smaller` over the given features, written into `parent`. */
export function subtractHistogram(
  parent: Histogram,
  smaller: Histogram,
  data: BinnedMatrix,
  features: Int32Array,
): void {
  for (let k = 0; k < features.length; k++) {
    const j = features[k];
    for (let b = data.binOffsets[j]; b < data.binOffsets[j + 1]; b++) {
      parent.grad[b] -= smaller.grad[b];
      parent.hess[b] -= smaller.hess[b];
      parent.count[b] -= smaller.count[b];
    }
  }
}
