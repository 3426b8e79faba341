/**
 * Scoring new cells with a finished run: the fitted pipeline and model saved in
 * `runs/<id>/folds/<fold>/` are loaded, the data entry of the run (or one given by overrides) supplies
 * the cells, and the predictions come back with the measured targets where the data have them. A file
 * the run read whose content changed since (its sha256 differs from the manifest's `inputs`) is an error
 * naming every such file, or a warning with `allowChangedData`.
 */
import { join, resolve } from "node:path";
import { applyOverride, parseOverride, resolveEntry } from "./config.ts";
import { ConfigError, DataError } from "./errors.ts";
import { pluginEntrySchema } from "./experiment_schema.ts";
import type { ExperimentConfig, PluginEntry } from "./experiment_schema.ts";
import { createPlugin, loadPlugin } from "./loader.ts";
import type { Logger, ProgressSink } from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
import { readPluginState, stampOf } from "./plugin_state.ts";
import { createRng } from "./rng.ts";
import { entryOptions } from "./runner.ts";
import { restrictToCells } from "./view.ts";

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

/** Loads the run's fitted pipeline and model and predicts every step of the chosen cells. */
export async function predictWithRun(opts: PredictOptions): Promise<PredictionRow[]> {
  const runDir = resolve(opts.outputDir ?? "artifacts", "runs", opts.runId);
  const manifest = await readManifest(runDir);
  const config = manifest.config as ExperimentConfig;
  const data = await dataEntry(config.data, opts.overrides ?? [], opts.configDir ?? "configs");
  const fold = opts.fold ?? (manifest.folds as { name: string }[])[0]?.name;
  const foldDir = join(runDir, "folds", fold.replace(/[^A-Za-z0-9_.-]+/g, "_"));
  const ctx = {
    seed: config.experiment.seed,
    rng: createRng(config.experiment.seed),
    log: opts.log,
    cacheDir: join(opts.outputDir ?? "artifacts", "cache"),
    progress: opts.progress,
  };
  const dataset = await createPlugin(await loadPlugin(data.use, "dataset"), entryOptions(data), ctx, "data");
  const pipelinePlugin = await loadPlugin(config.pipeline.use, "pipeline");
  const pipeline = await createPlugin(pipelinePlugin, entryOptions(config.pipeline), ctx, "pipeline");
  const modelPlugin = await loadPlugin(config.model.use, "model");
  const model = await createPlugin(modelPlugin, entryOptions(config.model), ctx, "model");
  const fitted = await pipeline.restore(
    await readPluginState(join(foldDir, "pipeline"), stampOf(pipelinePlugin.definition)),
  );
  await model.restore(await readPluginState(join(foldDir, "model"), stampOf(modelPlugin.definition)));
  const all = (await dataset.cells()).map((c) => c.cellKey);
  const unknown = (opts.cells ?? []).filter((c) => !all.includes(c));
  if (unknown.length) {
    throw new ConfigError("cells", `unknown cells ${unknown.join(", ")} (the data have ${all.join(", ")})`);
  }
  const set = await fitted.transform(restrictToCells(dataset, opts.cells?.length ? opts.cells : all));
  checkInputs(
    (manifest.inputs ?? {}) as Record<string, string>,
    await dataset.fingerprint(),
    {
      runId: opts.runId,
      manifest: join(runDir, "manifest.json"),
      allow: opts.allowChangedData,
      log: opts.log,
    },
  );
  const pred = await model.predict(set);
  const K = set.targetNames.length, T = set.steps;
  const rows: PredictionRow[] = [];
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < set.lengths[i]; s++) {
      for (let k = 0; k < K; k++) {
        const at = (i * T + s) * K + k;
        if (!pred.mask[at]) continue;
        rows.push({
          fold,
          cellKey: set.meta.cellKey[i],
          chamberC: set.meta.chamberC[i],
          rpt: set.meta.rpt[i * T + s],
          t: set.t[i * T + s],
          target: set.targetNames[k],
          yTrue: set.yMask[at] ? set.y[at] : NaN,
          yPred: pred.y[at],
        });
      }
    }
  }
  return rows;
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

async function readManifest(runDir: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await Deno.readTextFile(join(runDir, "manifest.json")));
  } catch (err) {
    throw new ConfigError("run", `cannot read ${join(runDir, "manifest.json")}: ${(err as Error).message}`);
  }
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
