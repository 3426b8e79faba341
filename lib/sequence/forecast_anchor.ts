/**
 * Anchored forecasting for sequence models: a forecast is the change from the last observed target value
 * (the anchor), so it starts where the data end and a model only has to learn how the target moves on,
 * not its level — the level of a held-out cell (another temperature, another SOH at the forecast origin)
 * is then never extrapolated. Also what the encoders read about the prefix besides the raw values: the
 * observed fade rate, recent (last two observations) and overall (least squares over the prefix), since
 * a cell's own fade so far is the strongest predictor of its fade to come.
 *
 * Training draws observed-prefix lengths at random (seeded) within the training cells' sequences, so the
 * models learn to forecast from short and long prefixes alike, not to fit whole trajectories.
 */
import type { SequenceData } from "./sequence_data.ts";
import type { UniformRandom } from "../random/mod.ts";

/** What the observed prefix of every sample says about where a forecast starts. */
export interface ForecastAnchors {
  /** N: observed steps (≥ 1). */
  prefix: Int32Array;
  /** N: time of the last observed step (the forecast origin). */
  tAnchor: Float32Array;
  /** N·K: last observed value of each target within the prefix; NaN when the prefix never observed it. */
  yAnchor: Float32Array;
  /** N·K: slope between the last two observations of the target in the prefix (0 with fewer than two). */
  rateRecent: Float32Array;
  /** N·K: least-squares slope over the prefix's observations of the target (0 with fewer than two). */
  rateOverall: Float32Array;
}

/** The anchors of `set` for observed prefix lengths `prefix` (per sample, clamped to 1..length). */
export function forecastAnchors(set: SequenceData, prefix: Int32Array): ForecastAnchors {
  const T = set.steps, K = set.targetNames.length;
  const out: ForecastAnchors = {
    prefix: new Int32Array(set.n),
    tAnchor: new Float32Array(set.n),
    yAnchor: new Float32Array(set.n * K).fill(NaN),
    rateRecent: new Float32Array(set.n * K),
    rateOverall: new Float32Array(set.n * K),
  };
  for (let i = 0; i < set.n; i++) {
    const p = Math.max(1, Math.min(set.lengths[i], prefix[i]));
    out.prefix[i] = p;
    out.tAnchor[i] = set.t[i * T + p - 1];
    for (let k = 0; k < K; k++) {
      const ts: number[] = [], ys: number[] = [];
      for (let s = 0; s < p; s++) {
        const at = (i * T + s) * K + k;
        if (set.yMask[at] && Number.isFinite(set.y[at])) (ts.push(set.t[i * T + s]), ys.push(set.y[at]));
      }
      if (ys.length === 0) continue;
      const n = ys.length;
      out.yAnchor[i * K + k] = ys[n - 1];
      if (n < 2) continue;
      const dt = ts[n - 1] - ts[n - 2];
      out.rateRecent[i * K + k] = dt > 0 ? (ys[n - 1] - ys[n - 2]) / dt : 0;
      out.rateOverall[i * K + k] = leastSquaresSlope(ts, ys);
    }
  }
  return out;
}

function leastSquaresSlope(ts: readonly number[], ys: readonly number[]): number {
  const n = ts.length;
  const tm = ts.reduce((a, b) => a + b, 0) / n, ym = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0;
  for (let j = 0; j < n; j++) (sxy += (ts[j] - tm) * (ys[j] - ym), sxx += (ts[j] - tm) ** 2);
  return sxx > 0 ? sxy / sxx : 0;
}

/** Training samples for forecasting: which sample of the set each is, and how many of its steps it sees. */
export interface PrefixDraws {
  sample: Int32Array;
  prefix: Int32Array;
}

/**
 * Up to `draws` distinct observed-prefix lengths per sample, uniformly from minPrefix..length−1 (so at
 * least one step is left to forecast), seeded; a sample too short for any forecast is left out. With
 * `draws` = 0 every sample is seen with `fallback`'s prefix (the evaluation's) instead.
 */
export function drawPrefixes(
  lengths: Int32Array,
  draws: number,
  minPrefix: number,
  rng: UniformRandom,
  fallback: Int32Array,
): PrefixDraws {
  const sample: number[] = [], prefix: number[] = [];
  lengths.forEach((len, i) => {
    if (draws === 0) {
      if (fallback[i] < len) (sample.push(i), prefix.push(fallback[i]));
      return;
    }
    const lo = Math.max(1, Math.min(minPrefix, len - 1));
    const choices = Array.from({ length: Math.max(0, len - lo) }, (_, j) => lo + j);
    for (let d = 0; d < draws && choices.length > 0; d++) {
      const pick = Math.floor(rng.uniform() * choices.length);
      sample.push(i);
      prefix.push(choices.splice(pick, 1)[0]);
    }
  });
  if (sample.length === 0) {
    throw new RangeError(
      `no training sample leaves a step to forecast (lengths ${
        Array.from(lengths)
      }); forecasting needs ≥ 2 steps`,
    );
  }
  return { sample: Int32Array.from(sample), prefix: Int32Array.from(prefix) };
}

type AnyTyped = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Rows `rows` of a sample-major typed array with `n` samples, in that order (repeats allowed). */
function pickRows<A extends AnyTyped>(a: A, n: number, rows: Int32Array): A {
  const width = n === 0 ? 0 : a.length / n;
  const out = new (a.constructor as new (length: number) => A)(rows.length * width);
  rows.forEach((r, j) => out.set(a.subarray(r * width, (r + 1) * width) as never, j * width));
  return out;
}

/**
 * The set restricted to (and repeated as) `rows`, in that order: the samples of prefix draws. Every
 * per-sample array of `meta` (typed arrays and string lists of length N or N·T) follows the rows.
 */
export function selectSamples<S extends SequenceData>(set: S, rows: Int32Array): S {
  const follow = (col: unknown): unknown => {
    if (Array.isArray(col)) return Array.from(rows, (r) => col[r]);
    if (ArrayBuffer.isView(col) && !(col instanceof DataView)) return pickRows(col as AnyTyped, set.n, rows);
    return col;
  };
  const meta: Record<string, unknown> = {};
  for (const [name, col] of Object.entries(set.meta)) {
    meta[name] = name === "extra" && col
      ? Object.fromEntries(Object.entries(col as Record<string, unknown>).map(([k, v]) => [k, follow(v)]))
      : follow(col);
  }
  return {
    ...set,
    n: rows.length,
    x: pickRows(set.x, set.n, rows),
    y: pickRows(set.y, set.n, rows),
    yMask: pickRows(set.yMask, set.n, rows),
    t: pickRows(set.t, set.n, rows),
    lengths: pickRows(set.lengths, set.n, rows),
    meta,
  };
}

/** N·T·K loss mask of a forecast: observed targets at the steps after each sample's prefix. */
export function forecastMask(set: SequenceData, prefix: Int32Array): Float32Array {
  const T = set.steps, K = set.targetNames.length;
  const out = new Float32Array(set.n * T * K);
  for (let i = 0; i < set.n; i++) {
    for (let s = prefix[i]; s < set.lengths[i]; s++) {
      for (let k = 0; k < K; k++) out[(i * T + s) * K + k] = set.yMask[(i * T + s) * K + k];
    }
  }
  return out;
}
