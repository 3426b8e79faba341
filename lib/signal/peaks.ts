/**
 * Peak finding with scipy.signal semantics: `find_peaks` local maxima (flat tops → middle sample, rounded
 * down; the end samples are never peaks), `peak_prominences` (no window) with their bases, and
 * `peak_widths` measured at a fraction of the prominence with fractional interpolated crossings.
 *
 * Written here because no npm package reproduces these exact rules (which plateau sample, which base on
 * ties, how the width crossing is interpolated), and ICA features are compared with scipy to 1e-6.
 */

/** Local maxima of x: the peak (middle) index and the flat top's first and last index. */
export interface LocalMaxima {
  peaks: Int32Array;
  leftEdges: Int32Array;
  rightEdges: Int32Array;
}

/** Prominence of each peak and the bases (where the reference minimum on each side was first met). */
export interface Prominences {
  prominences: Float64Array;
  leftBases: Int32Array;
  rightBases: Int32Array;
}

/** Width of each peak at its evaluation height, with fractional left/right crossing positions. */
export interface PeakWidths {
  widths: Float64Array;
  widthHeights: Float64Array;
  leftIps: Float64Array;
  rightIps: Float64Array;
}

/**
 * Strict local maxima and flat tops: x[i−1] < x[i] and the first following different sample is lower.
 * A top that runs into the last sample is not a peak.
 */
export function localMaxima(x: ArrayLike<number>): LocalMaxima {
  const peaks: number[] = [];
  const leftEdges: number[] = [];
  const rightEdges: number[] = [];
  const last = x.length - 1;
  let i = 1;
  while (i < last) {
    if (x[i - 1] < x[i]) {
      let ahead = i + 1;
      while (ahead < last && x[ahead] === x[i]) ahead++;
      if (x[ahead] < x[i]) {
        leftEdges.push(i);
        rightEdges.push(ahead - 1);
        peaks.push((i + ahead - 1) >> 1);
        i = ahead;
      }
    }
    i++;
  }
  return {
    peaks: Int32Array.from(peaks),
    leftEdges: Int32Array.from(leftEdges),
    rightEdges: Int32Array.from(rightEdges),
  };
}

/**
 * scipy `peak_prominences` without a window: on each side walk outwards while samples are ≤ the peak,
 * keeping the lowest value (base = first index where it occurs); prominence = peak − higher of the two.
 */
export function peakProminences(x: ArrayLike<number>, peaks: ArrayLike<number>): Prominences {
  const n = peaks.length;
  const prominences = new Float64Array(n);
  const leftBases = new Int32Array(n);
  const rightBases = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const p = peaks[k];
    if (!(p > 0 && p < x.length - 1) || !Number.isInteger(p)) {
      throw new RangeError(`peak index ${p} is not an interior sample of a signal of length ${x.length}`);
    }
    const top = x[p];
    let leftMin = top;
    let leftBase = p;
    for (let i = p; i >= 0 && x[i] <= top; i--) {
      if (x[i] < leftMin) {
        leftMin = x[i];
        leftBase = i;
      }
    }
    let rightMin = top;
    let rightBase = p;
    for (let i = p; i < x.length && x[i] <= top; i++) {
      if (x[i] < rightMin) {
        rightMin = x[i];
        rightBase = i;
      }
    }
    prominences[k] = top - Math.max(leftMin, rightMin);
    leftBases[k] = leftBase;
    rightBases[k] = rightBase;
  }
  return { prominences, leftBases, rightBases };
}

/**
 * scipy `peak_widths`: evaluation height h = x[p] − relHeight·prominence; walk out from the peak (not past
 * the bases) while h < x[i], then interpolate linearly to the fractional crossing.
 */
export function peakWidths(
  x: ArrayLike<number>,
  peaks: ArrayLike<number>,
  relHeight: number,
  prominence: Prominences,
): PeakWidths {
  if (!(relHeight >= 0)) throw new RangeError(`relHeight must be ≥ 0, got ${relHeight}`);
  const n = peaks.length;
  const out: PeakWidths = {
    widths: new Float64Array(n),
    widthHeights: new Float64Array(n),
    leftIps: new Float64Array(n),
    rightIps: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) {
    const p = peaks[k];
    const h = x[p] - prominence.prominences[k] * relHeight;
    const left = leftCrossing(x, p, h, prominence.leftBases[k]);
    const right = rightCrossing(x, p, h, prominence.rightBases[k]);
    out.widthHeights[k] = h;
    out.leftIps[k] = left;
    out.rightIps[k] = right;
    out.widths[k] = right - left;
  }
  return out;
}

function leftCrossing(x: ArrayLike<number>, p: number, h: number, base: number): number {
  let i = p;
  while (base < i && h < x[i]) i--;
  return x[i] < h ? i + (h - x[i]) / (x[i + 1] - x[i]) : i;
}

function rightCrossing(x: ArrayLike<number>, p: number, h: number, base: number): number {
  let i = p;
  while (i < base && h < x[i]) i++;
  return x[i] < h ? i - (h - x[i]) / (x[i - 1] - x[i]) : i;
}

/** Peaks passing a minimum prominence, with their prominence data (scipy `find_peaks(x, prominence=min)`). */
export interface FoundPeaks extends Prominences {
  peaks: Int32Array;
}

/** scipy `find_peaks(x, prominence=minProminence)`: local maxima whose prominence ≥ minProminence. */
export function findPeaks(x: ArrayLike<number>, minProminence: number): FoundPeaks {
  const { peaks } = localMaxima(x);
  const all = peakProminences(x, peaks);
  const keep: number[] = [];
  for (let k = 0; k < peaks.length; k++) if (minProminence <= all.prominences[k]) keep.push(k);
  return {
    peaks: Int32Array.from(keep, (k) => peaks[k]),
    prominences: Float64Array.from(keep, (k) => all.prominences[k]),
    leftBases: Int32Array.from(keep, (k) => all.leftBases[k]),
    rightBases: Int32Array.from(keep, (k) => all.rightBases[k]),
  };
}

/** Positions of the k largest values, largest first; ties keep the lower position first (stable). */
export function topKByValue(values: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => (values[b] > values[a] ? 1 : values[b] < values[a] ? -1 : a - b));
  return order.slice(0, Math.max(0, k));
}
