/**
 * Bucketing of raw values into the statistics of a TensorBoard `HistogramProto`, e.g. for a neural
 * model's weights per epoch. Equal-width buckets over [min, max] keep the bucket edges readable.
 */

/** The fields of a `HistogramProto`. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  /** Right edge of each bucket; the last one equals `max`. */
  bucketLimit: Float64Array;
  /** Count of values in each bucket. */
  bucket: Float64Array;
}

/** Default number of buckets (close to what TensorBoard shows without re-binning artefacts). */
export const DEFAULT_BUCKETS = 30;

/** Builds a histogram of finite `values`; throws on an empty input or on NaN/±Infinity (never dropped). */
export function buildHistogram(values: ArrayLike<number>, buckets = DEFAULT_BUCKETS): Histogram {
  const stats = summarise(values);
  if (stats.min === stats.max) {
    // A constant tensor: one bucket holding everything, so the chart shows a spike, not a gap.
    return { ...stats, bucketLimit: Float64Array.of(stats.max), bucket: Float64Array.of(stats.num) };
  }
  const width = (stats.max - stats.min) / buckets;
  const bucketLimit = new Float64Array(buckets);
  for (let b = 0; b < buckets; b++) bucketLimit[b] = stats.min + width * (b + 1);
  bucketLimit[buckets - 1] = stats.max;
  const bucket = new Float64Array(buckets);
  for (let i = 0; i < values.length; i++) {
    bucket[Math.min(buckets - 1, Math.floor((values[i] - stats.min) / width))]++;
  }
  return { ...stats, bucketLimit, bucket };
}

function summarise(values: ArrayLike<number>): Omit<Histogram, "bucketLimit" | "bucket"> {
  if (values.length === 0) throw new RangeError("histogram of an empty array");
  let min = Infinity, max = -Infinity, sum = 0, sumSquares = 0, nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (nonFinite > 0) {
    throw new RangeError(`histogram input has ${nonFinite} of ${values.length} values NaN or infinite`);
  }
  return { min, max, num: values.length, sum, sumSquares };
}
