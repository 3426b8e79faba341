/**
 * Shared shape of the point-wise loss plugins (mse, mae, huber, mape): a masked mean of a per-element
 * error over (B, K) or (B, T, K) tfjs tensors.
 */
import type * as tf from "@tensorflow/tfjs";
import type { LossInputs, LossInstance } from "../../mod.ts";
import { type ElementLoss, elementLoss, maskedMean, safeTargets } from "../../lib/loss/mod.ts";

/** A loss instance computing the masked mean of `loss` per element. */
export function pointwiseLoss(loss: ElementLoss): LossInstance<tf.Tensor> {
  return {
    compute(yTrue: tf.Tensor, yPred: tf.Tensor, inputs: LossInputs<tf.Tensor>): tf.Scalar {
      checkShapes(yTrue, yPred, inputs.mask);
      const target = safeTargets(yTrue, inputs.mask);
      const values = elementLoss(target, yPred, loss);
      const out = maskedMean(values, inputs.mask);
      if (target !== yTrue) target.dispose();
      values.dispose();
      return out;
    },
  };
}

/** y, ŷ and the mask must share one shape, (B, K) or (B, T, K). */
export function checkShapes(yTrue: tf.Tensor, yPred: tf.Tensor, mask?: tf.Tensor): void {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  if (yPred.rank !== 2 && yPred.rank !== 3) {
    throw new RangeError(`loss expects (B, K) or (B, T, K) tensors, found shape [${yPred.shape}]`);
  }
  if (!same(yTrue.shape, yPred.shape)) {
    throw new RangeError(`loss: y has shape [${yTrue.shape}], prediction [${yPred.shape}]`);
  }
  if (mask && !same(mask.shape, yPred.shape)) {
    throw new RangeError(`loss: mask has shape [${mask.shape}], prediction [${yPred.shape}]`);
  }
}
