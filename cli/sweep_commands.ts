/**
 * The processes a sweep starts: a point is `deno run <the points' permissions> cli/main.ts sweep point
 * <dir> <index>`, single-threaded (V8 without helper threads, polars on one thread), so N workers use N
 * cores; the Slurm aggregation job is `sweep aggregate <dir>` (`runs compare` and the trackers' sweep
 * records). Both name this checkout's entry point and deno.json by absolute path, so they start the same
 * code from any folder.
 */
import { fileURLToPath } from "node:url";
import type { PointCommands, SweepPlan } from "../mod.ts";

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
    // The points' permissions: it writes where their trackers write (an MLflow store or server, TensorBoard).
    aggregate: (dir) => [...deno, ...plan.permissions, MAIN, "sweep", "aggregate", dir],
    env: { POLARS_MAX_THREADS: "1", RAYON_NUM_THREADS: "1" },
  };
}
