/**
 * Sweeps: many runs from one study — a grid or seeded random search over config overrides × seeds × folds —
 * planned, launched on local worker processes or as Slurm job arrays, followed, cancelled and compared.
 *
 * It sits beside the core (like `testing/`), not in it: a sweep is orchestration over finished and running
 * runs, built on the core's run, config and liveness modules; running one experiment never needs it. The
 * process-free parts (point expansion, Slurm scripts, the worker pool, statistics) live in `lib/sweep`.
 */
export { openSweep, planSweep } from "./plan.ts";
export type { SweepPlan, SweepRequest } from "./plan.ts";
export { runSweepPoint } from "./point.ts";
export type { PointOutcome, SweepPointOptions } from "./point.ts";
export { formatSweepStatus, sweepStatus } from "./status.ts";
export type { SweepPointReport, SweepPointStatus, SweepStatus } from "./status.ts";
export { cancelSweep, launchLocal, pendingPoints, slurmScripts, submitSlurm, waitSlurm } from "./launch.ts";
export type { LocalLaunchResult, PointCommands, SlurmScripts, SweepTracking } from "./launch.ts";
export { aggregateSweep } from "./aggregate.ts";
export type { SweepAggregate } from "./aggregate.ts";
export { readSweepTrackers, startSweepTrackers, sweepInfo } from "./trackers.ts";
export type { SweepTrackersFile, SweepTrackerState } from "./trackers.ts";
export { compareSweep, formatComparison } from "./compare.ts";
export type { CompareRequest, SweepComparison } from "./compare.ts";
export {
  pointLogPath as sweepPointLogPath,
  readSweepRecord,
  slurmOptionsSchema,
  SweepError,
} from "../lib/sweep/mod.ts";
export type { SlurmOptions, SweepRecord } from "../lib/sweep/mod.ts";
