/**
 * Uniform voltage grids, built exactly like `numpy.linspace` (i·step + start, last point = stop), so grid
 * voltages compare bit-for-bit with the Python peers and peak voltages are "exact on the grid".
 */

/** A uniform grid: its points and the spacing numpy reports for it. */
export interface UniformGrid {
  /** Grid points, increasing. */
  readonly points: Float64Array;
  /** (stop − start)/(n − 1): the spacing `numpy.linspace(..., retstep=True)` returns. */
  readonly step: number;
}

/** `numpy.linspace(start, stop, n)` with its exact floating-point construction. */
export function linspace(start: number, stop: number, n: number): UniformGrid {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`linspace: n must be an integer ≥ 2, got ${n}`);
  if (!(stop > start)) throw new RangeError(`linspace: stop (${stop}) must exceed start (${start})`);
  const step = (stop - start) / (n - 1);
  const points = new Float64Array(n);
  // numpy multiplies arange(n) by step, adds start, then pins the endpoint; same order here.
  for (let i = 0; i < n; i++) points[i] = i * step + start;
  points[n - 1] = stop;
  return { points, step };
}

/** Grid from start/stop/step: n = round((stop − start)/step) + 1 points, built by {@link linspace}. */
export function gridFromStep(start: number, stop: number, step: number): UniformGrid {
  if (!(step > 0)) throw new RangeError(`grid step must be > 0, got ${step}`);
  const intervals = Math.round((stop - start) / step);
  const landed = start + intervals * step;
  // A step that does not divide the range would silently move the endpoint: say so instead.
  if (Math.abs(landed - stop) > 1e-9 * Math.max(1, Math.abs(stop))) {
    throw new RangeError(`grid step ${step} does not divide [${start}, ${stop}] into whole intervals`);
  }
  return linspace(start, stop, intervals + 1);
}
