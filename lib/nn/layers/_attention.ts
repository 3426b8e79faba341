/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017) over padded sequences. Keys at
 * padded steps are never attended; with `causal`, step s attends only to steps ≤ s, so a later input
 * cannot change an earlier output. Returns the attention weights for explanation.
 */
import * as tf from "@tensorflow/tfjs";
import { dense, type DenseParams, denseParams } from "./dense.ts";
import type { ParamStore } from "../../train/mod.ts";
import type { UniformRandom } from "../../random/mod.ts";

/** Query, key, value and output projections of width d. */
export interface AttentionParams {
  q: DenseParams;
  k: DenseParams;
  v: DenseParams;
  out: DenseParams;
  heads: number;
}

/** Creates `<name>.{q,k,v,out}` projections; `dim` must be divisible by `heads`. */
export function attentionParams(
  store: ParamStore,
  name: string,
  dim: number,
  heads: number,
  rng: UniformRandom,
): AttentionParams {
  if (dim % heads !== 0) throw new RangeError(`attention width ${dim} is not divisible by ${heads} heads`);
  const proj = (part: string) => denseParams(store, `${name}.${part}`, dim, dim, rng);
  return { q: proj("q"), k: proj("k"), v: proj("v"), out: proj("out"), heads };
}

/** Additive mask (B, 1, T, T): 0 where query s may attend key j, −1e9 elsewhere. */
export function attentionBias(stepMask: tf.Tensor2D, causal: boolean): tf.Tensor4D {
  const [b, steps] = stepMask.shape;
  let allowed: tf.Tensor = tf.reshape(stepMask, [b, 1, 1, steps]);
  if (causal) {
    const lower = tf.linalg.bandPart(tf.ones([steps, steps]), -1, 0);
    allowed = tf.mul(allowed, tf.reshape(lower, [1, 1, steps, steps]));
  }
  return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor4D;
}

/** Self-attention of x (B, T, d): output (B, T, d) and weights (B, heads, T, T). */
export function selfAttention(
  x: tf.Tensor3D,
  bias: tf.Tensor4D,
  p: AttentionParams,
): { output: tf.Tensor3D; weights: tf.Tensor4D } {
  const [b, steps, d] = x.shape;
  const dh = d / p.heads;
  const split = (t: tf.Tensor) =>
    tf.transpose(tf.reshape(t, [b, steps, p.heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
  const q = split(dense(x, p.q)), k = split(dense(x, p.k)), v = split(dense(x, p.v));
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), bias);
  const weights = tf.softmax(scores, -1) as tf.Tensor4D;
  const merged = tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [b, steps, d]);
  return { output: dense(merged, p.out) as tf.Tensor3D, weights };
}
