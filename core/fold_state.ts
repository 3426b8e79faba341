/**
 * A fold's fitted state in the run folder, `folds/<fold>/pipeline|model/`: the one place that names the
 * folder, saves a fold and restores it (a run saves, `openRun` restores). The state itself is the
 * plugins' `state()`, written stamped and checked by core/plugin_state.ts.
 */
import { join } from "node:path";
import type { FittedPipeline, ModelInstance, PipelineInstance, PluginDefinition } from "./plugin.ts";
import { readPluginState, stampOf, writePluginState } from "./plugin_state.ts";

/** What stamps a fold's state: the pipeline's and the model's definitions (name, version, kind). */
export interface FoldPlugins {
  pipeline: Pick<PluginDefinition, "name" | "version" | "kind">;
  model: Pick<PluginDefinition, "name" | "version" | "kind">;
}

/** A name made safe as one path segment (fold and figure names: `loco/5/A` → `loco_5_A`). */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** The folder of a fold's fitted pipeline and model. */
export function foldDir(runDir: string, fold: string): string {
  return join(runDir, "folds", safeFileName(fold));
}

/** Saves a fold's fitted pipeline and model (their `state()`, stamped with their plugin and version). */
export async function saveFold(
  runDir: string,
  fold: string,
  fitted: { fitted: FittedPipeline; model: ModelInstance },
  plugins: FoldPlugins,
): Promise<void> {
  const dir = foldDir(runDir, fold);
  await writePluginState(join(dir, "pipeline"), stampOf(plugins.pipeline), await fitted.fitted.state());
  await writePluginState(join(dir, "model"), stampOf(plugins.model), await fitted.model.state());
}

/** Restores a fold's fitted pipeline and model into fresh instances of the run's plugins. */
export async function loadFold(
  runDir: string,
  fold: string,
  fresh: { pipeline: PipelineInstance; model: ModelInstance },
  plugins: FoldPlugins,
): Promise<FittedPipeline> {
  const dir = foldDir(runDir, fold);
  const fitted = await fresh.pipeline.restore(
    await readPluginState(join(dir, "pipeline"), stampOf(plugins.pipeline)),
  );
  await fresh.model.restore(await readPluginState(join(dir, "model"), stampOf(plugins.model)));
  return fitted;
}
