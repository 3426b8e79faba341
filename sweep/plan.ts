/**
 * Plans a sweep: the sweep file and the command line's overrides (`a=1,2,3` is an axis) become points,
 * each point's config is composed and validated before anything runs (a typo fails the sweep at once,
 * not N runs later), `folds: all` is expanded with the split's own fold names, and the sweep folder gets
 * its `sweep.json`. The same file and arguments always give the same sweep id, so launching again
 * resumes.
 */
import { resolve } from "node:path";
import {
  configPoints,
  emptySweepSpec,
  gridAxes,
  multirunAxis,
  parseSweepSpec,
  readSweepRecord,
  type SweepAxis,
  sweepDir,
  SweepError,
  sweepId,
  sweepPoints,
  type SweepRecord,
  type SweepSpec,
  writeSweepRecord,
} from "../lib/sweep/mod.ts";
import { composeConfig, type ComposedConfig } from "../core/config.ts";
import { splitFoldNames } from "../core/fold_selection.ts";
import { networkHosts, usesSandboxedPlugins, writeFolders } from "../core/permissions.ts";
import { readPluginLock } from "../core/plugin_lock.ts";
import type { PluginEntry } from "../core/experiment_schema.ts";
import { trackerKey } from "./trackers.ts";

/** What `batteryml sweep` was given. */
export interface SweepRequest {
  /** The sweep file, or null for command-line axes only. */
  file: string | null;
  /** Overrides; those with top-level commas are axes. */
  args: readonly string[];
  configDir?: string;
}

/** A planned sweep: its record (not yet written) and the parsed file. */
export interface SweepPlan {
  record: SweepRecord;
  spec: SweepSpec;
  dir: string;
  /** The `deno run` permission flags every point needs (the union over the points' configs). */
  permissions: string[];
  /** The distinct tracking entries of the points' configs (the sweep's trackers). */
  tracking: PluginEntry[];
}

