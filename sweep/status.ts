/**
 * Where a sweep stands, from its folder alone: each point's recorded state, with a RUNNING point whose
 * run process is gone shown as CRASHED (the same lock test as `runs list`) and a point never started as
 * PENDING; the counts; and the log of every point that did not finish.
 */
import { join } from "node:path";
import {
  pointLogPath,
  readPointState,
  readSweepRecord,
  sweepDir,
  type SweepPoint,
  type SweepRecord,
} from "../lib/sweep/mod.ts";
import { runProcessState } from "../core/run_liveness.ts";

/** A point's status as shown. */
export type SweepPointStatus = "PENDING" | "RUNNING" | "FINISHED" | "FAILED" | "KILLED" | "CRASHED";

/** One point's line. */
export interface SweepPointReport {
  index: number;
  config: string;
  seed: number | null;
  fold: string | null;
  status: SweepPointStatus;
  runId: string | null;
  attempt: number;
  log: string;
  error?: string;
}

/** The whole sweep. */
export interface SweepStatus {
  sweepId: string;
  dir: string;
  counts: Record<SweepPointStatus, number>;
  points: SweepPointReport[];
  record: SweepRecord;
}

/** The status of sweep `id` under `outputDir`. */
export async function sweepStatus(outputDir: string, id: string): Promise<SweepStatus> {
  return await recordStatus(await readSweepRecord(sweepDir(outputDir, id)));
}

/** The status of a sweep from its record (a planned sweep with no folder yet: every point PENDING). */
export async function recordStatus(record: SweepRecord): Promise<SweepStatus> {
  const dir = sweepDir(record.outputDir, record.sweepId);
  const points = await Promise.all(record.points.map((p) => pointReport(dir, p)));
  const counts: Record<SweepPointStatus, number> = {
    PENDING: 0,
    RUNNING: 0,
    FINISHED: 0,
    FAILED: 0,
    KILLED: 0,
    CRASHED: 0,
  };
  for (const p of points) counts[p.status]++;
  return { sweepId: record.sweepId, dir, counts, points, record };
}

async function pointReport(dir: string, p: SweepPoint): Promise<SweepPointReport> {
  const state = await readPointState(dir, p.index);
  const base = {
    index: p.index,
    config: p.config,
    seed: p.seed,
    fold: p.fold,
    log: pointLogPath(dir, p.index),
  };
  if (!state) return { ...base, status: "PENDING", runId: null, attempt: 0 };
  let status: SweepPointStatus = state.status;
  if (status === "RUNNING" && state.runDir && await runDead(state.runDir)) status = "CRASHED";
  return { ...base, status, runId: state.runId ?? null, attempt: state.attempt, error: state.error };
}

async function runDead(runDir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(runDir, "manifest.json")));
    if (manifest.status !== "RUNNING") return false;
    return await runProcessState(runDir, manifest.process) === "dead";
  } catch {
    return false;
  }
}

/** The status as text: counts, then every point that is not FINISHED with its log. */
export function formatSweepStatus(s: SweepStatus): string {
  const counts = Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
  const lines = [`sweep ${s.sweepId}: ${s.points.length} points — ${counts}`, `folder ${s.dir}`];
  for (const p of s.points) {
    if (p.status === "FINISHED") continue;
    const where = [p.config, p.seed !== null ? `seed ${p.seed}` : "", p.fold ?? ""].filter(Boolean).join(" ");
    const detail = p.status === "PENDING"
      ? ""
      : `  log ${p.log}${p.error ? `  (${p.error.split("\n")[0]})` : ""}`;
    lines.push(`  point ${p.index} (${where}): ${p.status}${detail}`);
  }
  return lines.join("\n") + "\n";
}
