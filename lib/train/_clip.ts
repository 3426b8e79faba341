/** Gradient clipping by global norm (as torch.nn.utils.clip_grad_norm_ with the L2 norm). */
import * as tf from "@tensorflow/tfjs";

/** Global L2 norm of a list of gradients (computed in float32 on the backend). */
export function globalNorm(grads: readonly tf.Tensor[]): number {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
}

/**
 * Scales every gradient by `maxNorm / (norm + 1e-6)` when the global norm exceeds `maxNorm` (0 = off);
 * returns the new tensors (the caller disposes both lists) and the norm before clipping.
 */
export function clipByGlobalNorm(
  grads: readonly tf.Tensor[],
  maxNorm: number,
): { grads: tf.Tensor[]; norm: number } {
  const norm = globalNorm(grads);
  if (maxNorm <= 0 || norm <= maxNorm) return { grads: grads.map((g) => g.clone()), norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}
