/**
 * Runs the peer kit's LightGBM command-line tool (`$BENCH_HOME/bin/lightgbm`, built by the kit's
 * setup.sh) on a CSV with the W2 settings and reads its own timings from the log, as the kit's
 * peer_gbdt.py does: "Finished loading data in" (parse + binning) and the last "seconds elapsed, finished
 * iteration" (the boosting loop only).
 */
import { join, resolve } from "node:path";
import { W2_PARAMS } from "./w2_gbdt.ts";

/** The kit's home (binaries and data), as its scripts resolve it. */
export function benchHome(): string {
  return Deno.env.get("BENCH_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache/batteryml-bench`;
}

/** LightGBM's own timings of one training run, in seconds. */
export interface LightgbmTimes {
  loadSeconds: number;
  loopSeconds: number;
}

/**
 * Trains `rounds` W2 rounds on `csv` (label column `y`) with `threads` threads (LightGBM's num_threads,
 * default 1); model and config go to `workDir`.
 */
export async function runLightgbm(
  csv: string,
  rounds: number,
  workDir: string,
  threads = 1,
): Promise<LightgbmTimes> {
  const exe = join(benchHome(), "bin", "lightgbm");
  try {
    await Deno.stat(exe);
  } catch {
    throw new Error(`LightGBM CLI not found at ${exe}: run ../shared/bench/setup.sh (or set BENCH_HOME)`);
  }
  await Deno.mkdir(workDir, { recursive: true });
  const p = W2_PARAMS;
  const config = [
    "header=true",
    "label_column=name:y",
    `num_threads=${threads}`,
    "verbosity=1",
    "task=train",
    `objective=${p.objective}`,
    `data=${resolve(csv)}`,
    `num_iterations=${rounds}`,
    `learning_rate=${p.learning_rate}`,
    `num_leaves=${p.num_leaves}`,
    `max_bin=${p.max_bin}`,
    `min_data_in_leaf=${p.min_data_in_leaf}`,
    `lambda_l2=${p.lambda_l2}`,
    `output_model=${resolve(workDir, "model.txt")}`,
  ].join("\n") + "\n";
  await Deno.writeTextFile(join(workDir, "train.conf"), config);
  const out = await new Deno.Command(exe, {
    args: ["config=train.conf"],
    cwd: workDir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const log = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `lightgbm failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).slice(-600)}`,
    );
  }
  return parseLightgbmLog(log, rounds);
}

/** LightGBM's load time and boosting-loop time from its log; an error when either is missing. */
export function parseLightgbmLog(log: string, rounds: number): LightgbmTimes {
  const load = log.match(/Finished loading data in ([0-9.]+) seconds/);
  const loops = [...log.matchAll(/([0-9.]+) seconds elapsed, finished iteration (\d+)/g)];
  const last = loops.at(-1);
  if (!load || !last || Number(last[2]) !== rounds) {
    throw new Error(
      `lightgbm log without its timings for ${rounds} iterations (found ${
        last ? `iteration ${last[2]}` : "no iteration line"
      }): ${log.slice(-400)}`,
    );
  }
  return { loadSeconds: Number(load[1]), loopSeconds: Number(last[1]) };
}
