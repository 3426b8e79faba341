/**
 * The sweep folder, `<output.dir>/sweeps/<sweep id>/`, the only state a sweep shares between its parent,
 * its workers and its Slurm tasks (so it works on any shared filesystem):
 *
 * - `sweep.json`: the points (each one's overrides), the configuration points, every launch (executor,
 *   Slurm job ids);
 * - `points/<index>.json`: a point's state, written by the process that runs it (RUNNING with its run id
 *   at the start, then FINISHED, FAILED or KILLED), so a resumed sweep skips what finished;
 * - `logs/point-<index>.log`: the point's output (every attempt appended), named when it fails;
 * - `slurm/`: the sbatch scripts; `cancel`: a request to the local executor to stop.
 *
 * Every file is written atomically (temp file + rename).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";
import { SweepError } from "./errors.ts";
import type { ConfigPoint, SweepPoint } from "./points.ts";

/** One launch of the sweep's pending points. */
export interface SweepLaunch {
  executor: "local" | "slurm";
  at: string;
  /** Points it ran (the ones not FINISHED when it started). */
  points: number[];
  workers?: number;
  /** Local workers ran many points each (`--reuse-workers`). */
  reuseWorkers?: boolean;
  /** Slurm array jobs (one per chunk) and the aggregation job. */
  arrayJobs?: string[];
  aggregateJob?: string;
}

/** `sweep.json`. */
export interface SweepRecord {
  sweepId: string;
  name: string;
  createdAt: string;
  /** The working folder the points run in (config paths and output.dir are relative to it). */
  cwd: string;
  configDir: string;
  outputDir: string;
  /** The sweep file and the command-line overrides it was made from. */
  source: { file: string | null; args: string[] };
  configs: ConfigPoint[];
  points: SweepPoint[];
  launches: SweepLaunch[];
}

/** What a point's process records. */
export type PointStatus = "RUNNING" | "FINISHED" | "FAILED" | "KILLED";

/** `points/<index>.json`. */
export interface PointState {
  index: number;
  status: PointStatus;
  /** Absent when the run failed before it started (a config error). */
  runId?: string;
  runDir?: string;
  host: string;
  pid: number;
  /** 1 for the first try, +1 for each rerun of an unfinished point. */
  attempt: number;
  startedAt: string;
  endedAt?: string;
  error?: string;
  /** The Slurm job and array task that ran it, when Slurm did. */
  slurmJob?: string;
}

/** The folder of a sweep. */
export function sweepDir(outputDir: string, id: string): string {
  return join(outputDir, "sweeps", id);
}

/** A point's state file. */
export function pointStatePath(dir: string, index: number): string {
  return join(dir, "points", `${index}.json`);
}

/** A point's log file. */
export function pointLogPath(dir: string, index: number): string {
  return join(dir, "logs", `point-${index}.log`);
}

/** The local executor's stop request. */
export function cancelRequestPath(dir: string): string {
  return join(dir, "cancel");
}

/** Writes `sweep.json` atomically. */
export async function writeSweepRecord(dir: string, record: SweepRecord): Promise<void> {
  await writeFileAtomic(join(dir, "sweep.json"), JSON.stringify(record, null, 2) + "\n");
}

/** Reads `sweep.json`; a missing sweep is an error naming the folder. */
export async function readSweepRecord(dir: string): Promise<SweepRecord> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "sweep.json"));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SweepError(`no sweep at ${dir} (no sweep.json); is the sweep id and --output-dir right?`);
    }
    throw err;
  }
  return JSON.parse(text) as SweepRecord;
}

/** Reads a point's state; null when the point never started. */
export async function readPointState(dir: string, index: number): Promise<PointState | null> {
  try {
    return JSON.parse(await Deno.readTextFile(pointStatePath(dir, index))) as PointState;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new SweepError(`${pointStatePath(dir, index)} is unreadable: ${(err as Error).message}`);
  }
}

/** Writes a point's state atomically. */
export async function writePointState(dir: string, state: PointState): Promise<void> {
  await writeFileAtomic(pointStatePath(dir, state.index), JSON.stringify(state, null, 2) + "\n");
}

/** The sweep ids under an output folder, sorted. */
export async function listSweepIds(outputDir: string): Promise<string[]> {
  try {
    const entries = await Array.fromAsync(Deno.readDir(join(outputDir, "sweeps")));
    return entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}
