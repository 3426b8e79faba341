/**
 * A fully connected layer y = x·W + b over the last axis of an input of any rank. Inside a mixed-precision
 * training step (lib/train/_precision.ts) the product x·W runs in float16 with float32 accumulation; the
 * bias add and everything else stay float32.
 */
import * as tf from "@tensorflow/tfjs";
import { constantVariable, glorotUniform, heNormal } from "../init.ts";
import { matMulMixed } from "../kernels/matmul_f16_webgpu.ts";
import { halfPrecisionMatmuls, type ParamStore } from "../../train/mod.ts";
import type { UniformRandom } from "../../random/mod.ts";

/** Parameters of one dense layer. */
export interface DenseParams {
  w: tf.Variable;
  b: tf.Variable;
}

/** Creates `<name>.w` (Glorot, or He for ReLU layers) and `<name>.b` (zeros) in `store`. */
export function denseParams(
  store: ParamStore,
  name: string,
  inDim: number,
  outDim: number,
  rng: UniformRandom,
  init: "glorot" | "he" = "glorot",
): DenseParams {
  const w = init === "he" ? heNormal([inDim, outDim], rng) : glorotUniform([inDim, outDim], rng);
  return { w: store.add(`${name}.w`, w), b: store.add(`${name}.b`, constantVariable([outDim], 0)) };
}

/** x·W + b; higher-rank inputs are flattened to 2-D first (wasm's fast matmul path has no batch axis). */
export function dense(x: tf.Tensor, p: DenseParams): tf.Tensor {
  const [inDim, outDim] = p.w.shape as [number, number];
  if (x.rank === 2) return tf.add(product(x as tf.Tensor2D, p.w as tf.Tensor2D), p.b);
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
  return tf.reshape(tf.add(product(flat, p.w as tf.Tensor2D), p.b), [...lead, outDim]);
}

function product(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return halfPrecisionMatmuls() ? matMulMixed(x, w) : tf.matMul(x, w);
}
