/**
 * Areas under sampled curves, in sample units (multiply by the sample spacing): the trapezoid rule over a
 * whole signal and the exact integral of its piecewise-linear interpolant between fractional positions
 * (peak areas between the half-prominence crossings).
 */

/** Trapezoid rule over all samples with unit spacing (`numpy.trapz(y)`). */
export function trapezoid(y: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 1; i < y.length; i++) acc += y[i - 1] + y[i];
  return acc / 2;
}

/** Linear interpolation of y at fractional position t (0 ≤ t ≤ length−1). */
export function valueAt(y: ArrayLike<number>, t: number): number {
  const i = Math.floor(t);
  if (i >= y.length - 1) return y[y.length - 1];
  return y[i] + (t - i) * (y[i + 1] - y[i]);
}

/**
 * ∫ from a to b of the piecewise-linear interpolant of y (unit spacing), a ≤ b fractional positions: the
 * two partial end pieces plus the whole samples between them. Exact for a piecewise-linear function.
 */
export function piecewiseLinearArea(y: ArrayLike<number>, a: number, b: number): number {
  if (!(a >= 0 && b <= y.length - 1 && a <= b)) {
    throw new RangeError(`area bounds must satisfy 0 ≤ a ≤ b ≤ ${y.length - 1}, got a=${a}, b=${b}`);
  }
  const firstWhole = Math.floor(a) + 1;
  const lastWhole = Math.floor(b);
  if (firstWhole > lastWhole) return (b - a) * (valueAt(y, a) + valueAt(y, b)) / 2;
  let area = (firstWhole - a) * (valueAt(y, a) + y[firstWhole]) / 2;
  for (let i = firstWhole; i < lastWhole; i++) area += (y[i] + y[i + 1]) / 2;
  area += (b - lastWhole) * (y[lastWhole] + valueAt(y, b)) / 2;
  return area;
}
