/**
 * Launches a sweep's unfinished points on an executor. `local`: N worker processes on this machine
 * (lib/sweep/worker_pool.ts), then the aggregation. `slurm`: array jobs of at most `MaxArraySize` tasks and
 * an `afterany` aggregation job (lib/sweep/slurm.ts). Both first open the sweep's tracker records
 * (trackers.ts), whose handles the points read from the sweep folder. Both run every point with the same command — the CLI's
 * `sweep point` — so a point gives the same run whichever executor ran it, and each launch is recorded in
 * `sweep.json`.
 */
import { join, resolve } from "node:path";
import {
  aggregateScript,
  arrayScript,
  cancelJobs,
  cancelRequestPath,
  chunkPoints,
  maxArraySize,
  persistentWorker,
  pointLogPath,
  type PoolWorker,
  processPerPoint,
  queuedJobs,
  readSweepRecord,
  runPool,
  type SlurmOptions,
  submit,
  sweepDir,
  type SweepLaunch,
  type SweepRecord,
  writeSweepRecord,
} from "../lib/sweep/mod.ts";
import { writeFileAtomic } from "../lib/io/mod.ts";
import type { ProgressSink } from "../lib/progress.ts";
import type { PluginEntry } from "../core/experiment_schema.ts";
import type { Logger } from "../core/plugin.ts";
import { recordStatus, sweepStatus } from "./status.ts";
import { aggregateSweep, type SweepAggregate } from "./aggregate.ts";
import { startSweepTrackers } from "./trackers.ts";

/** How to run a point and the comparison as processes (the CLI knows its own entry point). */
export interface PointCommands {
  /** argv of `sweep point <dir> <index>`; `index` may be the shell variable `$POINT`. */
  point(dir: string, index: string): string[];
  /** argv of `sweep worker <dir>`: a process that runs the points it reads on stdin, one after another. */
  worker(dir: string): string[];
  /** argv of `sweep aggregate <dir>`: the comparison, and the end of the sweep's tracker records. */
  aggregate(dir: string): string[];
  /** Environment for point processes (each single-threaded). */
  env: Record<string, string>;
}

/** Points to run: every one not FINISHED and not running alive elsewhere. */
export async function pendingPoints(record: SweepRecord): Promise<number[]> {
  const status = await recordStatus(record);
  return status.points.filter((p) => p.status !== "FINISHED" && p.status !== "RUNNING").map((p) => p.index);
}

/** Result of a local launch. */
export interface LocalLaunchResult {
  ran: number[];
  failed: number[];
  stopped: boolean;
  /** The aggregation once the workers were done: the comparison (or why none) and the sweep's status. */
  aggregate: SweepAggregate;
}

/** The sweep's trackers (their `sweepStart` runs before any point) and where they warn. */
export interface SweepTracking {
  entries: readonly PluginEntry[];
  log: Logger;
}

/**
 * Runs the pending points on `workers` local processes (one per point, or one per worker with `reuse`),
 * then aggregates: compares what finished and ends the sweep's tracker records.
 */
export async function launchLocal(
  record: SweepRecord,
  o: {
    workers: number;
    reuse?: boolean;
    commands: PointCommands;
    progress: ProgressSink;
    tracking: SweepTracking;
  },
): Promise<LocalLaunchResult> {
  const dir = sweepDir(record.outputDir, record.sweepId);
  await Deno.remove(cancelRequestPath(dir)).catch(() => {});
  await startSweepTrackers(record, o.tracking.entries, o.tracking.log);
  const pending = await pendingPoints(record);
  await recordLaunch(dir, {
    executor: "local",
    at: new Date().toISOString(),
    points: pending,
    workers: o.workers,
    ...(o.reuse ? { reuseWorkers: true } : {}),
  });
  const header = (how: string) =>
    `== attempt on ${Deno.hostname()} (${how}) at ${new Date().toISOString()}\n`;
  const open = (slot: number): PoolWorker =>
    o.reuse
      ? persistentWorker({
        argv: o.commands.worker(dir),
        cwd: record.cwd,
        env: o.commands.env,
        logPath: join(dir, "logs", `worker-${slot}.log`),
      })
      : processPerPoint({
        argv: (index) => o.commands.point(dir, String(index)),
        cwd: record.cwd,
        env: o.commands.env,
        logPath: (index) => pointLogPath(dir, index),
        header: () => header("local worker"),
      });
  const result = await runPool(pending, {
    workers: o.workers,
    progress: o.progress,
    open,
    stopRequested: () => Deno.stat(cancelRequestPath(dir)).then(() => true, () => false),
  });
  const failed = [...result.codes].filter(([, code]) => code !== 0).map(([i]) => i);
  const aggregate = await aggregateSweep({
    outputDir: record.outputDir,
    sweepId: record.sweepId,
    log: o.tracking.log,
  });
  return { ran: pending, failed, stopped: result.stopped, aggregate };
}

/** The scripts of a Slurm launch, in submission order (the aggregation job last). */
export interface SlurmScripts {
  arrays: { path: string; text: string; points: number[] }[];
  aggregate: { path: string; text: string };
  maxArraySize: number;
  /** Why MaxArraySize is an assumption (a dry run where `scontrol` did not answer). */
  note?: string;
}

