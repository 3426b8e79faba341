/**
 * `acla` model: attention over the observed prefix → CNN-LSTM encoder → augmented latent ODE → per-step
 * output at each requested time (lib/ode/acla_net.ts). Unlike the original ACLA, whose ODE starts from
 * step 0 after attention over the whole sequence (so later steps leak into the initial state), the
 * encoder here is causal and its state is read at the forecast origin: a forecast depends on the observed
 * prefix and the schedule of RPT times only.
 *
 * Forecasting (`evaluation.observe`), anchoring and prefix draws work as in `lstm_attn`
 * (plugins/models/sequence_forecaster.ts); anchored, the forecast is the last observed value plus
 * dec(z(τ)) − dec(z(0)). Without `evaluation.observe` the origin is each sequence's first step. On wasm
 * and cpu the ODE solver runs in float64 on the host; on WebGPU (by name: `auto` means wasm, as for
 * neural_ode — a latent ODE is many tiny kernels) it is tensor work on the device, planned before each
 * forward pass from the batch's inputs on the host (lib/ode/acla_net.ts `planAcla`).
 */
import { z } from "zod";
import { defineModel } from "../../mod.ts";
import {
  type AclaConfig,
  type AclaParams,
  type AclaSchedule,
  buildAcla,
  forwardAcla,
  planAcla,
} from "../../lib/ode/mod.ts";
import { anchorChannels, inputWidth } from "../../lib/sequence/mod.ts";
import { createForecaster, type ForecasterInstance, type SequenceNetwork } from "./sequence_forecaster.ts";

const options = z.strictObject({
  /** Width of the embedding the prefix attention runs on (a multiple of heads). */
  embed: z.int().min(1).default(16),
  heads: z.int().min(1).default(2),
  channels: z.int().min(1).default(16),
  kernel: z.int().min(1).default(3),
  hidden: z.int().min(1).default(16),
  latent: z.int().min(1).default(4),
  /** ANODE's extra zero-initialised state dimensions. */
  augment: z.int().min(0).default(2),
  dynamics_hidden: z.array(z.int().min(1)).default([16]),
  decoder_hidden: z.int().min(1).default(16),
  solver: z.enum(["rk4", "euler", "dopri5"]).default("rk4"),
  /** Fixed-step solvers: steps between consecutive requested times. */
  steps_per_interval: z.int().min(1).default(2),
  anchor: z.boolean().default(true),
  /** Anchored forecasts change from the last observed value, or from the fade-rate baseline (a correction). */
  anchor_baseline: z.enum(["last_value", "fade_rate"]).default("last_value"),
  prefix_draws: z.int().min(0).default(8),
  min_prefix: z.int().min(1).default(2),
  checkpoint_dir: z.string().optional(),
});
type Options = z.infer<typeof options>;

function network(o: Options): SequenceNetwork<AclaConfig, AclaParams> {
  // The schedule `prepare` made for the next forward pass, taken by it (one forward per prepare).
  let next: { schedule: AclaSchedule; training: boolean } | null = null;
  return {
    name: "acla",
    backends: ["wasm", "cpu", "webgpu"],
    configure(spec, targets) {
      const anchor = anchorChannels(spec);
      return {
        inputDim: inputWidth(spec),
        embed: o.embed,
        heads: o.heads,
        channels: o.channels,
        kernel: o.kernel,
        hidden: o.hidden,
        latent: o.latent,
        augment: o.augment,
        dynamicsHidden: o.dynamics_hidden,
        decoderHidden: o.decoder_hidden,
        outputs: targets,
        timeChannel: spec.features.mean.length,
        anchor: anchor ? { yAnchor: anchor.yAnchor, tau: anchor.tau } : undefined,
        solver: o.solver,
        stepsPerInterval: o.steps_per_interval,
      };
    },
    build: buildAcla,
    async prepare(p, cfg, batch, training) {
      next = { schedule: await planAcla(p, cfg, batch, training), training };
    },
    forward(p, cfg, _spec, x, stepMask) {
      if (!next) throw new Error("acla: a forward pass without its schedule (prepare the batch first)");
      const { schedule, training } = next;
      next = null;
      return forwardAcla(p, cfg, x, stepMask, schedule, training);
    },
  };
}

/** The `acla` model definition. */
const acla = defineModel({
  kind: "model",
  name: "acla",
  version: "1.0.0",
  apiVersion: 1,
  description: "Prefix attention → CNN-LSTM encoder → augmented latent ODE; causal forecasts from a prefix.",
  options,
  create: (o: Options): ForecasterInstance => createForecaster(network(o), o),
});
export default acla;
