/**
 * How long the refit on train ∪ validation trains, as the manifest records it: gradient-trained models
 * repeat the inner fit's optimizer steps (best epoch × its batches per epoch) — the refit has more cells,
 * hence more batches per epoch, so repeating the epoch count would train longer than was validated; other
 * models repeat the chosen iteration count.
 */
import type { FitResult } from "./plugin.ts";

/** What the refit on train ∪ validation ran, chosen from the inner fit (recorded in the manifest). */
export interface RefitPlan {
  /** The inner fit's best iteration (epochs for neural models, trees for GBDT). */
  bestIteration?: number;
  /** Optimizer steps the refit ran (= the inner fit's steps up to bestIteration, when the model reports steps). */
  optimizerSteps?: number;
  innerBatchesPerEpoch?: number;
  refitBatchesPerEpoch?: number;
  /** Epochs the refit ran; the last may be partial when the step count ends mid-epoch. */
  refitEpochs?: number;
  reason: string;
}

/** The manifest's account of a refit: what the inner fit chose, what the refit ran, and why. */
export function refitPlan(inner: FitResult | undefined, refit: FitResult): RefitPlan {
  if (!inner) {
    return {
      refitBatchesPerEpoch: refit.batchesPerEpoch,
      optimizerSteps: refit.stepsRun,
      refitEpochs: refit.history?.train_loss?.length,
      reason: "no validation cells: one fit on the training cells with the configured epochs/iterations",
    };
  }
  if (inner.optimizerSteps !== undefined) {
    return {
      bestIteration: inner.bestIteration,
      optimizerSteps: refit.stepsRun ?? inner.optimizerSteps,
      innerBatchesPerEpoch: inner.batchesPerEpoch,
      refitBatchesPerEpoch: refit.batchesPerEpoch,
      refitEpochs: refit.history?.train_loss?.length,
      reason: `validated ${inner.optimizerSteps} optimizer steps (${inner.bestIteration} epochs × ` +
        `${inner.batchesPerEpoch} batches on the inner training cells); the refit on train ∪ validation ` +
        `runs the same number of steps (${refit.batchesPerEpoch} batches per epoch), ending mid-epoch ` +
        "when they do not divide",
    };
  }
  return {
    bestIteration: inner.bestIteration,
    reason: inner.bestIteration === undefined
      ? "the model reports no iteration count: the refit uses its configured length"
      : `the refit runs the ${inner.bestIteration} iterations chosen on the validation cells`,
  };
}
