/**
 * GBDT scaling series: the W2 boosting loop (31 leaves, lr 0.05, 255 bins, min_data_in_leaf 20, one
 * thread) on 10k, 100k and 1M Friedman #1 rows × 20 features, ours against the LightGBM CLI on the same
 * CSV, interleaved run by run. Fewer rounds than W2 (100) keep the 1M point affordable; the loop's cost
 * per round does not depend on the round count. Reports the log–log slope of loop time against rows for
 * both (1 = linear) and flags growth faster than the peer's.
 */
import { join } from "node:path";
import { binMatrix, trainGbdt } from "../../lib/gbdt/mod.ts";
import { parseNumericCsv } from "../../lib/io/mod.ts";
import { ensureFriedmanCsv } from "./friedman_csv.ts";
import { runLightgbm } from "./lightgbm_cli.ts";
import type { BenchRow } from "./report.ts";
import { logLogSlope, seriesRows, seriesSummary } from "./scaling_series.ts";
import { splitLabel, W2_PARAMS } from "./w2_gbdt.ts";

/** Rows of the series. */
export const SCALING_ROWS = [10_000, 100_000, 1_000_000];
/** Boosting rounds at every size. */
export const SCALING_ROUNDS = 100;
const SEED = 2026;

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

/** The log–log slope (one implementation for every series: scaling_series.ts). */
export { logLogSlope };

/** One report row per size (variant `train_loop_<rows>`), with the slopes and growth flags of the series. */
export function scalingRows(result: ScalingResult): BenchRow[] {
  return seriesRows({ sizes: result.rows, ours: result.ours, peer: result.peer }, {
    workload: "W2_gbdt_scaling",
    variantPrefix: "train_loop",
    peerName: "lightgbm",
    sizeKey: "rows",
    extra: { rounds: SCALING_ROUNDS },
  });
}

/** A short summary of the slopes, for the printed report. */
export function slopeSummary(rows: BenchRow[]): string {
  const rounds = rows.at(-1)?.quality?.rounds;
  return seriesSummary(`GBDT scaling (${rounds} rounds)`, "LightGBM", rows);
}
