/**
 * BatteryML for Deno — the public API for scripts and plugin authors.
 *
 * Plugin authors need only the `define*` helpers (they add types; a plain object works as well) and the
 * contract types; scripts use `composeConfig` + `runExperiment`, and `openRun` to reopen a finished run; the `batteryml` CLI (cli/) imports only this
 * module and its own files.
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
export { DiskCache } from "./lib/cache/mod.ts";
export type { CacheCodec, CacheKeyParts, CacheStats } from "./lib/cache/mod.ts";
export { composeConfig, CONFIG_GROUPS, configHash, makeRunId, parseOverride } from "./core/config.ts";
export type { ComposedConfig, ComposeOptions } from "./core/config.ts";
export { experimentSchema } from "./core/experiment_schema.ts";
export type { ExperimentConfig, PluginEntry } from "./core/experiment_schema.ts";
export { builtinNames, createPlugin, loadPlugin, validateDefinition } from "./core/loader.ts";
export type { LoadedPlugin, LoaderOptions } from "./core/loader.ts";
export {
  DEFAULT_INSPECT_TIMEOUT_S,
  inspectUrlPlugin,
  readPluginLock,
  recordTrustedPlugin,
  removeTrustedPlugin,
  trustUrlPlugin,
  writePluginLock,
} from "./core/plugin_lock.ts";
export type { InspectOptions, PluginLock, PluginLockEntry } from "./core/plugin_lock.ts";
export {
  type DeclaredPermissions,
  describePermissions,
  NO_PERMISSIONS,
  permissionsDiff,
} from "./core/sandbox/declared_permissions.ts";
export { runExperiment } from "./core/run.ts";
export type { FoldOutcome, RunOptions, RunStep, RunSummary } from "./core/run.ts";
export { loadConfigPlugins, validateRunConfig } from "./core/run_plugins.ts";
export { openRun } from "./core/open_run.ts";
export type { OpenedFold, OpenedRun, OpenRunOptions } from "./core/open_run.ts";
export type { RunManifest } from "./core/run_manifest.ts";
export { observedPrefix, withObservedPrefix } from "./core/observe.ts";
export { buildReport, predictionsCsv } from "./core/report.ts";
export { permissionsFor } from "./core/permissions.ts";
export type { PredictionRow, TargetReport } from "./core/report.ts";
export { interruptOnSignals, RunInterrupted } from "./core/run_signals.ts";
export { runProcessState } from "./core/run_liveness.ts";
export { predictWithRun } from "./core/predict.ts";
export * from "./sweep/mod.ts";
export {
  compatibilityLine,
  decodePluginState,
  encodePluginState,
  readPluginState,
  stampOf,
  STATE_FILE,
  STATE_FORMAT,
  STATE_SIDECAR,
  writePluginState,
} from "./core/plugin_state.ts";
export type { EncodedState, StateStamp } from "./core/plugin_state.ts";
export type { PredictOptions } from "./core/predict.ts";
export { contractCells, contractSampleSet, contractSequenceSet, runContract } from "./testing/mod.ts";
export type { CheckResult } from "./testing/mod.ts";
export { restrictToCells } from "./core/view.ts";
export { createLogger } from "./core/log.ts";
export { silentProgress, terminalProgress } from "./lib/progress.ts";
export type { TerminalProgressOptions } from "./lib/progress.ts";
export { regressionMetrics } from "./lib/metrics.ts";
export type { Metrics } from "./lib/metrics.ts";
export { writeFileAtomic } from "./lib/io/mod.ts";
export { runFigures } from "./lib/plot/mod.ts";
export { syncSpool } from "./lib/mlflow/mod.ts";
export type { SyncSpoolOptions, SyncSpoolResult } from "./lib/mlflow/mod.ts";
export { migrateFileStore } from "./lib/mlflow/mod.ts";
export { artifactsAncestor, DEFAULT_FILE_STORE_URI, fileStorePath } from "./lib/mlflow/mod.ts";

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
