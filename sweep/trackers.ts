/**
 * A sweep's trackers: before the points run, every distinct tracking entry of the points' configs gets an
 * instance made for the sweep and its `sweepStart` hook (an MLflow parent run, TensorBoard's hparam
 * types); what each returns is written to the sweep folder's `trackers.json`, which every point's process
 * reads to give its own trackers their handle (`RunInfo.sweep`) — the sweep folder stays the only state the
 * executors share. At aggregation `sweepEnd` closes each one with the comparison and the sweep's status.
 * A tracker that fails warns and never stops the sweep, as in a run.
 */
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../lib/io/mod.ts";
import { canonicalJson } from "../lib/hash/mod.ts";
import { sweepDir, type SweepPoint, type SweepRecord } from "../lib/sweep/mod.ts";
import type { PluginEntry } from "../core/experiment_schema.ts";
import { createPlugin, loadPlugin } from "../core/loader.ts";
import type { Logger, SweepInfo, SweepOutcome, TrackerInstance } from "../core/plugin.ts";
import { entryOptions } from "../core/run_plugins.ts";
import { createRng } from "../core/rng.ts";

/** One tracking entry of the sweep and what its `sweepStart` returned. */
export interface SweepTrackerState {
  /** Canonical JSON of the entry: how a point's tracking entry finds its handle. */
  key: string;
  entry: PluginEntry;
  handle?: unknown;
}

/** `trackers.json`. */
export interface SweepTrackersFile {
  trackers: SweepTrackerState[];
}

/** The sweep as its trackers see it. */
export function sweepInfo(record: SweepRecord): SweepInfo {
  return {
    id: record.sweepId,
    name: record.name,
    dir: resolve(record.cwd, sweepDir(record.outputDir, record.sweepId)),
    points: record.points.length,
    axes: sweepAxes(record),
    recordJson: JSON.stringify(record, null, 2) + "\n",
  };
}

/** Every swept key with its distinct values in order: configuration keys, then seeds and folds. */
function sweepAxes(record: SweepRecord): Record<string, string[]> {
  const axes: Record<string, string[]> = {};
  const add = (key: string, value: string) => {
    const values = axes[key] ??= [];
    if (!values.includes(value)) values.push(value);
  };
  for (const c of record.configs) for (const [k, v] of Object.entries(c.params)) add(k, v);
  for (const p of record.points) {
    if (p.seed !== null) add("experiment.seed", String(p.seed));
    if (p.fold !== null) add("evaluation.folds", p.fold);
  }
  return axes;
}

/** A point's swept values (override texts). */
export function pointSweepParams(record: SweepRecord, point: SweepPoint): Record<string, string> {
  const config = record.configs.find((c) => c.key === point.config);
  return {
    ...config?.params,
    ...(point.seed === null ? {} : { "experiment.seed": String(point.seed) }),
    ...(point.fold === null ? {} : { "evaluation.folds": point.fold }),
  };
}

/** The key a tracking entry is found by. */
export function trackerKey(entry: PluginEntry): string {
  return canonicalJson(entry);
}

/**
 * Runs `sweepStart` of every distinct tracking entry (keeping what an earlier launch of the sweep got, so a
 * resumed sweep keeps its MLflow parent run) and writes `trackers.json`.
 */
export async function startSweepTrackers(
  record: SweepRecord,
  entries: readonly PluginEntry[],
  log: Logger,
): Promise<SweepTrackersFile> {
  const info = sweepInfo(record);
  const earlier = await readSweepTrackers(info.dir);
  const distinct = new Map(entries.map((e) => [trackerKey(e), e]));
  const trackers: SweepTrackerState[] = [];
  for (const [key, entry] of distinct) {
    const previous = earlier.trackers.find((t) => t.key === key)?.handle;
    const state: SweepTrackerState = { key, entry };
    const handle = await withTracker(record, entry, log, "sweepStart", (t) => t.sweepStart?.(info, previous));
    if (handle !== undefined) state.handle = handle;
    trackers.push(state);
  }
  const file = { trackers };
  await writeFileAtomic(trackersPath(info.dir), JSON.stringify(file, null, 2) + "\n");
  return file;
}

/** Runs `sweepEnd` of every tracker that started the sweep with a handle. */
export async function endSweepTrackers(
  record: SweepRecord,
  outcome: SweepOutcome,
  log: Logger,
): Promise<void> {
  const info = sweepInfo(record);
  for (const t of (await readSweepTrackers(info.dir)).trackers) {
    if (t.handle === undefined) continue;
    await withTracker(record, t.entry, log, "sweepEnd", (i) => i.sweepEnd?.(info, t.handle, outcome));
  }
}

/** The handles of a point's tracking entries, by entry index (undefined where none). */
export async function pointTrackerHandles(dir: string, tracking: readonly PluginEntry[]): Promise<unknown[]> {
  const file = await readSweepTrackers(dir);
  return tracking.map((entry) => file.trackers.find((t) => t.key === trackerKey(entry))?.handle);
}

/** `trackers.json` of a sweep folder (none written yet: no trackers). */
export async function readSweepTrackers(dir: string): Promise<SweepTrackersFile> {
  try {
    return JSON.parse(await Deno.readTextFile(trackersPath(dir))) as SweepTrackersFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { trackers: [] };
    throw err;
  }
}

function trackersPath(dir: string): string {
  return join(dir, "trackers.json");
}

/** Makes a tracker instance for the sweep and calls `hook`; a failure warns and gives undefined. */
async function withTracker<T>(
  record: SweepRecord,
  entry: PluginEntry,
  log: Logger,
  hook: string,
  call: (t: TrackerInstance) => T | Promise<T>,
): Promise<T | undefined> {
  try {
    const loaded = await loadPlugin(entry.use, "tracker", { urlCacheDir: join(record.outputDir, "plugins") });
    const instance = await createPlugin(loaded, entryOptions(entry), {
      seed: 0,
      rng: createRng(0),
      log,
      cacheDir: join(record.outputDir, "cache"),
      outputDir: record.outputDir,
    }, "tracking");
    return await call(instance);
  } catch (err) {
    log.warn(
      `tracker '${entry.use}' failed in ${hook}() of sweep ${record.sweepId}: ${(err as Error).message}; ` +
        "the sweep goes on without it",
    );
    return undefined;
  }
}
