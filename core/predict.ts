/**
 * Scoring new cells with a finished run (`batteryml predict`): the run is reopened (core/open_run.ts) with
 * its fold's fitted pipeline and model, the data entry of the run (or one given by overrides) supplies
 * the cells, and the predictions come back with the measured targets where the data have them. A file
 * the run read whose content changed since (its sha256 differs from the manifest's `inputs`) is an error
 * naming every such file, or a warning with `allowChangedData`.
 */
import { dirname, join, resolve } from "node:path";
import { applyOverride, parseOverride, resolveEntry } from "./config.ts";
import { ConfigError, DataError } from "./errors.ts";
import { pluginEntrySchema } from "./experiment_schema.ts";
import type { PluginEntry } from "./experiment_schema.ts";
import { openRun } from "./open_run.ts";
import type { Logger, ProgressSink } from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
import { readManifest } from "./run_manifest.ts";
import { type CommandGrants, nativeLibraries, readPaths, usesSandboxedPlugins } from "./permissions.ts";

/** What to score: a run, data overrides (`data=name`, `data.root=…`), optional cells and fold. */
export interface PredictOptions {
  runId: string;
  overrides?: readonly string[];
  cells?: readonly string[];
  fold?: string;
  outputDir?: string;
  configDir?: string;
  /** Go on (with a warning) when files the run read have changed since; otherwise a DataError. */
  allowChangedData?: boolean;
  log: Logger;
  /** Where feature extraction reports progress (`terminalProgress` draws it); absent: nowhere. */
  progress?: ProgressSink;
}

/** Reopens the run's fold (default: the first) and predicts every step of the chosen cells. */
export async function predictWithRun(opts: PredictOptions): Promise<PredictionRow[]> {
  const outputDir = opts.outputDir ?? "artifacts";
  const runDir = resolve(outputDir, "runs", opts.runId);
  const recorded = await readManifest(runDir);
  const data = await dataEntry(recorded.config.data, opts.overrides ?? [], opts.configDir ?? "configs");
  const run = await openRun(opts.runId, { outputDir, log: opts.log, progress: opts.progress, data });
  const fold = await run.fold(opts.fold);
  const all = (await run.dataset.cells()).map((c) => c.cellKey);
  const unknown = (opts.cells ?? []).filter((c) => !all.includes(c));
  if (unknown.length) {
    throw new ConfigError("cells", `unknown cells ${unknown.join(", ")} (the data have ${all.join(", ")})`);
  }
  const set = await fold.samples(opts.cells?.length ? opts.cells : all);
  checkInputs(run.manifest.inputs ?? {}, await run.dataset.fingerprint(), {
    runId: opts.runId,
    manifest: join(runDir, "manifest.json"),
    allow: opts.allowChangedData,
    log: opts.log,
  });
  return (await fold.predict(set)).rows;
}

/**
 * What `predict` needs beyond the process's own grants (`predict --print-permissions`): read of the run's
 * folder and the data (the run's, or the overrides'), write of the cache (a synthetic dataset is generated
 * there) and of the folder of `out` (written atomically: a temp file beside it, then renamed), and `deno`
 * when the run's plugins are sandboxed.
 */
export async function predictGrants(
  opts: Pick<PredictOptions, "runId" | "overrides" | "outputDir" | "configDir"> & { out?: string },
): Promise<CommandGrants> {
  const outputDir = opts.outputDir ?? "artifacts";
  const recorded = await readManifest(resolve(outputDir, "runs", opts.runId));
  const data = await dataEntry(recorded.config.data, opts.overrides ?? [], opts.configDir ?? "configs");
  const config = { ...recorded.config, data, output: { ...recorded.config.output, dir: outputDir } };
  const write = [join(outputDir, "cache"), ...(opts.out ? [dirname(opts.out)] : [])];
  return {
    read: [...readPaths(config), resolve(outputDir, "runs", opts.runId)],
    write,
    run: usesSandboxedPlugins(config) ? ["deno"] : [],
    // A run trained with OpenBLAS predicts with it too (its state says so): the same library's grant.
    ffi: nativeLibraries(config),
  };
}

/** Files read now that the run also read (same resolved path) whose sha256 differs from the manifest's. */
export function changedInputs(recorded: Record<string, string>, now: Record<string, string>): string[] {
  const before = new Map(Object.entries(recorded).map(([path, hash]) => [resolve(path), hash]));
  return Object.entries(now)
    .filter(([path, hash]) => before.has(resolve(path)) && before.get(resolve(path)) !== hash)
    .map(([path]) => path)
    .sort();
}

/** Refuses (or, when allowed, warns about) data that changed since the run. */
function checkInputs(
  recorded: Record<string, string>,
  now: Record<string, string>,
  o: { runId: string; manifest: string; allow?: boolean; log: Logger },
): void {
  const changed = changedInputs(recorded, now);
  if (changed.length === 0) return;
  const list = changed.map((f) => `'${f}'`).join(", ");
  if (o.allow) {
    o.log.warn(
      `--allow-changed-data: ${changed.length} input file(s) changed since run ${o.runId}; predicting anyway: ${list}`,
    );
    return;
  }
  throw new DataError(
    `the data changed since run ${o.runId}: ${changed.length} file(s) differ from the manifest's inputs ` +
      "(pass --allow-changed-data to predict anyway)",
    {
      file: changed[0],
      expected: `the sha256 recorded in ${o.manifest}`,
      found: `other content in ${list}`,
    },
  );
}

/** The run's data entry with `data=…` / `data.x=…` overrides applied (other keys are refused). */
async function dataEntry(
  base: PluginEntry,
  overrides: readonly string[],
  configDir: string,
): Promise<PluginEntry> {
  const tree: Record<string, unknown> = { data: structuredClone(base) };
  for (const text of overrides) {
    const o = parseOverride(text);
    if (o.path[0] !== "data") {
      throw new ConfigError(o.path.join("."), "predict takes only data overrides (data=…, data.key=…)");
    }
    if (o.op === "set" && o.path.length === 1) {
      tree.data = await resolveEntry(configDir, "data", String(o.value));
    } else applyOverride(tree, o);
  }
  const parsed = pluginEntrySchema.safeParse(tree.data);
  if (!parsed.success) throw new ConfigError("data.use", "the data entry needs 'use'");
  return parsed.data;
}
