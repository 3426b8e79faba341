/**
 * A fold's fitted state in the run folder, `folds/<fold>/pipeline|model/`: the one place that names the
 * folder, saves a fold and loads it back (a run saves, `openRun` loads).
 */
import { join } from "node:path";
import type { FittedPipeline, ModelInstance, PipelineInstance } from "./plugin.ts";

/** A name made safe as one path segment (fold and figure names: `loco/5/A` → `loco_5_A`). */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** The folder of a fold's fitted pipeline and model. */
export function foldDir(runDir: string, fold: string): string {
  return join(runDir, "folds", safeFileName(fold));
}

/** Saves a fold's fitted pipeline and model. */
export async function saveFold(
  runDir: string,
  fold: string,
  fitted: FittedPipeline,
  model: ModelInstance,
): Promise<void> {
  const dir = foldDir(runDir, fold);
  await fitted.save(join(dir, "pipeline"));
  await model.save(join(dir, "model"));
}

/** Restores a fold's fitted pipeline and model into fresh instances of the run's plugins. */
export async function loadFold(
  runDir: string,
  fold: string,
  pipeline: PipelineInstance,
  model: ModelInstance,
): Promise<FittedPipeline> {
  const dir = foldDir(runDir, fold);
  const fitted = await pipeline.load(join(dir, "pipeline"));
  await model.load(join(dir, "model"));
  return fitted;
}