/** Expands and validates a sweep. */
export async function planSweep(req: SweepRequest): Promise<SweepPlan> {
  const configDir = req.configDir ?? "configs";
  const spec = req.file ? parseSweepSpec(await readText(req.file), req.file) : emptySweepSpec();
  const cliAxes: SweepAxis[] = [];
  const plain: string[] = [];
  for (const a of req.args) {
    const axis = multirunAxis(a);
    // Seeds and folds given on the command line are the file's `seeds:` and `folds:` (compare pairs them).
    if (axis && axis.key === "experiment.seed") spec.seeds = axis.values.map((v) => seedOf(v));
    else if (axis && axis.key === "evaluation.folds") spec.folds = axis.values;
    else if (a === "evaluation.folds=all") spec.folds = "all";
    else if (/^evaluation\.folds=[^\[]/.test(a)) spec.folds = [a.slice("evaluation.folds=".length)];
    else if (axis) cliAxes.push(axis);
    else if (gridKeyOf(spec, a)) {
      cliAxes.push({ key: gridKeyOf(spec, a)!, values: [a.slice(a.indexOf("=") + 1)] });
    } else plain.push(a);
  }
  const base = [...spec.overrides, ...plain];
  const configs = configPoints(gridAxes(spec, cliAxes), spec.random);
  const seeds = spec.seeds ?? [null];
  const composedCache = new Map<string, ComposedConfig>();
  const compose = async (overrides: string[]) => {
    const key = JSON.stringify(overrides);
    if (!composedCache.has(key)) composedCache.set(key, await composeConfig({ configDir, overrides }));
    return composedCache.get(key)!;
  };
  // Fold names per (configuration, seed): a seeded split (random_by_cell) may name its folds by seed.
  const folds = new Map<string, (string | null)[]>();
  for (const c of configs) {
    for (const seed of seeds) {
      const overrides = [...base, ...Object.entries(c.params).map(([k, v]) => `${k}=${v}`)];
      if (seed !== null) overrides.push(`experiment.seed=${seed}`);
      const composed = await compose(overrides);
      folds.set(`${c.key}|${seed}`, await foldsOf(spec, composed));
    }
  }
  const points = sweepPoints(base, configs, { seeds, folds: (c, s) => folds.get(`${c.key}|${s}`)! });
  const outputDirs = new Set<string>();
  const lock = await readPluginLock();
  const writes = new Set<string>(), hosts = new Set<string>();
  let sandboxed = false;
  const tracking = new Map<string, PluginEntry>();
  for (const p of points) {
    const composed = await compose(p.overrides);
    p.configHash = composed.hash;
    const config = composed.config;
    for (const entry of config.tracking) tracking.set(trackerKey(entry), entry);
    outputDirs.add(config.output.dir);
    for (const w of writeFolders(config)) writes.add(w);
    for (const h of networkHosts(config, lock)) hosts.add(h);
    sandboxed ||= usesSandboxedPlugins(config);
  }
  if (outputDirs.size !== 1) {
    throw new SweepError(
      `the points of a sweep must share output.dir; they name ${[...outputDirs].join(", ")}`,
    );
  }
  const outputDir = [...outputDirs][0];
  const name = spec.name ?? (req.file ? fileStem(req.file) : "sweep");
  const id = await sweepId(name, configDir, points);
  const record: SweepRecord = {
    sweepId: id,
    name,
    createdAt: new Date().toISOString(),
    cwd: Deno.cwd(),
    configDir,
    outputDir,
    source: { file: req.file, args: [...req.args] },
    configs,
    points,
    launches: [],
  };
  const permissions = [
    "--allow-read",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys",
    `--allow-write=${[...writes].join(",")}`,
  ];
  if (hosts.size > 0) permissions.push(`--allow-net=${[...hosts].join(",")}`);
  // Plugins not built in (paths, URLs, npm:) run in sandbox processes the point starts with `deno`.
  if (sandboxed) permissions.push("--allow-run=deno");
  return {
    record,
    spec,
    dir: resolve(sweepDir(outputDir, id)),
    permissions,
    tracking: [...tracking.values()],
  };
}

/** Writes `sweep.json` for a new sweep, or keeps the existing record (its launches) when resuming. */
export async function openSweep(plan: SweepPlan): Promise<SweepRecord> {
  try {
    const existing = await readSweepRecord(plan.dir);
    return existing;
  } catch (err) {
    if (!(err instanceof SweepError)) throw err;
  }
  await writeSweepRecord(plan.dir, plan.record);
  return plan.record;
}

async function foldsOf(spec: SweepSpec, composed: ComposedConfig): Promise<(string | null)[]> {
  if (spec.folds === undefined) return [null];
  const names = await splitFoldNames(composed);
  if (spec.folds === "all") return names;
  const unknown = spec.folds.filter((f) => !names.includes(f));
  if (unknown.length > 0) {
    throw new SweepError(
      `sweep key 'folds': no fold named ${unknown.map((f) => `'${f}'`).join(", ")}; the split makes ${
        names.join(", ")
      }`,
    );
  }
  return spec.folds;
}

/**
 * The file's grid key a plain override sets (`training.learning_rate=0.01` against a learning-rate grid),
 * or null: such an override pins that axis to its one value, as an axis of the same key replaces it —
 * left plain, the grid's values (applied after the plain overrides) would silently win.
 */
function gridKeyOf(spec: SweepSpec, override: string): string | null {
  if (override.startsWith("+") || override.startsWith("~")) return null;
  const eq = override.indexOf("=");
  const key = eq > 0 ? override.slice(0, eq) : "";
  return Object.hasOwn(spec.grid, key) ? key : null;
}

function seedOf(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new SweepError(`experiment.seed: '${text}' is not a seed (an integer ≥ 0)`);
  }
  return n;
}

async function readText(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    throw new SweepError(`cannot read the sweep file ${file}: ${(err as Error).message.split("\n")[0]}`);
  }
}

function fileStem(file: string): string {
  return (file.split("/").pop() ?? file).replace(/\.ya?ml$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
}
