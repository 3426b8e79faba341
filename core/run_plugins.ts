/**
 * The plugins of a run's config: loaded, their options validated, and the combination checked (model vs
 * pipeline layout, loss vs model) before any data is read.
 */
import { join } from "node:path";
import type { ComposedConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import type { PluginEntry } from "./experiment_schema.ts";
import { createPlugin, type LoadedPlugin, loadPlugin, validateOptions } from "./loader.ts";
import type {
  Logger,
  LossInstance,
  ModelInstance,
  PipelineInstance,
  PluginContext,
  PluginKind,
} from "./plugin.ts";
import { type GuardedPlugin, PluginCalls } from "./plugin_guard.ts";
import { createRng } from "./rng.ts";

/** Plugins of one run, loaded and shape-checked. */
export interface RunPlugins {
  dataset: LoadedPlugin<"dataset">;
  split: LoadedPlugin<"split">;
  pipeline: LoadedPlugin<"pipeline">;
  model: LoadedPlugin<"model">;
  loss: LoadedPlugin<"loss"> | null;
  trackers: LoadedPlugin<"tracker">[];
}

/** Loads every plugin a config names and validates each one's options (no instance is created). */
export async function loadConfigPlugins(composed: ComposedConfig): Promise<RunPlugins> {
  const c = composed.config;
  // Verified copies of URL plugins go under output.dir, one of the folders `--print-permissions` allows.
  const urlCacheDir = join(c.output.dir, "plugins");
  const load = <K extends PluginKind>(entry: PluginEntry, kind: K) =>
    loadPlugin(entry.use, kind, { urlCacheDir, timeoutS: c.plugins.timeout_s });
  return {
    dataset: await load(c.data, "dataset"),
    split: await load(c.split, "split"),
    pipeline: await load(c.pipeline, "pipeline"),
    model: await load(c.model, "model"),
    loss: c.loss ? await load(c.loss, "loss") : null,
    trackers: await Promise.all(c.tracking.map((t) => load(t, "tracker"))),
  };
}

/** The options of an entry: everything but `use`. */
export function entryOptions(entry: PluginEntry): Record<string, unknown> {
  const { use: _use, ...options } = entry;
  return options;
}

/** How a plugin is named in PluginErrors. */
export function guardedPlugin(loaded: LoadedPlugin): GuardedPlugin {
  return { specifier: loaded.specifier, kind: loaded.definition.kind, name: loaded.definition.name };
}

/** A model must accept the pipeline's layout, and only a loss-taking model may have a loss. */
export function checkCombination(
  plugins: RunPlugins,
  pipeline: PipelineInstance,
  model: ModelInstance,
): void {
  const modelName = plugins.model.definition.name;
  if (!model.accepts.layouts.includes(pipeline.produces)) {
    throw new ConfigError(
      "model",
      `model '${modelName}' accepts ${model.accepts.layouts.join("/")} samples, ` +
        `pipeline '${plugins.pipeline.definition.name}' produces ${pipeline.produces}`,
    );
  }
  if (plugins.loss && !model.accepts.loss) {
    throw new ConfigError("loss", `model '${modelName}' takes no loss; remove it with loss=null`);
  }
}

/**
 * Loads the config's plugins, validates every plugin's options, and checks that the combination can
 * work (model vs pipeline layout, loss vs model) — all before any data is read.
 */
export async function validateRunConfig(composed: ComposedConfig, log: Logger): Promise<RunPlugins> {
  const c = composed.config;
  const plugins = await loadConfigPlugins(composed);
  // Creating an instance is a plugin call too: within the timeout, never a hang.
  const calls = new PluginCalls(c.plugins.timeout_s);
  const create = <K extends "pipeline" | "model">(role: K, entry: PluginEntry) =>
    calls.call(
      guardedPlugin(plugins[role]),
      "create",
      () => createPlugin(plugins[role], entryOptions(entry), ctx, role),
    );
  const ctx: PluginContext = {
    seed: c.experiment.seed,
    rng: createRng(c.experiment.seed),
    log,
    cacheDir: join(c.output.dir, "cache"),
  };
  await validateOptions(plugins.dataset.definition, entryOptions(c.data), "data");
  await validateOptions(plugins.split.definition, entryOptions(c.split), "split");
  if (plugins.loss && c.loss) await validateOptions(plugins.loss.definition, entryOptions(c.loss), "loss");
  for (const [i, t] of plugins.trackers.entries()) {
    await validateOptions(t.definition, entryOptions(c.tracking[i]), `tracking.${i}`);
  }
  const pipeline = await create("pipeline", c.pipeline) as PipelineInstance;
  const model = await create("model", c.model) as ModelInstance;
  checkCombination(plugins, pipeline, model);
  if (plugins.loss && c.loss) {
    checkLossLayout(plugins, pipeline, await createPlugin(plugins.loss, entryOptions(c.loss), ctx, "loss"));
  }
  return plugins;
}

/** A loss that needs a time axis (physics_informed) would quietly reduce to its data term on T = 1. */
function checkLossLayout(plugins: RunPlugins, pipeline: PipelineInstance, loss: LossInstance): void {
  if (!loss.layouts || loss.layouts.includes(pipeline.produces)) return;
  throw new ConfigError(
    "loss",
    `loss '${plugins.loss!.definition.name}' needs ${loss.layouts.join("/")} samples (terms along the ` +
      `time axis), pipeline '${plugins.pipeline.definition.name}' produces ${pipeline.produces} samples ` +
      "(T = 1), on which those terms are zero; use a point-wise loss (loss=mse) or a sequence pipeline",
  );
}
