/**
 * Incremental capacity analysis (ICA): |dQ/dV| of a (dis)charge curve on a uniform voltage grid and its
 * peak features. The defaults are the peer kit's W1 settings, and every step follows the scipy peer
 * (np.interp after a stable sort, savgol_filter mode='interp', find_peaks / peak_widths), so the features
 * equal scipy's to rounding.
 */
import { piecewiseLinearArea, trapezoid } from "./area.ts";
import { gridFromStep } from "./grid.ts";
import { resampleOnGrid } from "./interp.ts";
import { findPeaks, peakWidths, topKByValue } from "./peaks.ts";
import { savgolFilter } from "./savgol.ts";

/** Settings of {@link icaCurve} and {@link icaFeatures}. */
export interface IcaOptions {
  /** First grid voltage (V). */
  gridStart: number;
  /** Last grid voltage (V), included. */
  gridStop: number;
  /** Grid spacing (V); must divide the grid range. */
  gridStep: number;
  /** Savitzky–Golay window (odd, samples). */
  sgWindow: number;
  /** Savitzky–Golay polynomial order. */
  sgOrder: number;
  /** Minimum peak prominence as a fraction of max |dQ/dV|. */
  prominenceFraction: number;
  /** How many peaks to describe, by prominence. */
  topK: number;
  /** Rows with voltage in [lo, hi] are used; default: the grid range. */
  voltageWindow?: readonly [number, number];
}

/** The peer kit's W1 settings: 3.0–4.2 V at 1 mV, SG window 21 cubic, prominence 2 % of max, top 3. */
export const W1_ICA_OPTIONS: Readonly<IcaOptions> = Object.freeze({
  gridStart: 3.0,
  gridStop: 4.2,
  gridStep: 0.001,
  sgWindow: 21,
  sgOrder: 3,
  prominenceFraction: 0.02,
  topK: 3,
  voltageWindow: [3.0, 4.2] as const,
});

/** |dQ/dV| (Ah/V) sampled on the voltage grid. */
export interface IcaCurve {
  /** Grid voltages (V), numpy.linspace-exact. */
  voltage: Float64Array;
  /** |dQ/dV| at each grid voltage (Ah/V). */
  dqdv: Float64Array;
  /** Grid spacing actually used (V): (stop − start)/(n − 1). */
  step: number;
}

/** One ICA peak; names and units as in the peer kit's JSON. */
export interface IcaPeak {
  /** Grid voltage of the peak (V). */
  voltage: number;
  /** |dQ/dV| at the peak (Ah/V). */
  height: number;
  /** scipy prominence (Ah/V). */
  prominence: number;
  /** Width at half the prominence (V). */
  fwhm_v: number;
  /** Area under |dQ/dV| between the half-prominence crossings (Ah). */
  area_ah: number;
}

/** Per-curve ICA features. */
export interface IcaFeatures {
  /** Peaks passing the prominence filter. */
  n_peaks: number;
  /** The topK most prominent peaks, most prominent first (ties: lower voltage first). */
  peaks: IcaPeak[];
  /** Trapezoid area of |dQ/dV| over the whole grid (Ah). */
  total_area_ah: number;
  /** Voltage of the largest |dQ/dV| (V; first one on ties). */
  max_voltage: number;
}

/** |dQ/dV| on the grid from voltage (V) and charge (Ah) samples in any order. */
export function icaCurve(
  voltage: ArrayLike<number>,
  chargeAh: ArrayLike<number>,
  options: Readonly<IcaOptions> = W1_ICA_OPTIONS,
): IcaCurve {
  const grid = gridFromStep(options.gridStart, options.gridStop, options.gridStep);
  const [lo, hi] = options.voltageWindow ?? [options.gridStart, options.gridStop];
  const charge = resampleOnGrid(voltage, chargeAh, grid, lo, hi);
  const dqdv = savgolFilter(charge, {
    window: options.sgWindow,
    order: options.sgOrder,
    deriv: 1,
    delta: grid.step,
  });
  for (let i = 0; i < dqdv.length; i++) dqdv[i] = Math.abs(dqdv[i]);
  return { voltage: grid.points, dqdv, step: grid.step };
}

/** Peak features of an ICA curve (prominence filter, top-k, widths, areas). */
export function curveFeatures(curve: IcaCurve, options: Readonly<IcaOptions> = W1_ICA_OPTIONS): IcaFeatures {
  const y = curve.dqdv;
  const top = argMax(y);
  const found = findPeaks(y, options.prominenceFraction * y[top]);
  const chosen = topKByValue(found.prominences, options.topK);
  const prominence = {
    prominences: Float64Array.from(chosen, (k) => found.prominences[k]),
    leftBases: Int32Array.from(chosen, (k) => found.leftBases[k]),
    rightBases: Int32Array.from(chosen, (k) => found.rightBases[k]),
  };
  const peakIndex = Int32Array.from(chosen, (k) => found.peaks[k]);
  const widths = peakWidths(y, peakIndex, 0.5, prominence);
  const peaks = Array.from(peakIndex, (p, m): IcaPeak => ({
    voltage: curve.voltage[p],
    height: y[p],
    prominence: prominence.prominences[m],
    fwhm_v: widths.widths[m] * curve.step,
    area_ah: piecewiseLinearArea(y, widths.leftIps[m], widths.rightIps[m]) * curve.step,
  }));
  return {
    n_peaks: found.peaks.length,
    peaks,
    total_area_ah: trapezoid(y) * curve.step,
    max_voltage: curve.voltage[top],
  };
}

/** ICA features straight from voltage (V) and charge (Ah) samples. */
export function icaFeatures(
  voltage: ArrayLike<number>,
  chargeAh: ArrayLike<number>,
  options: Readonly<IcaOptions> = W1_ICA_OPTIONS,
): IcaFeatures {
  return curveFeatures(icaCurve(voltage, chargeAh, options), options);
}

function argMax(y: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
  return best;
}
