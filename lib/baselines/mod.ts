/**
 * Physical forecasting baselines for sequence targets (persistence, training cells' fade rate
 * interpolated in 1/T, anchored √t), computed from a test cell's observed prefix and the training cells.
 */
export {
  BASELINE_NAMES,
  baselineForecasts,
  type BaselineName,
  type SequenceTargets,
  trajectoryOf,
} from "./_forecasts.ts";
export { fadeIncrement } from "./_fade_rate.ts";
export { anchoredSqrt, sqrtTimeSlope } from "./_anchored_sqrt.ts";
export { type Trajectory, valueAt } from "./_trajectory.ts";
export { fadeRateForecasts, referenceTrajectories, type ReferenceTrajectory } from "./_references.ts";
