/**
 * ICA of many curves as a stream: a curve's samples are read, reduced to its features and dropped before
 * the next curve is read, so live memory does not grow with the number of curves (W1 at 1,024 curves). Only
 * the features — a few numbers per curve — outlive a curve. (Peak RSS still rises with the short-lived
 * buffers V8 collects in batches: docs/results.md §9.)
 */
import { type IcaFeatures, icaFeatures, type IcaOptions, W1_ICA_OPTIONS } from "./ica.ts";

/** Voltage (V) and charge (Ah) samples of one curve. */
export interface CurveSamples {
  voltage: Float64Array;
  chargeAh: Float64Array;
}

/** What a streamed pass did: curves reduced, seconds spent in ICA itself, most curves held at once. */
export interface IcaStreamSummary {
  curves: number;
  computeSeconds: number;
  /** Most curves whose samples the stream held at one time (1 when it streams). */
  peakLiveCurves: number;
}

/**
 * Reduces every curve of `curves` to its ICA features, in order, one at a time; `onFeatures` receives each
 * curve's features and index. The stream holds a curve's samples only between taking it from the source and
 * handing its features on; the returned summary counts how many it held at once.
 */
export async function streamIcaFeatures(
  curves: AsyncIterable<CurveSamples> | Iterable<CurveSamples>,
  onFeatures: (features: IcaFeatures, index: number) => void,
  options: Readonly<IcaOptions> = W1_ICA_OPTIONS,
): Promise<IcaStreamSummary> {
  let index = 0, live = 0, peakLiveCurves = 0, compute = 0;
  for await (const curve of curves) {
    peakLiveCurves = Math.max(peakLiveCurves, ++live);
    const t0 = performance.now();
    const features = icaFeatures(curve.voltage, curve.chargeAh, options);
    compute += performance.now() - t0;
    live--; // the loop variable is the only reference to the samples; the next iteration replaces it
    onFeatures(features, index++);
  }
  return { curves: index, computeSeconds: compute / 1000, peakLiveCurves };
}
