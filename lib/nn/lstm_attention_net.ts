/**
 * LSTM → multi-head self-attention (residual + LayerNorm) → linear head. Sequence-to-sequence gives one
 * output per step; sequence-to-one pools the attended states (the last valid step, or the mean over
 * valid steps). A bidirectional LSTM reads the whole sequence, which would let a later input change an
 * earlier output even under causal attention, so `bidirectional` is only honoured when attention is not
 * causal (the model plugin turns it off in forecasting mode too).
 */
import * as tf from "@tensorflow/tfjs";
import { multiHeadAttention } from "./kernels/attention.ts";
import { lstmSequence } from "./kernels/lstm_sequence.ts";
import { bidirectionalLstmSequence } from "./kernels/bidirectional_lstm.ts";
import { attentionBias, type AttentionParams, attentionParams, selfAttention } from "./layers/_attention.ts";
import { dense, type DenseParams, denseParams } from "./layers/dense.ts";
import { layerNorm, type LayerNormParams, layerNormParams } from "./layers/_layer_norm.ts";
import { lstm, type LstmParams, lstmParams } from "./layers/_lstm.ts";
import type { ParamStore } from "../train/mod.ts";
import type { UniformRandom } from "../random/mod.ts";

/** Architecture of the network. */
export interface LstmAttentionConfig {
  inputDim: number;
  hidden: number;
  heads: number;
  bidirectional: boolean;
  causal: boolean;
  outputs: number;
  mode: "seq2seq" | "seq2one";
  pooling: "last" | "mean";
}

/** The network's parameters. */
export interface LstmAttentionParams {
  forward: LstmParams;
  backward?: LstmParams;
  attention: AttentionParams;
  norm: LayerNormParams;
  head: DenseParams;
}

/** What a forward pass returns: outputs (B, T, K) or (B, K) and attention weights (B, heads, T, T). */
export interface LstmAttentionOutput {
  y: tf.Tensor;
  weights: tf.Tensor4D;
}

/** Creates every parameter in `store` from the seeded `rng`. */
export function buildLstmAttention(
  store: ParamStore,
  cfg: LstmAttentionConfig,
  rng: UniformRandom,
): LstmAttentionParams {
  if (cfg.bidirectional && cfg.causal) {
    throw new RangeError(
      "a bidirectional LSTM sees future steps: it cannot be combined with causal attention",
    );
  }
  const width = cfg.hidden * (cfg.bidirectional ? 2 : 1);
  return {
    forward: lstmParams(store, "lstm_fwd", cfg.inputDim, cfg.hidden, rng),
    backward: cfg.bidirectional ? lstmParams(store, "lstm_bwd", cfg.inputDim, cfg.hidden, rng) : undefined,
    attention: attentionParams(store, "attn", width, cfg.heads, rng),
    norm: layerNormParams(store, "norm", width),
    head: denseParams(store, "head", width, cfg.outputs, rng),
  };
}

/** Forward pass of x (B, T, F) with the step mask (B, T) (1 = real step). */
export function forwardLstmAttention(
  p: LstmAttentionParams,
  cfg: LstmAttentionConfig,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
): LstmAttentionOutput {
  const { states, output, weights } = onHost()
    ? fusedCore(p, cfg, x, stepMask)
    : referenceCore(p, cfg, x, stepMask);
  const attended = layerNorm(tf.add(states, output), p.norm) as tf.Tensor3D;
  if (cfg.mode === "seq2seq") return { y: dense(attended, p.head), weights };
  return { y: dense(pool(attended, stepMask, cfg.pooling), p.head), weights };
}

/** LSTM states, attention output (before the residual) and weights. */
interface Core {
  states: tf.Tensor3D;
  output: tf.Tensor3D;
  weights: tf.Tensor4D;
}

/**
 * The fused ops read their inputs back to the host (`dataSync`), which is cheap on wasm/cpu and not
 * available on WebGPU (synchronous reads need a canvas there): other backends keep the plain-tfjs layers.
 */
function onHost(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === "cpu";
}

/** Fused ops (lib/nn/kernels): the same maths as the plain layers, masks included (checked equal in
 * tests/lib/nn/kernels), with a few kernels instead of thousands per step. */
function fusedCore(
  p: LstmAttentionParams,
  cfg: LstmAttentionConfig,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
): Core {
  const timeMajor = tf.transpose(x, [1, 0, 2]) as tf.Tensor3D;
  const maskTB = tf.transpose(stepMask) as tf.Tensor2D;
  const weights = (lp: LstmParams) => ({
    w: lp.w as tf.Tensor2D,
    u: lp.u as tf.Tensor2D,
    b: lp.b as tf.Tensor1D,
  });
  const f = weights(p.forward);
  // Both directions in one op: its output is already [forward | backward] (no concat, no split gradient).
  const timeMajorStates = p.backward
    ? bidirectionalLstmSequence(timeMajor, f, weights(p.backward), maskTB)
    : lstmSequence(timeMajor, f.w, f.u, f.b, false, maskTB);
  const states = tf.transpose(timeMajorStates, [1, 0, 2]) as tf.Tensor3D;
  const a = p.attention;
  const heads = multiHeadAttention(
    dense(states, a.q) as tf.Tensor3D,
    dense(states, a.k) as tf.Tensor3D,
    dense(states, a.v) as tf.Tensor3D,
    { heads: a.heads, keyMask: stepMask, causal: cfg.causal, weights: true },
  );
  return { states, output: dense(heads.output, a.out) as tf.Tensor3D, weights: heads.weights! };
}

/** The plain-tfjs layers (any backend). */
function referenceCore(
  p: LstmAttentionParams,
  cfg: LstmAttentionConfig,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
): Core {
  const fwd = lstm(x, stepMask, p.forward);
  const states = p.backward ? tf.concat([fwd, lstm(x, stepMask, p.backward, true)], 2) as tf.Tensor3D : fwd;
  const { output, weights } = selfAttention(states, attentionBias(stepMask, cfg.causal), p.attention);
  return { states, output, weights };
}

/** (B, T, d) → (B, d): the last valid step, or the mean over valid steps. */
function pool(h: tf.Tensor3D, stepMask: tf.Tensor2D, how: "last" | "mean"): tf.Tensor2D {
  const m = tf.expandDims(stepMask, 2);
  if (how === "mean") return tf.div(tf.sum(tf.mul(h, m), 1), tf.sum(m, 1)) as tf.Tensor2D;
  // One-hot of the last valid step: mask(s) − mask(s+1) (padding is a suffix).
  const [b, steps] = stepMask.shape;
  const next = tf.concat([tf.slice(stepMask, [0, 1], [b, steps - 1]), tf.zeros([b, 1])], 1);
  const last = tf.expandDims(tf.sub(stepMask, next), 2);
  return tf.sum(tf.mul(h, last), 1) as tf.Tensor2D;
}
