/**
 * The processes a sweep starts: a point is `deno run <the points' permissions> cli/main.ts sweep point
 * <dir> <index>`, single-threaded (V8 without helper threads, polars on one thread), so N workers use N
 * cores; the Slurm aggregation job is `runs compare <sweep id>`. Both name this checkout's entry point and
 * deno.json by absolute path, so they start the same code from any folder.
 */
import { fileURLToPath } from "node:url";
import type { PointCommands, SweepPlan, SweepRecord } from "../mod.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const DENO_JSON = fileURLToPath(new URL("../deno.json", import.meta.url));

/** The commands of a planned sweep. */
export function pointCommands(plan: Pick<SweepPlan, "permissions">): PointCommands {
  const deno = [Deno.execPath(), "run", "--no-prompt", "--config", DENO_JSON];
  return {
    point: (dir, index) => [
      ...deno,
      ...plan.permissions,
      "--v8-flags=--single-threaded",
      MAIN,
      "sweep",
      "point",
      dir,
      index,
    ],
    worker: (
      dir,
    ) => [...deno, ...plan.permissions, "--v8-flags=--single-threaded", MAIN, "sweep", "worker", dir],
    compare: (record: SweepRecord) => [
      ...deno,
      "--allow-read",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      `--allow-write=${record.outputDir}`,
      MAIN,
      "runs",
      "compare",
      record.sweepId,
      "--output-dir",
      record.outputDir,
    ],
    env: { POLARS_MAX_THREADS: "1", RAYON_NUM_THREADS: "1" },
  };
}
