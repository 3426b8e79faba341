/**
 * `cnn_lstm` model: per-step causal 1-D convolutions over the feature sequence → LSTM → multi-head
 * self-attention (residual + LayerNorm) → linear head, one output per step (lib/nn/cnn_lstm_net.ts). The
 * convolution reads only the current and earlier steps and the LSTM is unidirectional, so with causal
 * attention (the default, and always when forecasting) no output reads a later step.
 *
 * Forecasting (`evaluation.observe`), anchoring and prefix draws work as in `lstm_attn`
 * (plugins/models/sequence_forecaster.ts): the output at step s is the last observed value plus the time
 * since it times a rate the network predicts. Trains on wasm or cpu; the plain-tfjs path it falls back to
 * off the host also runs on WebGPU, which is not tested here.
 */
import { z } from "zod";
import { defineModel } from "../../mod.ts";
import { buildCnnLstm, type CnnLstmConfig, type CnnLstmParams, forwardCnnLstm } from "../../lib/nn/mod.ts";
import { inputWidth } from "../../lib/sequence/mod.ts";
import {
  anchoredByRate,
  createForecaster,
  type ForecasterInstance,
  type SequenceNetwork,
} from "./sequence_forecaster.ts";

const options = z.strictObject({
  /** Output channels of each causal convolution layer. */
  channels: z.array(z.int().min(1)).min(1).default([16]),
  /** Steps each convolution reads: the current RPT and kernel − 1 before it. */
  kernel: z.int().min(1).default(3),
  hidden: z.int().min(1).default(16),
  heads: z.int().min(1).default(2),
  causal: z.boolean().default(true),
  anchor: z.boolean().default(true),
  /** Anchored forecasts change from the last observed value, or from the fade-rate baseline (a correction). */
  anchor_baseline: z.enum(["last_value", "fade_rate"]).default("last_value"),
  prefix_draws: z.int().min(0).default(8),
  min_prefix: z.int().min(1).default(2),
  checkpoint_dir: z.string().optional(),
});
type Options = z.infer<typeof options>;

function network(o: Options): SequenceNetwork<CnnLstmConfig, CnnLstmParams> {
  return {
    name: "cnn_lstm",
    configure: (spec, targets, forecasting) => ({
      inputDim: inputWidth(spec),
      channels: o.channels,
      kernel: o.kernel,
      hidden: o.hidden,
      heads: o.heads,
      causal: o.causal || forecasting,
      outputs: targets,
    }),
    build: buildCnnLstm,
    forward(p, cfg, spec, x, stepMask) {
      const out = forwardCnnLstm(p, cfg, x, stepMask);
      return { y: anchoredByRate(spec, x, out.y as typeof x), weights: out.weights };
    },
  };
}

/** The `cnn_lstm` model definition. */
const cnnLstm = defineModel({
  kind: "model",
  name: "cnn_lstm",
  version: "1.0.0",
  apiVersion: 1,
  description: "Causal 1-D convolutions → LSTM → attention on sequences; forecasts from a prefix.",
  options,
  create: (o: Options): ForecasterInstance => createForecaster(network(o), o),
});
export default cnnLstm;
