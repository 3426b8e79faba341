/**
 * CNN-LSTM: per-step causal 1-D convolutions over the feature sequence (local patterns across
 * neighbouring RPTs, e.g. a change of fade rate) with ReLU, then the LSTM → multi-head self-attention →
 * head of lstm_attention_net.ts on the convolved channels. Always unidirectional and, when `causal`, with
 * causal attention: with a causal convolution no output reads a later step.
 */
import * as tf from "@tensorflow/tfjs";
import { causalConv, type CausalConvParams, causalConvParams } from "./layers/causal_conv.ts";
import {
  buildLstmAttention,
  forwardLstmAttention,
  type LstmAttentionConfig,
  type LstmAttentionOutput,
  type LstmAttentionParams,
} from "./lstm_attention_net.ts";
import type { ParamStore } from "../train/mod.ts";
import type { UniformRandom } from "../random/mod.ts";

/** Architecture: the convolution stack in front of an LSTM-attention network (unidirectional). */
export interface CnnLstmConfig {
  inputDim: number;
  /** Output channels of each convolution layer, in order. */
  channels: readonly number[];
  /** Steps each convolution reads (the current one and kernel − 1 before it). */
  kernel: number;
  hidden: number;
  heads: number;
  causal: boolean;
  outputs: number;
}

/** The network's parameters. */
export interface CnnLstmParams {
  convs: CausalConvParams[];
  core: LstmAttentionParams;
}

/** The LSTM-attention part's configuration (sequence to sequence, unidirectional). */
export function coreConfig(cfg: CnnLstmConfig): LstmAttentionConfig {
  return {
    inputDim: cfg.channels.length ? cfg.channels[cfg.channels.length - 1] : cfg.inputDim,
    hidden: cfg.hidden,
    heads: cfg.heads,
    bidirectional: false,
    causal: cfg.causal,
    outputs: cfg.outputs,
    mode: "seq2seq",
    pooling: "last",
  };
}

/** Creates every parameter in `store` from the seeded `rng`. */
export function buildCnnLstm(store: ParamStore, cfg: CnnLstmConfig, rng: UniformRandom): CnnLstmParams {
  const widths = [cfg.inputDim, ...cfg.channels];
  const convs = cfg.channels.map((_, l) =>
    causalConvParams(store, `conv.${l}`, widths[l], widths[l + 1], cfg.kernel, rng)
  );
  return { convs, core: buildLstmAttention(store, coreConfig(cfg), rng) };
}

/** The convolution stack: x (B, T, F) → (B, T, channels), ReLU after each layer. */
export function convolve(p: CnnLstmParams, x: tf.Tensor3D): tf.Tensor3D {
  return p.convs.reduce((h, c) => tf.relu(causalConv(h, c)) as tf.Tensor3D, x);
}

/** Forward pass of x (B, T, F) with the step mask (B, T): outputs (B, T, K) and attention weights. */
export function forwardCnnLstm(
  p: CnnLstmParams,
  cfg: CnnLstmConfig,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
): LstmAttentionOutput {
  // Padding is a suffix and the convolution reads only earlier steps: no real step's window reaches it.
  return forwardLstmAttention(p.core, coreConfig(cfg), convolve(p, x), stepMask);
}
