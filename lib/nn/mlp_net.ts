/** A multilayer perceptron: dense layers with ReLU or tanh between them, linear output. */
import * as tf from "@tensorflow/tfjs";
import { dense, type DenseParams, denseParams } from "./layers/dense.ts";
import type { ParamStore } from "../train/mod.ts";
import type { UniformRandom } from "../random/mod.ts";

/** Architecture of the MLP. */
export interface MlpConfig {
  inputDim: number;
  hidden: number[];
  activation: "relu" | "tanh";
  outputs: number;
}

/** Creates the layers (He initialisation for ReLU, Glorot for tanh and the output layer). */
export function buildMlp(store: ParamStore, cfg: MlpConfig, rng: UniformRandom): DenseParams[] {
  const widths = [cfg.inputDim, ...cfg.hidden, cfg.outputs];
  return widths.slice(1).map((out, i) => {
    const last = i === widths.length - 2;
    return denseParams(
      store,
      `layer${i}`,
      widths[i],
      out,
      rng,
      !last && cfg.activation === "relu" ? "he" : "glorot",
    );
  });
}

/** Forward pass of x (B, F) → (B, K). */
export function forwardMlp(layers: readonly DenseParams[], cfg: MlpConfig, x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor = x;
  layers.forEach((layer, i) => {
    h = dense(h, layer);
    if (i < layers.length - 1) h = cfg.activation === "relu" ? tf.relu(h) : tf.tanh(h);
  });
  return h as tf.Tensor2D;
}
