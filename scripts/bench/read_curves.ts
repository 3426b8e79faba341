/**
 * W1 read benchmark: parses the 128 peer-kit curve files (`<BENCH_HOME>/data/ica/curve_000.csv …`, the
 * header of the real 0.1C files) into canonical columns with the M50T curve loader, to compare with the
 * pandas `read_csv` share of the peer's W1 run (its end-to-end seconds minus compute seconds).
 * Run: deno run --allow-read --allow-env --allow-ffi --allow-sys scripts/bench/read_curves.ts [--runs 5]
 */
import { join } from "node:path";
import { loadCurve } from "../../lib/m50t/mod.ts";

/** Options of the read benchmark. */
export interface ReadCurvesOptions {
  /** Folder holding `ica/curve_*.csv` (`$BENCH_HOME/data`). */
  dataDir: string;
  /** Timed passes after one untimed warm-up pass. */
  runs: number;
}

/** Result: seconds per pass, files per pass and rows per pass. */
export interface ReadCurvesResult {
  seconds: number[];
  files: number;
  rows: number;
}

/** The curve files, sorted; an error when the peer kit has not generated them. */
async function curveFiles(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, "ica");
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^curve_\d{3}\.csv$/.test(e.name)) files.push(join(dir, e.name));
  }
  if (files.length === 0) throw new Error(`no curve_*.csv in ${dir}: run gen_workloads.py of the peer kit`);
  return files.sort();
}

async function onePass(files: readonly string[]): Promise<number> {
  let rows = 0;
  for (const [i, file] of files.entries()) {
    rows += (await loadCurve({ file, cellKey: "bench/W1", rpt: i })).time_s.length;
  }
  return rows;
}

/** Reads every W1 curve `runs` times (after a warm-up pass) and reports the wall time of each pass. */
export async function benchReadCurves(opts: ReadCurvesOptions): Promise<ReadCurvesResult> {
  const files = await curveFiles(opts.dataDir);
  const rows = await onePass(files); // warm-up: page cache, JIT, polars thread pool
  const seconds: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    await onePass(files);
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, files: files.length, rows };
}

/** `$BENCH_HOME/data`, default ~/.cache/batteryml-bench/data (the peer kit's default). */
function defaultDataDir(): string {
  const home = Deno.env.get("BENCH_HOME") ?? join(Deno.env.get("HOME") ?? ".", ".cache", "batteryml-bench");
  return join(home, "data");
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--runs");
  const runs = at >= 0 ? Number(Deno.args[at + 1]) : 5;
  const result = await benchReadCurves({ dataDir: defaultDataDir(), runs });
  const sorted = [...result.seconds].sort((a, b) => a - b);
  console.log(JSON.stringify({
    workload: "W1_ica",
    variant: "parse",
    impl: "nodejs-polars curve loader",
    ...result,
    seconds_median: sorted[Math.floor(sorted.length / 2)],
    seconds_min: sorted[0],
    seconds_max: sorted.at(-1),
    ms_per_file_median: (sorted[Math.floor(sorted.length / 2)] / result.files) * 1000,
  }));
}
