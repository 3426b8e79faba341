/**
 * An LSTM over padded sequences (Hochreiter & Schmidhuber 1997; gate order i, f, g, o as torch). Padding
 * is a suffix, so a step mask m (B, T) keeps the state where m = 0: h ← m·h_new + (1 − m)·h. Run
 * backwards, the state therefore stays zero through the padding and starts at each sequence's own last
 * step — a reversed direction never sees padding.
 */
import * as tf from "@tensorflow/tfjs";
import { glorotUniform } from "../init.ts";
import type { ParamStore } from "../../train/mod.ts";
import type { UniformRandom } from "../../random/mod.ts";

/** Input weights W (F, 4H), recurrent weights U (H, 4H), bias (4H). */
export interface LstmParams {
  w: tf.Variable;
  u: tf.Variable;
  b: tf.Variable;
  hidden: number;
}

/** Creates `<name>.w`, `<name>.u` and `<name>.b`; the forget-gate bias starts at 1 (Jozefowicz et al. 2015). */
export function lstmParams(
  store: ParamStore,
  name: string,
  inDim: number,
  hidden: number,
  rng: UniformRandom,
): LstmParams {
  const bias = new Float32Array(4 * hidden);
  bias.fill(1, hidden, 2 * hidden);
  return {
    w: store.add(`${name}.w`, glorotUniform([inDim, 4 * hidden], rng)),
    u: store.add(`${name}.u`, glorotUniform([hidden, 4 * hidden], rng)),
    b: store.add(`${name}.b`, tf.variable(tf.tensor1d(bias), true)),
    hidden,
  };
}

/** Hidden states (B, T, H) of `x` (B, T, F) under the step mask (B, T); `reverse` runs from the end. */
export function lstm(x: tf.Tensor3D, stepMask: tf.Tensor2D, p: LstmParams, reverse = false): tf.Tensor3D {
  const [b, steps, f] = x.shape;
  const H = p.hidden;
  // One large input product for all steps; only the recurrent product stays inside the loop.
  const projected = tf.reshape(
    tf.add(tf.matMul(tf.reshape(x, [b * steps, f]) as tf.Tensor2D, p.w as tf.Tensor2D), p.b),
    [b, steps, 4 * H],
  );
  const inputs = tf.unstack(tf.transpose(projected, [1, 0, 2])) as tf.Tensor2D[];
  const masks = tf.unstack(tf.transpose(tf.reshape(stepMask, [b, steps, 1]), [1, 0, 2])) as tf.Tensor2D[];
  let h: tf.Tensor2D = tf.zeros([b, H]);
  let c: tf.Tensor2D = tf.zeros([b, H]);
  const outputs: tf.Tensor2D[] = new Array(steps);
  const order = reverse ? [...Array(steps).keys()].reverse() : [...Array(steps).keys()];
  for (const s of order) {
    const z = tf.add(inputs[s], tf.matMul(h, p.u as tf.Tensor2D));
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    const cNew = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
    const hNew = tf.mul(tf.sigmoid(zo), tf.tanh(cNew));
    const m = masks[s];
    c = tf.add(tf.mul(m, cNew), tf.mul(tf.sub(1, m), c)) as tf.Tensor2D;
    h = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h)) as tf.Tensor2D;
    outputs[s] = h;
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}
