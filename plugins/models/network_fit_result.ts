/**
 * Shared by the network model plugins (mlp, lstm_attn, neural_ode): the trainer's result as the core's
 * FitResult, and the trainer's checkpoint-folder errors as the ConfigError of `model.checkpoint_dir`.
 */
import { ConfigError, type FitResult } from "../../mod.ts";
import { CheckpointMismatchError, FolderLockedError, type TrainResult } from "../../lib/train/mod.ts";

/**
 * Best epoch, validation loss, history, and the optimizer steps the refit repeats. A fit without a finite
 * validation loss (no validation set: the refit) reports none, rather than NaN.
 */
export function networkFitResult(result: TrainResult): FitResult {
  return {
    bestIteration: result.bestEpoch,
    validationLoss: Number.isFinite(result.bestValLoss) ? result.bestValLoss : undefined,
    history: { ...result.history },
    optimizerSteps: result.bestSteps,
    batchesPerEpoch: result.batchesPerEpoch,
    stepsRun: result.stepsRun,
  };
}

/** Runs a fit; a checkpoint of another fit or a folder in use becomes a ConfigError naming the folder. */
export async function withCheckpointErrors<T>(fit: () => Promise<T>): Promise<T> {
  try {
    return await fit();
  } catch (err) {
    if (err instanceof CheckpointMismatchError || err instanceof FolderLockedError) {
      throw new ConfigError("model.checkpoint_dir", err.message, { cause: err });
    }
    throw err;
  }
}
