/**
 * BatteryML for Deno — the plugin authors' API: the `define*` helpers, the contract types of the six
 * plugin kinds, SampleSets, the typed errors, seeded random numbers, the regression metrics and a silent
 * progress sink.
 *
 * Why a second entry beside mod.ts: a plugin that is not built in runs in a sandbox process holding only
 * its declared permissions — never ffi. mod.ts is the whole platform (the runner, trackers, nodejs-polars,
 * which needs ffi, tfjs), so a sandboxed plugin importing it could not even start. This module and
 * everything it imports are plain TypeScript without native code; the sandbox loads them before the
 * plugin (core/sandbox/entry.ts), so a path plugin imports them with no read grant beyond its own folder.
 * mod.ts re-exports all of it: a built-in plugin or a script may import either.
 */
import type {
  DatasetInstance,
  LossInstance,
  ModelInstance,
  PipelineInstance,
  PluginDefinition,
  SplitInstance,
  TrackerInstance,
} from "./core/plugin.ts";

export * from "./core/errors.ts";
export * from "./core/plugin.ts";
export * from "./core/sample.ts";
export { createRng, Rng } from "./core/rng.ts";
export { regressionMetrics } from "./lib/metrics.ts";
export { silentProgress } from "./lib/progress.ts";
export type { Metrics } from "./lib/metrics.ts";

/** Types a dataset plugin definition (the instance type is inferred, so extra methods stay typed). */
export const defineDataset = <O, I extends DatasetInstance = DatasetInstance>(
  d: PluginDefinition<"dataset", O, I>,
) => d;
/** Types a split plugin definition. */
export const defineSplit = <O, I extends SplitInstance = SplitInstance>(d: PluginDefinition<"split", O, I>) =>
  d;
/** Types a pipeline plugin definition. */
export const definePipeline = <O, I extends PipelineInstance = PipelineInstance>(
  d: PluginDefinition<"pipeline", O, I>,
) => d;
/** Types a model plugin definition. */
export const defineModel = <O, I extends ModelInstance = ModelInstance>(d: PluginDefinition<"model", O, I>) =>
  d;
/** Types a loss plugin definition. */
export const defineLoss = <O, I extends LossInstance = LossInstance>(d: PluginDefinition<"loss", O, I>) => d;
/** Types a tracker plugin definition. */
export const defineTracker = <O, I extends TrackerInstance = TrackerInstance>(
  d: PluginDefinition<"tracker", O, I>,
) => d;
