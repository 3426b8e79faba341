/**
 * The Slurm executor's scripts and commands. One array task per point (the points not FINISHED), chunked
 * into several array jobs when there are more than `MaxArraySize` (array indices must stay below it), and
 * an aggregation job that runs once every array job has ended (`afterany`: also when some points failed,
 * since the comparison reports them). Each task runs the same point command as a local worker, in the
 * submitting folder, so the sweep folder and the run folders (on a shared filesystem) are the only state.
 */
import { SweepError } from "./errors.ts";
import type { SlurmOptions } from "./spec.ts";

/** Quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The `#SBATCH` lines every job of the sweep carries. */
function sbatchOptionLines(o: SlurmOptions): string[] {
  const lines: string[] = [];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  lines.push(`#SBATCH --cpus-per-task=${o.cpus_per_task}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  for (const extra of o.extra) lines.push(extra.startsWith("#SBATCH") ? extra : `#SBATCH ${extra}`);
  return lines;
}

/** What an array script needs. */
export interface ArrayScriptInput {
  sweepId: string;
  sweepDir: string;
  /** The submitting folder: tasks run there. */
  cwd: string;
  /** This chunk's point indices; array task i runs points[i]. */
  points: readonly number[];
  chunk: number;
  options: SlurmOptions;
  /** The point command, with `$POINT` where the point index goes. */
  pointCommand: readonly string[];
  env: Record<string, string>;
}

/** An sbatch array script for one chunk of points. */
export function arrayScript(i: ArrayScriptInput): string {
  const command = i.pointCommand.map((w) => w === "$POINT" ? '"$POINT"' : shellQuote(w)).join(" ");
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(`bml-${i.sweepId}-${i.chunk}`)}`,
    `#SBATCH --array=0-${i.points.length - 1}`,
    `#SBATCH --output=${shellQuote(`${i.sweepDir}/logs/slurm-%A_%a.out`)}`,
    ...sbatchOptionLines(i.options),
    "# BatteryML sweep: array task i runs sweep point POINTS[i]; its output goes to logs/point-<index>.log.",
    "set -euo pipefail",
    `POINTS=(${i.points.join(" ")})`,
    'POINT="${POINTS[$SLURM_ARRAY_TASK_ID]}"',
    `cd ${shellQuote(i.cwd)}`,
    ...Object.entries(i.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `LOG=${shellQuote(`${i.sweepDir}/logs`)}/point-$POINT.log`,
    'echo "== attempt on $(hostname) as Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} at $(date -u +%FT%TZ)" >> "$LOG"',
    // exec: scancel's SIGTERM reaches the run itself, which records KILLED.
    `exec ${command} >> "$LOG" 2>&1`,
    "",
  ].join("\n");
}

/**
 * The aggregation job: after every array job (`afterany`), compares the sweep's runs and ends its tracker
 * records (`sweep aggregate`).
 */
export function aggregateScript(i: {
  sweepId: string;
  sweepDir: string;
  cwd: string;
  options: SlurmOptions;
  aggregateCommand: readonly string[];
  env: Record<string, string>;
}): string {
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(`bml-${i.sweepId}-compare`)}`,
    `#SBATCH --output=${shellQuote(`${i.sweepDir}/logs/aggregate-%j.out`)}`,
    ...sbatchOptionLines({ ...i.options, cpus_per_task: 1 }),
    "# BatteryML sweep: the comparison over seeds and folds and the trackers' sweep records, once every point has ended.",
    "set -euo pipefail",
    `cd ${shellQuote(i.cwd)}`,
    ...Object.entries(i.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${i.aggregateCommand.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

/** Splits `points` into chunks of at most `maxArraySize` (Slurm's array indices run 0..MaxArraySize−1). */
export function chunkPoints(points: readonly number[], maxArraySize: number): number[][] {
  if (!(maxArraySize >= 1)) throw new SweepError(`MaxArraySize must be ≥ 1, found ${maxArraySize}`);
  const chunks: number[][] = [];
  for (let i = 0; i < points.length; i += maxArraySize) chunks.push(points.slice(i, i + maxArraySize));
  return chunks;
}

/** Runs a Slurm command; a missing binary or a non-zero exit is a SweepError with its stderr. */
export async function slurmCommand(program: string, args: readonly string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(program, { args: [...args], stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SweepError(`'${program}' is not on PATH: is this a Slurm login node (and SLURM_CONF set)?`);
    }
    throw err;
  }
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  if (!out.success) {
    throw new SweepError(`'${program} ${args.join(" ")}' failed (exit ${out.code}): ${text(out.stderr)}`);
  }
  return text(out.stdout);
}

/** `MaxArraySize` from `scontrol show config`. */
export async function maxArraySize(): Promise<number> {
  return parseMaxArraySize(await slurmCommand("scontrol", ["show", "config"]));
}

/** Reads `MaxArraySize = N` from `scontrol show config` output. */
export function parseMaxArraySize(config: string): number {
  const m = /^MaxArraySize\s*=\s*(\d+)/m.exec(config);
  if (!m) throw new SweepError("'scontrol show config' printed no MaxArraySize line");
  return Number(m[1]);
}

/** Submits a script; returns its job id (`sbatch --parsable`, which may append `;cluster`). */
export async function submit(scriptPath: string, dependency?: string): Promise<string> {
  const args = ["--parsable", ...(dependency ? [`--dependency=${dependency}`] : []), scriptPath];
  return (await slurmCommand("sbatch", args)).split(";")[0];
}

/** Job ids of `jobs` still in the queue (pending, running or completing). */
export async function queuedJobs(jobs: readonly string[]): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const out = await slurmCommand("squeue", ["-h", "-o", "%F", "-j", jobs.join(",")]).catch((err) => {
    // squeue rejects ids of jobs that already left the controller's memory: none of them is queued.
    if (/Invalid job id/i.test(String(err.message))) return "";
    throw err;
  });
  return new Set(out.split("\n").map((l) => l.trim()).filter(Boolean));
}

/** Cancels jobs. */
export async function cancelJobs(jobs: readonly string[]): Promise<void> {
  if (jobs.length > 0) await slurmCommand("scancel", [...jobs]);
}
