/**
 * LightGBM-style gradient-boosted trees in plain TypeScript: histogram binning, leaf-wise growth, NaN
 * routing, bagging, early stopping, JSON models.
 */
export { binMatrix, type BinnedMatrix, binOf, findUpperBounds, type RowMatrix } from "./binning.ts";
export {
  Booster,
  type LabelledRows,
  trainGbdt,
  trainGbdtInterruptible,
  type TrainOptions,
} from "./booster.ts";
export {
  DEFAULT_PARAMS,
  type GbdtParams,
  type IterationInfo,
  type ObjectiveName,
  resolveParams,
} from "./params.ts";
export { boosterFromJson, type BoosterJson, boosterToJson } from "./serialize.ts";
export type { Tree } from "./tree.ts";
