/**
 * Seeded weight initialisation (Glorot/Xavier uniform, He/Kaiming normal, zeros, constants) from a
 * random source the caller passes in — never Math.random — so the same seed gives the same network.
 */
import * as tf from "@tensorflow/tfjs";
import { normalFrom, type UniformRandom } from "../random/mod.ts";

/** Glorot uniform: U(−a, a) with a = √(6 / (fanIn + fanOut)); shape [fanIn, fanOut, …]. */
export function glorotUniform(shape: number[], rng: UniformRandom, fans?: [number, number]): tf.Variable {
  const [fanIn, fanOut] = fans ?? [shape[0], shape[1] ?? 1];
  const a = Math.sqrt(6 / (fanIn + fanOut));
  return fromValues(shape, () => (2 * rng.uniform() - 1) * a);
}

/** He normal: N(0, 2 / fanIn), for layers followed by ReLU-like activations; shape [fanIn, …]. */
export function heNormal(shape: number[], rng: UniformRandom, fanIn = shape[0]): tf.Variable {
  const sd = Math.sqrt(2 / fanIn);
  return fromValues(shape, () => sd * normalFrom(rng));
}

/** A variable filled with `value` (biases, LayerNorm gains). */
export function constantVariable(shape: number[], value = 0): tf.Variable {
  return tf.variable(tf.fill(shape, value, "float32"), true);
}

function fromValues(shape: number[], draw: () => number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = draw();
  return tf.variable(tf.tensor(values, shape, "float32"), true);
}