/** Slurm's default MaxArraySize (slurm.conf(5)). */
const SLURM_DEFAULT_MAX_ARRAY_SIZE = 1001;

/** Writes nothing: the scripts a Slurm launch would submit for the pending points. */
export async function slurmScripts(
  record: SweepRecord,
  o: { options: SlurmOptions; commands: PointCommands; maxArraySize?: number; dryRun?: boolean },
): Promise<SlurmScripts> {
  const dir = sweepDir(record.outputDir, record.sweepId);
  let max = o.maxArraySize, note = "";
  if (max === undefined) {
    try {
      max = await maxArraySize();
    } catch (err) {
      // A dry run may be made where no cluster answers; a submission may not.
      if (!o.dryRun) throw err;
      max = SLURM_DEFAULT_MAX_ARRAY_SIZE;
      note = `Slurm's default MaxArraySize ${max}: ${(err as Error).message.split("\n")[0]}`;
    }
  }
  const chunks = chunkPoints(await pendingPoints(record), max);
  // Tasks start in the submitting folder, but their logs are named by absolute paths for `sbatch -o`.
  const absDir = resolve(record.cwd, dir);
  const arrays = chunks.map((points, chunk) => ({
    path: join(absDir, "slurm", `array-${chunk}.sbatch`),
    points,
    text: arrayScript({
      sweepId: record.sweepId,
      sweepDir: absDir,
      cwd: record.cwd,
      points,
      chunk,
      options: o.options,
      pointCommand: o.commands.point(absDir, "$POINT"),
      env: o.commands.env,
    }),
  }));
  const aggregate = {
    path: join(absDir, "slurm", "aggregate.sbatch"),
    text: aggregateScript({
      sweepId: record.sweepId,
      sweepDir: absDir,
      cwd: record.cwd,
      options: o.options,
      aggregateCommand: o.commands.aggregate(absDir),
      env: o.commands.env,
    }),
  };
  return { arrays, aggregate, maxArraySize: max, ...(note ? { note } : {}) };
}

/**
 * Opens the sweep's tracker records (their ids go to the sweep folder the tasks read), then submits the
 * scripts: every array job, then the aggregation job after all of them (afterany).
 */
export async function submitSlurm(
  record: SweepRecord,
  scripts: SlurmScripts,
  tracking: SweepTracking,
): Promise<SweepLaunch> {
  const dir = sweepDir(record.outputDir, record.sweepId);
  await startSweepTrackers(record, tracking.entries, tracking.log);
  const arrayJobs: string[] = [];
  // sbatch's --output file opens before the script runs: its folder must exist.
  await Deno.mkdir(join(resolve(record.cwd, dir), "logs"), { recursive: true });
  for (const a of scripts.arrays) {
    await writeFileAtomic(a.path, a.text);
    arrayJobs.push(await submit(a.path));
  }
  await writeFileAtomic(scripts.aggregate.path, scripts.aggregate.text);
  const aggregateJob = await submit(
    scripts.aggregate.path,
    arrayJobs.length ? `afterany:${arrayJobs.join(":")}` : undefined,
  );
  const launch: SweepLaunch = {
    executor: "slurm",
    at: new Date().toISOString(),
    points: scripts.arrays.flatMap((a) => a.points),
    arrayJobs,
    aggregateJob,
  };
  await recordLaunch(dir, launch);
  return launch;
}

/** Waits until the launch's jobs have left the queue, reporting finished points. */
export async function waitSlurm(
  record: SweepRecord,
  launch: SweepLaunch,
  progress: ProgressSink,
  pollMs = 1000,
): Promise<void> {
  const jobs = [...launch.arrayJobs ?? [], ...launch.aggregateJob ? [launch.aggregateJob] : []];
  const task = progress.start("sweep (slurm)", launch.points.length, { unit: "points" });
  const mine = new Set(launch.points);
  try {
    while ((await queuedJobs(jobs)).size > 0) {
      const status = await sweepStatus(record.outputDir, record.sweepId);
      const ended = status.points.filter((p) =>
        mine.has(p.index) && ["FINISHED", "FAILED", "KILLED"].includes(p.status)
      );
      task.update(ended.length);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    task.finish();
  }
}

/** Stops a sweep: the local executor (through its `cancel` file) and every queued Slurm job it launched. */
export async function cancelSweep(outputDir: string, id: string): Promise<{ cancelledJobs: string[] }> {
  const dir = sweepDir(outputDir, id);
  const record = await readSweepRecord(dir);
  await writeFileAtomic(cancelRequestPath(dir), new Date().toISOString() + "\n");
  const jobs = record.launches.flatMap((
    l,
  ) => [...l.arrayJobs ?? [], ...l.aggregateJob ? [l.aggregateJob] : []]);
  const queued = jobs.length ? [...await queuedJobs(jobs)] : [];
  // squeue lists array tasks as <job>_<task>; scancel of the array job id covers them all.
  const toCancel = jobs.filter((j) => queued.some((q) => q === j || q.startsWith(`${j}_`)));
  await cancelJobs(toCancel);
  return { cancelledJobs: toCancel };
}

async function recordLaunch(dir: string, launch: SweepLaunch): Promise<void> {
  const record = await readSweepRecord(dir);
  record.launches.push(launch);
  await writeSweepRecord(dir, record);
}
