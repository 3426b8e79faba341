/**
 * W2 benchmark: our gradient-boosted trees on the peer kit's Friedman #1 data (100k × 20, 500 rounds,
 * 31 leaves, lr 0.05, 255 bins, min_data_in_leaf 20, λ₂ 0, one thread), timed like the LightGBM CLI:
 * load (CSV parse + binning), training (the boosting loop) and the whole, plus test RMSE.
 *
 * Run: deno run --allow-read --allow-env --v8-flags=--single-threaded scripts/bench/w2_gbdt.ts [--runs 5] [--data DIR]
 *      [--threads N] [--raw] (--raw: the W2Result as JSON, what `deno task bench` reads)
 * `--single-threaded` keeps V8's JIT and GC on the main thread, so the run really uses one thread like the
 * peers; on the shared 2-core machine it was also faster in wall time (helper threads compete for cores).
 */
import { binMatrix, type RowMatrix, trainGbdt, trainGbdtInterruptible } from "../../lib/gbdt/mod.ts";
import { column, type NumericTable, parseNumericCsv } from "../../lib/io/mod.ts";
import { runInOwnProcess } from "./own_process.ts";

/** W2 settings (see shared/bench/README.md, "W2 – gradient-boosted trees"). */
export const W2_PARAMS = {
  objective: "regression",
  num_iterations: 500,
  learning_rate: 0.05,
  num_leaves: 31,
  max_bin: 255,
  min_data_in_leaf: 20,
  lambda_l2: 0,
} as const;

/** Timings (seconds, one entry per run) and the test RMSE of the last run. */
export interface W2Result {
  loadSeconds: number[];
  trainSeconds: number[];
  endToEndSeconds: number[];
  testRmse: number;
}

/**
 * Runs W2 `runs` times on `<dataDir>/gbdt/{train,test}.csv`; with `threads` > 1 histograms are built on
 * that many threads (Workers started inside the timed loop, as a user's training starts them).
 */
export async function benchW2(opts: { dataDir: string; runs: number; threads?: number }): Promise<W2Result> {
  const threads = opts.threads ?? 1;
  const result: W2Result = { loadSeconds: [], trainSeconds: [], endToEndSeconds: [], testRmse: NaN };
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    const train = splitLabel(parseNumericCsv(await Deno.readFile(`${opts.dataDir}/gbdt/train.csv`)), "y");
    const binned = binMatrix(train.x, W2_PARAMS.max_bin);
    const t1 = performance.now();
    const booster = threads > 1
      ? await trainGbdtInterruptible(train, W2_PARAMS, { binned, threads })
      : trainGbdt(train, W2_PARAMS, { binned });
    const t2 = performance.now();
    result.loadSeconds.push((t1 - t0) / 1000);
    result.trainSeconds.push((t2 - t1) / 1000);
    result.endToEndSeconds.push((t2 - t0) / 1000);
    const test = splitLabel(parseNumericCsv(await Deno.readFile(`${opts.dataDir}/gbdt/test.csv`)), "y");
    result.testRmse = rmse(booster.predict(test.x), test.y);
    console.error(
      `[gbdt ours${threads > 1 ? ` ${threads} threads` : ""}] run ${r}: ${
        result.endToEndSeconds[r].toFixed(3)
      }s (load ${result.loadSeconds[r].toFixed(3)}s, ` +
        `train ${result.trainSeconds[r].toFixed(3)}s) rmse ${result.testRmse.toFixed(4)}`,
    );
  }
  return result;
}

/** Separates the label column from the features (row-major, as the booster takes them). */
export function splitLabel(csv: NumericTable, label: string): { x: RowMatrix; y: Float64Array } {
  const y = column(csv, label);
  const features = csv.columns.filter((_, j) => csv.header[j] !== label);
  const f = features.length;
  const x = new Float64Array(csv.rows * f);
  for (let j = 0; j < f; j++) {
    const col = features[j];
    for (let i = 0; i < csv.rows; i++) x[i * f + j] = col[i];
  }
  return { x: { rows: csv.rows, cols: f, values: x }, y };
}

function rmse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function defaultDataDir(): string {
  const home = Deno.env.get("BENCH_HOME") ?? `${Deno.env.get("HOME")}/.cache/batteryml-bench`;
  return `${home}/data`;
}

function argValue(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

/** `benchW2` in a fresh Deno process (own_process.ts), as LightGBM runs in its own. */
export function benchW2Process(opts: { dataDir: string; runs: number; threads?: number }): Promise<W2Result> {
  const args = ["--runs", String(opts.runs), "--data", opts.dataDir, "--threads", String(opts.threads ?? 1)];
  return runInOwnProcess<W2Result>(import.meta.url, [...args, "--raw"], "W2 (ours)");
}

if (import.meta.main) {
  const runs = Number(argValue("--runs") ?? 5);
  const threads = Number(argValue("--threads") ?? 1);
  const result = await benchW2({ dataDir: argValue("--data") ?? defaultDataDir(), runs, threads });
  if (Deno.args.includes("--raw")) {
    console.log(JSON.stringify(result));
    Deno.exit(0);
  }
  const stat = (xs: number[], key: string) => ({
    [`${key}_median`]: median(xs),
    [`${key}_min`]: Math.min(...xs),
    [`${key}_max`]: Math.max(...xs),
  });
  console.log(JSON.stringify({
    workload: "W2_gbdt",
    peer: "batteryml-ts",
    ...stat(result.endToEndSeconds, "seconds"),
    ...stat(result.loadSeconds, "load_seconds"),
    ...stat(result.trainSeconds, "boost_loop_seconds"),
    runs,
    test_rmse: result.testRmse,
    threads,
    rounds: W2_PARAMS.num_iterations,
    timed: "in-process: CSV parse + binning + 500 rounds (no process start, no model write)",
    deno: Deno.version.deno,
  }));
}
