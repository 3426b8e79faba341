/** Layer normalisation over the last axis (Ba et al. 2016), with learned gain and bias. */
import * as tf from "@tensorflow/tfjs";
import { constantVariable } from "../init.ts";
import type { ParamStore } from "../../train/mod.ts";

/** Gain (ones) and bias (zeros) of one LayerNorm. */
export interface LayerNormParams {
  gain: tf.Variable;
  bias: tf.Variable;
}

/** Creates `<name>.gain` and `<name>.bias` of width `dim`. */
export function layerNormParams(store: ParamStore, name: string, dim: number): LayerNormParams {
  return {
    gain: store.add(`${name}.gain`, constantVariable([dim], 1)),
    bias: store.add(`${name}.bias`, constantVariable([dim], 0)),
  };
}

/** (x − mean) / √(var + ε) · gain + bias over the last axis (ε = 1e-5, as torch). */
export function layerNorm(x: tf.Tensor, p: LayerNormParams, epsilon = 1e-5): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), p.gain), p.bias);
}
