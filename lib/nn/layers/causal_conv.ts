/**
 * Causal 1-D convolution over the steps of a sequence: out_s = b + Σ_j x_{s−j} W_j (j < kernel), zero
 * before the first step, so an output never reads a later step (forecasting stays causal). Written as
 * `kernel` shifted matrix products rather than tf.conv1d: the same plain ops on every backend, with their
 * gradients, and a kernel of 2–3 steps costs no more.
 */
import * as tf from "@tensorflow/tfjs";
import { glorotUniform } from "../init.ts";
import type { ParamStore } from "../../train/mod.ts";
import type { UniformRandom } from "../../random/mod.ts";

/** Weights (kernel, inDim, outDim): W_j multiplies the input j steps back; bias (outDim). */
export interface CausalConvParams {
  w: tf.Variable;
  b: tf.Variable;
  kernel: number;
}

/** Creates `<name>.w` (Glorot over the kernel's fan-in) and `<name>.b` (zeros) in `store`. */
export function causalConvParams(
  store: ParamStore,
  name: string,
  inDim: number,
  outDim: number,
  kernel: number,
  rng: UniformRandom,
): CausalConvParams {
  return {
    w: store.add(`${name}.w`, glorotUniform([kernel, inDim, outDim], rng, [kernel * inDim, outDim])),
    b: store.add(`${name}.b`, tf.variable(tf.zeros([outDim]))),
    kernel,
  };
}

/** x (B, T, inDim) → (B, T, outDim), causal; padding steps of x only reach padding steps of the output. */
export function causalConv(x: tf.Tensor3D, p: CausalConvParams): tf.Tensor3D {
  const [b, steps, inDim] = x.shape;
  const outDim = p.w.shape[2]!;
  let sum: tf.Tensor = tf.zeros([b * steps, outDim]);
  for (let j = 0; j < Math.min(p.kernel, steps); j++) {
    // x shifted j steps later: zeros for the first j steps, then x_0 … x_{T−1−j}.
    const shifted = j === 0
      ? x
      : tf.concat([tf.zeros([b, j, inDim]), tf.slice(x, [0, 0, 0], [b, steps - j, inDim])], 1);
    const wj = tf.reshape(tf.slice(p.w, [j, 0, 0], [1, inDim, outDim]), [inDim, outDim]) as tf.Tensor2D;
    sum = tf.add(sum, tf.matMul(tf.reshape(shifted, [b * steps, inDim]) as tf.Tensor2D, wj));
  }
  return tf.reshape(tf.add(sum, p.b), [b, steps, outDim]) as tf.Tensor3D;
}
