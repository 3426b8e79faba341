/**
 * Runs one sweep point as a normal run (config composed from the point's overrides, run folder, manifest)
 * and records it in the sweep folder: RUNNING with the run id as soon as the run folder exists, then
 * FINISHED, FAILED or KILLED. A point already FINISHED (its run's manifest says so) is not run again, nor
 * is one whose run is alive in another process: that is what makes resuming safe. The run's trackers learn
 * its sweep (id, swept values, and what each tracker set up for the sweep: `trackers.json`).
 */
import { join, resolve } from "node:path";
import { hostname } from "node:os";
import {
  type PointState,
  readPointState,
  readSweepRecord,
  SweepError,
  writePointState,
} from "../lib/sweep/mod.ts";
import { composeConfig } from "../core/config.ts";
import { runProcessState } from "../core/run_liveness.ts";
import { runExperiment, type RunOptions, type RunSummary } from "../core/run.ts";
import { pointSweepParams, pointTrackerHandles } from "./trackers.ts";

/** How a point's process ended. */
export type PointOutcome =
  | { kind: "skipped"; reason: string; state: PointState }
  | { kind: "ran"; summary: RunSummary };

/** Settings of a point run: the sweep folder, the point, and what a run takes besides its config. */
export interface SweepPointOptions extends Omit<RunOptions, "composed" | "onStart" | "sweep"> {
  dir: string;
  index: number;
}

/** Runs point `index` of the sweep in `dir` unless it finished or runs elsewhere. */
export async function runSweepPoint(o: SweepPointOptions): Promise<PointOutcome> {
  const record = await readSweepRecord(o.dir);
  const point = record.points[o.index];
  if (!point) {
    throw new SweepError(`sweep ${record.sweepId} has points 0..${record.points.length - 1}, not ${o.index}`);
  }
  const previous = await readPointState(o.dir, o.index);
  const skip = previous && await skipReason(previous);
  if (skip) return { kind: "skipped", reason: skip, state: previous };
  const state: PointState = {
    index: o.index,
    status: "RUNNING",
    host: hostname(),
    pid: Deno.pid,
    attempt: (previous?.attempt ?? 0) + 1,
    startedAt: new Date().toISOString(),
    ...slurmTask(),
  };
  await writePointState(o.dir, state);
  let started: Promise<void> = Promise.resolve();
  try {
    const composed = await composeConfig({
      configDir: resolve(record.cwd, record.configDir),
      overrides: point.overrides,
    });
    if (point.configHash && composed.hash !== point.configHash) {
      throw new SweepError(
        `point ${o.index}: its config changed since sweep ${record.sweepId} was planned (config hash ` +
          `${point.configHash.slice(0, 8)} then, ${composed.hash.slice(0, 8)} now: a config file under ` +
          `${record.configDir} was edited); launch the sweep again, which plans it as a new sweep`,
      );
    }
    const summary = await runExperiment({
      ...o,
      composed,
      // The sweep's tracker handles (an MLflow parent run id) come from the sweep folder the launch wrote.
      sweep: {
        id: record.sweepId,
        point: o.index,
        params: pointSweepParams(record, point),
        handles: await pointTrackerHandles(o.dir, composed.config.tracking),
      },
      onStart: (runDir, runId) => {
        state.runId = runId;
        state.runDir = runDir;
        // Recorded before the work starts, so status and resume can find the run while it runs.
        started = writePointState(o.dir, { ...state });
      },
    });
    state.status = summary.status;
    return { kind: "ran", summary };
  } catch (err) {
    state.status = o.signal?.aborted ? "KILLED" : "FAILED";
    state.error = (err as Error).message;
    throw err;
  } finally {
    state.endedAt = new Date().toISOString();
    await started.catch(() => {});
    await writePointState(o.dir, state);
  }
}

/** Why a point must not run now, or null. */
async function skipReason(previous: PointState): Promise<string | null> {
  if (!previous.runDir) return null;
  const manifest = await readManifest(previous.runDir);
  if (previous.status === "FINISHED" && manifest?.status === "FINISHED") {
    return `point ${previous.index} already FINISHED as run ${previous.runId}`;
  }
  if (manifest?.status === "RUNNING" && manifest.process) {
    if (await runProcessState(previous.runDir, manifest.process) === "alive") {
      return `point ${previous.index} is running as run ${previous.runId} (pid ${previous.pid} on ${previous.host})`;
    }
  }
  return null;
}

async function readManifest(
  runDir: string,
): Promise<{ status?: string; process?: { pid: number; hostname: string } } | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(runDir, "manifest.json")));
  } catch {
    return null;
  }
}

/** The Slurm array task running this process, when one is. */
function slurmTask(): { slurmJob?: string } {
  const job = Deno.env.get("SLURM_ARRAY_JOB_ID");
  const task = Deno.env.get("SLURM_ARRAY_TASK_ID");
  return job && task ? { slurmJob: `${job}_${task}` } : {};
}
