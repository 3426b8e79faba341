/**
 * The anchored √t baseline: y = a + b·√t fitted by least squares to the observed prefix (t since the
 * cell's first RPT), then shifted to pass through the last observed value, so the forecast starts where
 * the data end: ŷ(t) = y_last + b·(√t − √t_last). Calendar ageing (SEI growth) is diffusion-limited and
 * grows with √t; with the cycling share it is the textbook first guess for capacity fade and LLI alike.
 */

/** Least-squares slope of y on √t; 0 with fewer than two distinct times. */
export function sqrtTimeSlope(t: readonly number[], y: readonly number[]): number {
  const n = t.length;
  if (n < 2) return 0;
  const u = t.map((v) => Math.sqrt(Math.max(0, v)));
  const um = u.reduce((a, b) => a + b, 0) / n, ym = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let j = 0; j < n; j++) (sxy += (u[j] - um) * (y[j] - ym), sxx += (u[j] - um) ** 2);
  return sxx > 0 ? sxy / sxx : 0;
}

/** The anchored forecast at time t from the last observed point (tLast, yLast) and slope b. */
export function anchoredSqrt(tLast: number, yLast: number, b: number, t: number): number {
  return yLast + b * (Math.sqrt(Math.max(0, t)) - Math.sqrt(Math.max(0, tLast)));
}
