/**
 * Gradient clipping by global norm (as torch.nn.utils.clip_grad_norm_ with the L2 norm), in two forms:
 * on the host backends (wasm, cpu) the norm is read back and the scale computed in float64, as it always
 * was (the numbers of existing runs depend on it); on a GPU backend the scale is computed on the device, so a
 * step needs no GPU→CPU transfer and the norm is read later with the epoch's other numbers.
 */
import * as tf from "@tensorflow/tfjs";
import { hostBackend } from "./readback.ts";

/**
 * Global L2 norm of a list of gradients, as a scalar on the backend (nothing is read back). tfjs-webgpu
 * 4.22's AddN binds every input in one shader; past the adapter's storage-buffer limit (8 by default, as on
 * Mesa's llvmpipe) it silently returns a stale buffer (measured: the sum of 8 scalars came back as an
 * earlier result). So GPU backends add pairwise; the host backends keep AddN and their exact numbers.
 */
export function globalNormTensor(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const squares = grads.map((g) => tf.sum(tf.square(g)));
    const total = hostBackend() ? tf.addN(squares) : squares.reduce((a, b) => tf.add(a, b));
    return tf.sqrt(total) as tf.Scalar;
  });
}

/** Global L2 norm of a list of gradients (computed in float32 on the backend, read asynchronously). */
export async function globalNorm(grads: readonly tf.Tensor[]): Promise<number> {
  const norm = globalNormTensor(grads);
  try {
    return (await norm.data())[0];
  } finally {
    norm.dispose();
  }
}

/**
 * Scales every gradient by `maxNorm / (norm + 1e-6)` when the global norm exceeds `maxNorm` (0 = off);
 * returns the new tensors (the caller disposes both lists) and the norm before clipping.
 */
export async function clipByGlobalNorm(
  grads: readonly tf.Tensor[],
  maxNorm: number,
): Promise<{ grads: tf.Tensor[]; norm: number }> {
  const norm = await globalNorm(grads);
  if (maxNorm <= 0 || norm <= maxNorm) return { grads: grads.map((g) => g.clone()), norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}

/**
 * The same rule with the norm and the scale on the device: scale = maxNorm / (norm + 1e-6) where the norm
 * exceeds maxNorm, else 1. Returns the clipped gradients and the norm tensor (the caller disposes both).
 */
export function clipByGlobalNormOnDevice(
  grads: readonly tf.Tensor[],
  maxNorm: number,
): { grads: tf.Tensor[]; norm: tf.Scalar } {
  const norm = globalNormTensor(grads);
  if (maxNorm <= 0) return { grads: grads.map((g) => g.clone()), norm };
  const clipped = tf.tidy(() => {
    const scale = tf.where(tf.greater(norm, maxNorm), tf.div(maxNorm, tf.add(norm, 1e-6)), tf.scalar(1));
    return grads.map((g) => tf.mul(g, scale));
  });
  return { grads: clipped, norm };
}
