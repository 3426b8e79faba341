/**
 * GBDT scaling series: the W2 boosting loop (31 leaves, lr 0.05, 255 bins, min_data_in_leaf 20, one
 * thread) on 10k, 100k and 1M Friedman #1 rows × 20 features, ours against the LightGBM CLI on the same
 * CSV, interleaved run by run. Fewer rounds than W2 (100) keep the 1M point affordable; the loop's cost
 * per round does not depend on the round count. Reports the log–log slope of loop time against rows for
 * both (1 = linear) and flags growth faster than the peer's.
 */
import { join } from "node:path";
import { binMatrix, trainGbdt } from "../../lib/gbdt/mod.ts";
import { parseNumericCsv } from "../../lib/io/numeric_csv.ts";
import { ensureFriedmanCsv } from "./friedman_csv.ts";
import { runLightgbm } from "./lightgbm_cli.ts";
import { type BenchRow, benchRow, stats } from "./report.ts";
import { splitLabel, W2_PARAMS } from "./w2_gbdt.ts";

/** Rows of the series. */
export const SCALING_ROWS = [10_000, 100_000, 1_000_000];
/** Boosting rounds at every size. */
export const SCALING_ROUNDS = 100;
const SEED = 2026;
/** A slope above 1 (or above the peer's) by more than this counts as faster growth, beyond noise. */
const SLOPE_MARGIN = 0.1;

/** Loop seconds per size: ours and (with `peers`) LightGBM's, one list of runs each. */
export interface ScalingResult {
  rows: number[];
  ours: number[][];
  peer?: number[][];
}

/** Runs the series `runs` times per size, ours then LightGBM for each run. */
export async function benchScaling(
  opts: { runs: number; peers: boolean; dir: string },
): Promise<ScalingResult> {
  const result: ScalingResult = { rows: SCALING_ROWS, ours: [], peer: opts.peers ? [] : undefined };
  for (const rows of SCALING_ROWS) {
    const csv = await ensureFriedmanCsv(opts.dir, rows, SEED);
    const train = splitLabel(parseNumericCsv(await Deno.readFile(csv), csv), "y");
    const binned = binMatrix(train.x, W2_PARAMS.max_bin);
    const ours: number[] = [], peer: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const t0 = performance.now();
      trainGbdt(train, { ...W2_PARAMS, num_iterations: SCALING_ROUNDS }, { binned });
      ours.push((performance.now() - t0) / 1000);
      if (opts.peers) {
        peer.push((await runLightgbm(csv, SCALING_ROUNDS, join(opts.dir, "lightgbm"))).loopSeconds);
      }
      console.error(
        `[gbdt scaling] ${rows} rows, run ${r}: ours ${ours[r].toFixed(3)} s` +
          (opts.peers ? `, lightgbm ${peer[r].toFixed(3)} s` : ""),
      );
    }
    result.ours.push(ours);
    result.peer?.push(peer);
  }
  return result;
}

/** Least-squares slope of log(seconds) against log(rows): the exponent k of time ∝ rowsᵏ. */
export function logLogSlope(rows: readonly number[], seconds: readonly number[]): number {
  const x = rows.map(Math.log), y = seconds.map(Math.log);
  const mx = x.reduce((a, b) => a + b, 0) / x.length, my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (!(sxx > 0)) {
    throw new Error(`log–log slope needs at least two different sizes (got ${rows.join(", ")})`);
  }
  return sxy / sxx;
}

/**
 * One report row per size (variant `train_loop_<rows>`). Each carries the slope fitted over the whole series
 * and the slope from the previous size (ours and the peer's); the growth flags judge the last step, between
 * the two largest sizes, where fixed per-tree costs (the threshold scans do not grow with rows) weigh least.
 */
export function scalingRows(result: ScalingResult): BenchRow[] {
  const medians = (runs: number[][]) => runs.map((r) => stats(r).median);
  const ours = medians(result.ours), peer = result.peer ? medians(result.peer) : undefined;
  const step = (t: number[], i: number) =>
    logLogSlope(result.rows.slice(i - 1, i + 1), t.slice(i - 1, i + 1));
  const last = result.rows.length - 1;
  const series: Record<string, number | string> = {
    rounds: SCALING_ROUNDS,
    loglog_slope: logLogSlope(result.rows, ours),
    growth: step(ours, last) > 1 + SLOPE_MARGIN ? "super-linear" : "linear or below",
  };
  if (peer) {
    series.peer_loglog_slope = logLogSlope(result.rows, peer);
    series.vs_peer = step(ours, last) > step(peer, last) + SLOPE_MARGIN
      ? "GROWS FASTER than the peer"
      : "grows like the peer";
  }
  return result.rows.map((rows, i) => {
    const quality: Record<string, number | string> = { rows, ...series };
    if (i > 0) quality.slope_from_previous = step(ours, i);
    if (i > 0 && peer) quality.peer_slope_from_previous = step(peer, i);
    return benchRow(
      "W2_gbdt_scaling",
      `train_loop_${rows}`,
      result.ours[i],
      result.peer && { name: "lightgbm", median: stats(result.peer[i]).median },
      quality,
    );
  });
}

/** A short summary of the slopes, for the printed report. */
export function slopeSummary(rows: BenchRow[]): string {
  const q = rows.at(-1)?.quality;
  if (!q) return "";
  const peerStep = q.peer_slope_from_previous === undefined
    ? ""
    : ` vs ${Number(q.peer_slope_from_previous).toFixed(3)}`;
  const lastStep = `last step ${Number(q.slope_from_previous).toFixed(3)}${peerStep}`;
  const ours = `GBDT scaling (${q.rounds} rounds): log–log slope ours ${Number(q.loglog_slope).toFixed(3)}`;
  if (q.peer_loglog_slope === undefined) return `${ours} (${lastStep}: ${q.growth})`;
  return `${ours}, LightGBM ${
    Number(q.peer_loglog_slope).toFixed(3)
  } (${lastStep}: ${q.growth}, ${q.vs_peer})`;
}
