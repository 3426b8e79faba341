/**
 * Scaling series of the bench: how a workload's cost grows with its size, ours beside the peer's. One
 * implementation for every series (GBDT rows, ICA curves, LSTM sequence length): the log–log slope of time
 * against size (the exponent k of time ∝ sizeᵏ), fitted over the series and per step, and the growth flags.
 */
import { type BenchRow, benchRow, stats } from "./report.ts";

/** A slope above 1 (or above the peer's) by more than this counts as faster growth, beyond noise. */
export const SLOPE_MARGIN = 0.1;

/** Seconds per size: ours and, when measured, the peer's; one list of runs per size. */
export interface SeriesTimings {
  sizes: number[];
  ours: number[][];
  peer?: number[][];
}

/** How a series is reported: workload id, variant prefix (`<prefix>_<size>`), peer name, size unit. */
export interface SeriesLabels {
  workload: string;
  variantPrefix: string;
  peerName: string;
  /** Key of the size in each row's quality (`rows`, `curves`, `seq_len`). */
  sizeKey: string;
  /** Fields added to every row's quality (settings of the series). */
  extra?: Record<string, number | string>;
}

/** Least-squares slope of log(seconds) against log(size): the exponent k of time ∝ sizeᵏ. */
export function logLogSlope(sizes: readonly number[], seconds: readonly number[]): number {
  const x = sizes.map(Math.log), y = seconds.map(Math.log);
  const mx = x.reduce((a, b) => a + b, 0) / x.length, my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (!(sxx > 0)) {
    throw new Error(`log–log slope needs at least two different sizes (got ${sizes.join(", ")})`);
  }
  return sxy / sxx;
}

/** The growth flags of a series, judged on its last step (where fixed costs weigh least). */
export function growthFlags(
  oursLastStep: number,
  peerLastStep?: number,
): { growth: string; vs_peer?: string } {
  const growth = oursLastStep > 1 + SLOPE_MARGIN ? "super-linear" : "linear or below";
  if (peerLastStep === undefined) return { growth };
  const vs_peer = oursLastStep > peerLastStep + SLOPE_MARGIN
    ? "GROWS FASTER than the peer"
    : "grows like the peer";
  return { growth, vs_peer };
}

/**
 * One report row per size (variant `<prefix>_<size>`). Each carries the slope fitted over the whole series
 * and the slope from the previous size (ours and the peer's); the flags judge the step between the two
 * largest sizes.
 */
export function seriesRows(timings: SeriesTimings, labels: SeriesLabels): BenchRow[] {
  const medians = (runs: number[][]) => runs.map((r) => stats(r).median);
  const ours = medians(timings.ours), peer = timings.peer ? medians(timings.peer) : undefined;
  const step = (t: number[], i: number) =>
    logLogSlope(timings.sizes.slice(i - 1, i + 1), t.slice(i - 1, i + 1));
  const last = timings.sizes.length - 1;
  const series: Record<string, number | string> = {
    ...labels.extra,
    loglog_slope: logLogSlope(timings.sizes, ours),
  };
  if (peer) series.peer_loglog_slope = logLogSlope(timings.sizes, peer);
  Object.assign(series, growthFlags(step(ours, last), peer && step(peer, last)));
  return timings.sizes.map((size, i) => {
    const quality: Record<string, number | string> = { [labels.sizeKey]: size, ...series };
    if (i > 0) quality.slope_from_previous = step(ours, i);
    if (i > 0 && peer) quality.peer_slope_from_previous = step(peer, i);
    return benchRow(
      labels.workload,
      `${labels.variantPrefix}_${size}`,
      timings.ours[i],
      timings.peer && { name: labels.peerName, median: stats(timings.peer[i]).median },
      quality,
    );
  });
}

/** A one-line summary of a series' slopes for the printed report; "" for no rows. */
export function seriesSummary(title: string, peerName: string, rows: readonly BenchRow[]): string {
  const q = rows.at(-1)?.quality;
  if (!q) return "";
  const peerStep = q.peer_slope_from_previous === undefined
    ? ""
    : ` vs ${Number(q.peer_slope_from_previous).toFixed(3)}`;
  const lastStep = `last step ${Number(q.slope_from_previous).toFixed(3)}${peerStep}`;
  const ours = `${title}: log–log slope ours ${Number(q.loglog_slope).toFixed(3)}`;
  if (q.peer_loglog_slope === undefined) return `${ours} (${lastStep}: ${q.growth})`;
  return `${ours}, ${peerName} ${
    Number(q.peer_loglog_slope).toFixed(3)
  } (${lastStep}: ${q.growth}, ${q.vs_peer})`;
}
