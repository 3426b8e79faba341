/**
 * BatteryML for Deno — the public API for scripts and plugin authors.
 *
 * Plugin authors need only the `define*` helpers (they add types; a plain object works as well) and the
 * contract types, which plugin.ts holds (a plugin that is not built in imports that, since it runs sandboxed
 * without ffi); scripts use `composeConfig` + `runExperiment`, and `openRun` to reopen a finished run; the `batteryml` CLI (cli/) imports only this
 * module and its own files.
 */
// The plugin authors' API (define*, contract types, SampleSets, errors, Rng, metrics): light enough for a
// sandboxed plugin to import on its own (plugin.ts says why).
export * from "./plugin.ts";
export { DiskCache } from "./lib/cache/mod.ts";
export type { CacheCodec, CacheKeyParts, CacheStats } from "./lib/cache/mod.ts";
export { composeConfig, CONFIG_GROUPS, configHash, makeRunId, parseOverride } from "./core/config.ts";
export type { ComposedConfig, ComposeOptions } from "./core/config.ts";
export { experimentSchema } from "./core/experiment_schema.ts";
export type { ExperimentConfig, PluginEntry } from "./core/experiment_schema.ts";
export {
  builtinNames,
  createPlugin,
  loadPlugin,
  runInProcess,
  specifierSource,
  validateDefinition,
} from "./core/loader.ts";
export type { LoadedPlugin, LoaderOptions } from "./core/loader.ts";
export {
  DEFAULT_INSPECT_TIMEOUT_S,
  defaultPluginLockPath,
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
export { DEFAULT_STORE_DIR } from "./core/sandbox/module_store.ts";
export { runExperiment } from "./core/run.ts";
export type { FoldOutcome, RunOptions, RunStep, RunSummary } from "./core/run.ts";
export { loadConfigPlugins, validateRunConfig } from "./core/run_plugins.ts";
export { openRun } from "./core/open_run.ts";
export type { OpenedFold, OpenedRun, OpenRunOptions } from "./core/open_run.ts";
export type { RunManifest } from "./core/run_manifest.ts";
export { observedPrefix, withObservedPrefix } from "./core/observe.ts";
export { buildReport, predictionsCsv } from "./core/report.ts";
export {
  denoFlags,
  permissionsFor,
  runGrants,
  trackerGrants,
  usesSandboxedPlugins,
} from "./core/permissions.ts";
export type { CommandGrants } from "./core/permissions.ts";
export type { PredictionRow, TargetReport } from "./core/report.ts";
export { interruptOnSignals, RunInterrupted } from "./core/run_signals.ts";
export { runProcessState } from "./core/run_liveness.ts";
export { predictGrants, predictWithRun } from "./core/predict.ts";
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
export { terminalProgress } from "./lib/progress.ts";
export type { TerminalProgressOptions } from "./lib/progress.ts";
export { writeFileAtomic } from "./lib/io/mod.ts";
export { runFigures } from "./lib/plot/mod.ts";
export { syncSpool } from "./lib/mlflow/mod.ts";
export type { SyncSpoolOptions, SyncSpoolResult } from "./lib/mlflow/mod.ts";
export { migrateFileStore } from "./lib/mlflow/mod.ts";
export { artifactsAncestor, DEFAULT_FILE_STORE_URI, fileStorePath } from "./lib/mlflow/mod.ts";
