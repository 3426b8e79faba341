/**
 * Sweeps: the sweep file, command-line multirun axes, the expansion into points (configurations × seeds
 * × folds), the sweep folder's files, the local worker pool, the Slurm scripts and commands, and the
 * statistics that compare configurations. Knows nothing of the core: a point is a list of overrides.
 */
export { SweepError } from "./errors.ts";
export { multirunAxis, splitTopLevel, type SweepAxis } from "./multirun.ts";
export {
  type Distribution,
  emptySweepSpec,
  parseSweepSpec,
  type SlurmOptions,
  slurmOptionsSchema,
  type SweepSpec,
  sweepSpecSchema,
} from "./spec.ts";
export {
  type ConfigPoint,
  configPoints,
  gridAxes,
  type Repeats,
  sweepId,
  type SweepPoint,
  sweepPoints,
  valueText,
} from "./points.ts";
export {
  cancelRequestPath,
  listSweepIds,
  pointLogPath,
  type PointState,
  pointStatePath,
  type PointStatus,
  readPointState,
  readSweepRecord,
  sweepDir,
  type SweepLaunch,
  type SweepRecord,
  writePointState,
  writeSweepRecord,
} from "./state.ts";
export {
  persistentWorker,
  type PoolOptions,
  type PoolResult,
  type PoolWorker,
  processPerPoint,
  runPool,
  spawnLogged,
  type StartedPoint,
  WORKER_DIED,
} from "./worker_pool.ts";
export {
  aggregateScript,
  arrayScript,
  type ArrayScriptInput,
  cancelJobs,
  chunkPoints,
  maxArraySize,
  parseMaxArraySize,
  queuedJobs,
  shellQuote,
  slurmCommand,
  submit,
} from "./slurm.ts";
export {
  compareConfigs,
  type ConfigComparison,
  lowerIsBetter,
  type PointValue,
  type VersusBest,
} from "./compare.ts";
export { compareCsv, type CompareHeader, compareText, verdict } from "./compare_table.ts";
