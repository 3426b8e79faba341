/**
 * Scoring new cells with a finished run: the fitted pipeline and model saved in
 * `runs/<id>/folds/<fold>/` are loaded, the data entry of the run (or one given by overrides) supplies
 * the cells, and the predictions come back with the measured targets where the data have them.
 */
import { join, resolve } from "node:path";
import { applyOverride, parseOverride, resolveEntry } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { pluginEntrySchema } from "./experiment_schema.ts";
import type { ExperimentConfig, PluginEntry } from "./experiment_schema.ts";
import { createPlugin, loadPlugin } from "./loader.ts";
import type { Logger } from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
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
  log: Logger;
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
  };
  const dataset = await createPlugin(await loadPlugin(data.use, "dataset"), entryOptions(data), ctx, "data");
  const pipeline = await createPlugin(
    await loadPlugin(config.pipeline.use, "pipeline"),
    entryOptions(config.pipeline),
    ctx,
    "pipeline",
  );
  const model = await createPlugin(
    await loadPlugin(config.model.use, "model"),
    entryOptions(config.model),
    ctx,
    "model",
  );
  const fitted = await pipeline.load(join(foldDir, "pipeline"));
  await model.load(join(foldDir, "model"));
  const all = (await dataset.cells()).map((c) => c.cellKey);
  const unknown = (opts.cells ?? []).filter((c) => !all.includes(c));
  if (unknown.length) {
    throw new ConfigError("cells", `unknown cells ${unknown.join(", ")} (the data have ${all.join(", ")})`);
  }
  const set = await fitted.transform(restrictToCells(dataset, opts.cells?.length ? opts.cells : all));
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
