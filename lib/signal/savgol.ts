/**
 * Savitzky–Golay smoothing and differentiation with scipy's `savgol_filter(..., mode='interp')` semantics:
 * interior samples are the (derivative of the) least-squares polynomial through the centred window; the
 * first/last half-window samples are evaluated, at their own positions, on the polynomial fitted to the
 * first/last full window.
 *
 * Written here (not an npm package) because both the coefficients and the edge rule must match scipy, and
 * a fixed convolution with precomputed taps is the fastest form in JavaScript.
 */

/** Settings of a Savitzky–Golay filter. */
export interface SavgolOptions {
  /** Odd number of samples in the fitting window. */
  window: number;
  /** Polynomial order, < window. */
  order: number;
  /** Derivative to output, 0 (smoothing) … order. */
  deriv?: number;
  /** Sample spacing; derivatives are divided by delta^deriv. */
  delta?: number;
}

/**
 * Taps h such that Σ_j h[j]·y[j] is the deriv-th derivative, at window position `position` (0 … window−1),
 * of the least-squares polynomial of the given order through y[0 … window−1] spaced `delta` apart.
 */
export function savgolCoefficients(
  window: number,
  order: number,
  deriv = 0,
  delta = 1,
  position = (window - 1) / 2,
): Float64Array {
  checkOptions({ window, order, deriv, delta });
  // Scaling abscissae into [−1, 1] keeps the Vandermonde columns comparable, so QR loses no digits.
  const half = Math.max((window - 1) / 2, 1);
  const s = Float64Array.from({ length: window }, (_, j) => (j - (window - 1) / 2) / half);
  const { q, r } = thinQr(s, order + 1);
  const z = solveTransposedUpper(r, derivativeRow(order, deriv, (position - (window - 1) / 2) / half));
  const scale = 1 / (half * delta) ** deriv;
  const taps = new Float64Array(window);
  for (let j = 0; j < window; j++) {
    let acc = 0;
    for (let k = 0; k <= order; k++) acc += q[k][j] * z[k];
    taps[j] = acc * scale;
  }
  return taps;
}

/** Savitzky–Golay filter of `x` (scipy `mode='interp'`): smoothed values or a derivative, same length. */
export function savgolFilter(x: ArrayLike<number>, options: SavgolOptions): Float64Array {
  const { window, order, deriv = 0, delta = 1 } = options;
  checkOptions({ window, order, deriv, delta });
  if (x.length < window) {
    throw new RangeError(`savgol: signal has ${x.length} samples, fewer than the window (${window})`);
  }
  const taps = filterTaps(window, order, deriv, delta);
  const out = new Float64Array(x.length);
  convolveInterior(x, taps.centre, out);
  applyEdges(x, taps.edges, out);
  return out;
}

interface FilterTaps {
  centre: Float64Array;
  /** Taps for window positions 0 … window−1; only the outer half-windows are used. */
  edges: Float64Array[];
}

const tapCache = new Map<string, FilterTaps>();

/** Taps are a pure function of the settings; the ICA loop reuses them for every curve. */
function filterTaps(window: number, order: number, deriv: number, delta: number): FilterTaps {
  const key = `${window}/${order}/${deriv}/${delta}`;
  let taps = tapCache.get(key);
  if (taps === undefined) {
    const edges = Array.from(
      { length: window },
      (_, p) => savgolCoefficients(window, order, deriv, delta, p),
    );
    taps = { centre: edges[(window - 1) / 2], edges };
    tapCache.set(key, taps);
  }
  return taps;
}

function convolveInterior(x: ArrayLike<number>, taps: Float64Array, out: Float64Array): void {
  const w = taps.length;
  const half = (w - 1) / 2;
  for (let i = half; i < x.length - half; i++) {
    let acc = 0;
    const base = i - half;
    for (let j = 0; j < w; j++) acc += taps[j] * x[base + j];
    out[i] = acc;
  }
}

function applyEdges(x: ArrayLike<number>, edges: Float64Array[], out: Float64Array): void {
  const w = edges.length;
  const half = (w - 1) / 2;
  const tailStart = x.length - w;
  for (let p = 0; p < half; p++) {
    out[p] = dotAt(edges[p], x, 0);
    out[tailStart + w - 1 - p] = dotAt(edges[w - 1 - p], x, tailStart);
  }
}

function dotAt(taps: Float64Array, x: ArrayLike<number>, offset: number): number {
  let acc = 0;
  for (let j = 0; j < taps.length; j++) acc += taps[j] * x[offset + j];
  return acc;
}

function checkOptions(o: Required<SavgolOptions>): void {
  if (!Number.isInteger(o.window) || o.window < 1 || o.window % 2 === 0) {
    throw new RangeError(`savgol: window must be a positive odd integer, got ${o.window}`);
  }
  if (!Number.isInteger(o.order) || o.order < 0 || o.order >= o.window) {
    throw new RangeError(`savgol: order must be an integer in [0, window), got ${o.order}`);
  }
  if (!Number.isInteger(o.deriv) || o.deriv < 0 || o.deriv > o.order) {
    throw new RangeError(`savgol: deriv must be an integer in [0, order=${o.order}], got ${o.deriv}`);
  }
  if (!(o.delta > 0) || !Number.isFinite(o.delta)) {
    throw new RangeError(`savgol: delta must be a finite number > 0, got ${o.delta}`);
  }
}

/** Thin QR of the Vandermonde matrix [s^0 … s^(p−1)] by twice-iterated modified Gram–Schmidt. */
function thinQr(s: Float64Array, p: number): { q: Float64Array[]; r: Float64Array[] } {
  const q: Float64Array[] = [];
  const r = Array.from({ length: p }, () => new Float64Array(p));
  for (let k = 0; k < p; k++) {
    const col = s.map((sj) => sj ** k);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < k; i++) {
        const proj = dot(q[i], col);
        r[i][k] += proj;
        for (let j = 0; j < col.length; j++) col[j] -= proj * q[i][j];
      }
    }
    const norm = Math.sqrt(dot(col, col));
    if (!(norm > 0)) throw new RangeError("savgol: polynomial fit is rank deficient");
    r[k][k] = norm;
    q.push(col.map((c) => c / norm));
  }
  return { q, r };
}

function dot(a: Float64Array, b: Float64Array): number {
  let acc = 0;
  for (let j = 0; j < a.length; j++) acc += a[j] * b[j];
  return acc;
}

/** d-th derivative of the monomials t^0 … t^order at t: k!/(k−d)! · t^(k−d). */
function derivativeRow(order: number, deriv: number, t: number): Float64Array {
  const row = new Float64Array(order + 1);
  for (let k = deriv; k <= order; k++) {
    let falling = 1;
    for (let m = k - deriv + 1; m <= k; m++) falling *= m;
    row[k] = falling * t ** (k - deriv);
  }
  return row;
}

/** Solves Rᵀ z = b for upper-triangular R (forward substitution). */
function solveTransposedUpper(r: Float64Array[], b: Float64Array): Float64Array {
  const z = new Float64Array(b.length);
  for (let k = 0; k < b.length; k++) {
    let acc = b[k];
    for (let i = 0; i < k; i++) acc -= r[i][k] * z[i];
    z[k] = acc / r[k][k];
  }
  return z;
}
