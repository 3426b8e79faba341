/**
 * ACLA — attention, CNN-LSTM, augmented latent ODE — encoding only the observed prefix. The original
 * ACLA runs attention over the whole sequence and seeds its ODE from step 0, so later steps leak into the
 * initial state; here every stage is causal and the initial state is read at the forecast origin (the last
 * observed step), so it depends on the observed prefix alone:
 *
 *   inputs → dense embedding → causal self-attention over the prefix (residual + LayerNorm)
 *          → causal 1-D convolution (ReLU) → LSTM → state at the origin → z₀ = tanh(dense(h))
 *          → [z₀, 0…0] (ANODE: `augment` extra zero-initialised dimensions give the flow room to move
 *            trajectories past each other) → dz/dτ = f(z), a tanh MLP solved by lib/ode
 *          → decoder MLP at each requested time τ = t − t_origin (0 for steps up to the origin).
 *
 * Anchored (forecasting with anchor channels): ŷ = anchor + dec(z(τ)) − dec(z(0)), so the forecast starts
 * exactly at the last observed value. Without an observed prefix (estimation framing) the origin is the
 * first step and ŷ = dec(z(τ)).
 *
 * A forward pass needs host numbers of its inputs — each row's origin and times decide the solve's time grid
 * — so it runs on a schedule made beforehand from the inputs as host arrays (`planAcla`, asynchronous): on
 * wasm/cpu the ODE is the float64 host solver of lib/ode (one op); on a GPU backend it is tensor work on the
 * device (device_solve.ts) and the schedule also holds the solve's plan (dopri5's accepted steps, one read
 * per attempt). Nothing in a forward pass reads a tensor back.
 */
import * as tf from "@tensorflow/tfjs";
import {
  attentionBias,
  type AttentionParams,
  attentionParams,
  causalConv,
  type CausalConvParams,
  causalConvParams,
  dense,
  type DenseParams,
  denseParams,
  layerNorm,
  type LayerNormParams,
  layerNormParams,
  lstm,
  type LstmParams,
  lstmParams,
  selfAttention,
} from "../nn/mod.ts";
import { hostBackend, type ParamStore } from "../train/mod.ts";
import type { UniformRandom } from "../random/mod.ts";
import { deviceOdeint, mlpDynamics, planSolve, type SolvePlan } from "./device_solve.ts";
import { MlpField, type MlpFieldShape } from "./mlp_field.ts";
import { odeint, type OdeOpOptions } from "./tensor_op.ts";
import { type TimeGrid, unionTimeGrid } from "./time_grid.ts";

/** Widths, the input channels the network reads and the solver. */
export interface AclaConfig {
  inputDim: number;
  /** Width of the embedding the attention runs on (a multiple of `heads`). */
  embed: number;
  heads: number;
  channels: number;
  kernel: number;
  hidden: number;
  latent: number;
  /** ANODE's extra zero-initialised dimensions. */
  augment: number;
  dynamicsHidden: number[];
  decoderHidden: number;
  outputs: number;
  /** Input channel of the standardised step time. */
  timeChannel: number;
  /** Input channels of the anchors (K of them) and of τ when anchored; absent otherwise. */
  anchor?: { yAnchor: number; tau: number };
  solver: "rk4" | "euler" | "dopri5";
  stepsPerInterval: number;
}

/** The network's parameters. */
export interface AclaParams {
  embed: DenseParams;
  attention: AttentionParams;
  norm: LayerNormParams;
  conv: CausalConvParams;
  lstm: LstmParams;
  toLatent: DenseParams;
  dynamics: DenseParams[];
  decoder: DenseParams[];
}

/** What a forward pass returns: outputs (B, T, K), attention weights (B, heads, T, T), z (B, T, L + A). */
export interface AclaOutput {
  y: tf.Tensor3D;
  weights: tf.Tensor4D;
  z: tf.Tensor3D;
}

/** The field's shape: autonomous (τ is relative to the origin), over the augmented state. */
function fieldShape(cfg: AclaConfig): MlpFieldShape {
  return { stateWidth: cfg.latent + cfg.augment, hidden: cfg.dynamicsHidden, timeInput: false };
}

/** Creates every parameter in `store` from the seeded `rng`. */
export function buildAcla(store: ParamStore, cfg: AclaConfig, rng: UniformRandom): AclaParams {
  if (cfg.embed % cfg.heads !== 0) {
    throw new RangeError(`acla: embed (${cfg.embed}) must be a multiple of heads (${cfg.heads})`);
  }
  const width = cfg.latent + cfg.augment;
  const dynWidths = [width, ...cfg.dynamicsHidden, width];
  const dynamics = dynWidths.slice(1).map((w, l) =>
    denseParams(store, `dynamics.${l}`, dynWidths[l], w, rng)
  );
  // A gentle initial flow (small last layer): early solves stay close to z₀.
  tf.tidy(() => {
    const last = dynamics[dynamics.length - 1].w;
    last.assign(tf.mul(last, 0.1));
  });
  return {
    embed: denseParams(store, "embed", cfg.inputDim, cfg.embed, rng),
    attention: attentionParams(store, "attn", cfg.embed, cfg.heads, rng),
    norm: layerNormParams(store, "norm", cfg.embed),
    conv: causalConvParams(store, "conv", cfg.embed, cfg.channels, cfg.kernel, rng),
    lstm: lstmParams(store, "lstm", cfg.channels, cfg.hidden, rng),
    toLatent: denseParams(store, "to_latent", cfg.hidden, cfg.latent, rng),
    dynamics,
    decoder: [
      denseParams(store, "decoder.0", width, cfg.decoderHidden, rng),
      denseParams(store, "decoder.1", cfg.decoderHidden, cfg.outputs, rng),
    ],
  };
}

/** A batch's inputs on the host: x (rows·steps·width, row-major) and the step mask (rows·steps). */
export interface AclaHostInputs {
  x: ArrayLike<number>;
  stepMask: ArrayLike<number>;
  rows: number;
  steps: number;
  width: number;
}

/** What a forward pass needs decided beforehand from its inputs (see the module comment). */
export interface AclaSchedule {
  rows: number;
  steps: number;
  /** Per row: the forecast origin step, its length (≥ 1) and times τ (rows·steps). */
  origin: Int32Array;
  lengths: Int32Array;
  tau: Float32Array;
  grid: TimeGrid;
  /** GPU backends: the device solve's plan; null on wasm/cpu (the host solver plans as it goes). */
  plan: SolvePlan | null;
}

/**
 * Each sample's forecast origin (the last step with τ ≤ 0 when anchored, else step 0) and its times
 * τ = t − t_origin in standardised time units, clamped at 0 (steps up to the origin read z₀).
 */
export function originsAndTimes(
  cfg: AclaConfig,
  inputs: AclaHostInputs,
): { origin: Int32Array; tau: Float32Array; lengths: Int32Array } {
  const { rows: b, steps, width, x: xs, stepMask: m } = inputs;
  const origin = new Int32Array(b), tau = new Float32Array(b * steps), lengths = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    let len = 0;
    while (len < steps && m[i * steps + len] > 0) len++;
    lengths[i] = Math.max(1, len);
    if (cfg.anchor) {
      for (let s = 0; s < lengths[i]; s++) {
        if (xs[(i * steps + s) * width + cfg.anchor.tau] <= 0) origin[i] = s;
      }
    }
    const t0 = xs[(i * steps + origin[i]) * width + cfg.timeChannel];
    for (let s = 0; s < lengths[i]; s++) {
      tau[i * steps + s] = Math.max(0, xs[(i * steps + s) * width + cfg.timeChannel] - t0);
    }
  }
  return { origin, tau, lengths };
}

/**
 * The schedule of a forward pass on `inputs` with the current weights. On a GPU backend a dopri5 solve is
 * planned here from z₀ (the encoder runs once, outside any tape; each step attempt reads its error ratio);
 * rk4/euler plans follow from the times alone.
 */
export async function planAcla(
  p: AclaParams,
  cfg: AclaConfig,
  inputs: AclaHostInputs,
  differentiable = true,
): Promise<AclaSchedule> {
  const { origin, tau, lengths } = originsAndTimes(cfg, inputs);
  const grid = unionTimeGrid(tau, lengths, inputs.steps);
  const base = { rows: inputs.rows, steps: inputs.steps, origin, lengths, tau, grid, plan: null };
  if (hostBackend()) return base;
  const width = cfg.latent + cfg.augment;
  // A fixed-step plan never reads z₀: zeros stand in, and the encoder is not run for nothing.
  const z0 = cfg.solver === "dopri5"
    ? tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from(inputs.x), [inputs.rows, inputs.steps, inputs.width]);
      const mask = tf.tensor2d(Float32Array.from(inputs.stepMask), [inputs.rows, inputs.steps]);
      return augmented(cfg, encode(p, x, mask, origin).z0);
    })
    : tf.zeros([inputs.rows, width]) as tf.Tensor2D;
  try {
    const params = dynamicsParams(p);
    const rhs = (t: number, z: tf.Tensor2D) => mlpDynamics(fieldShape(cfg), params, t, z);
    return { ...base, plan: await planSolve(rhs, z0, grid, solveOptions(cfg, differentiable)) };
  } finally {
    z0.dispose();
  }
}

function solveOptions(cfg: AclaConfig, differentiable: boolean): OdeOpOptions {
  return cfg.solver === "dopri5"
    ? { method: "dopri5", differentiable }
    : { method: cfg.solver, stepsPerInterval: cfg.stepsPerInterval, differentiable };
}

function dynamicsParams(p: AclaParams): tf.Tensor[] {
  return p.dynamics.flatMap((d) => [d.w, d.b]);
}

/** [z₀, 0…0]: ANODE's augmented initial state. */
function augmented(cfg: AclaConfig, z0: tf.Tensor2D): tf.Tensor2D {
  return cfg.augment > 0 ? tf.concat([z0, tf.zeros([z0.shape[0], cfg.augment])], 1) as tf.Tensor2D : z0;
}

/** The encoder: the state z₀ (B, latent) at each origin, and the attention weights. */
function encode(
  p: AclaParams,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
  origin: Int32Array,
): { z0: tf.Tensor2D; weights: tf.Tensor4D } {
  const [b, steps] = x.shape;
  // Keys: the real steps up to each origin (the observed prefix); causal on top.
  const prefix = tf.tensor2d(
    Float32Array.from({ length: b * steps }, (_, j) => (j % steps <= origin[Math.floor(j / steps)] ? 1 : 0)),
    [b, steps],
  );
  const keys = tf.mul(prefix, stepMask) as tf.Tensor2D;
  const e = dense(x, p.embed) as tf.Tensor3D;
  const { output, weights } = selfAttention(e, attentionBias(keys, true), p.attention);
  const attended = layerNorm(tf.add(e, output), p.norm) as tf.Tensor3D;
  const h = lstm(tf.relu(causalConv(attended, p.conv)) as tf.Tensor3D, stepMask, p.lstm);
  const oneHot = tf.tensor3d(
    Float32Array.from({ length: b * steps }, (_, j) => (j % steps === origin[Math.floor(j / steps)] ? 1 : 0)),
    [b, steps, 1],
  );
  const atOrigin = tf.sum(tf.mul(h, oneHot), 1) as tf.Tensor2D;
  return { z0: tf.tanh(dense(atOrigin, p.toLatent)) as tf.Tensor2D, weights };
}

function decode(z: tf.Tensor2D, layers: readonly DenseParams[]): tf.Tensor2D {
  return dense(tf.tanh(dense(z, layers[0])), layers[1]) as tf.Tensor2D;
}

/**
 * Forward pass of x (B, T, F) with the step mask (B, T) on the schedule `planAcla` made for these inputs:
 * standardised outputs, attention, latents.
 */
export function forwardAcla(
  p: AclaParams,
  cfg: AclaConfig,
  x: tf.Tensor3D,
  stepMask: tf.Tensor2D,
  schedule: AclaSchedule,
  differentiable = true,
): AclaOutput {
  const [b, steps] = x.shape, width = cfg.latent + cfg.augment;
  if (schedule.rows !== b || schedule.steps !== steps) {
    throw new RangeError(
      `acla: the schedule is for ${schedule.rows}×${schedule.steps} inputs, the forward pass got ${b}×${steps}`,
    );
  }
  if (!schedule.plan && !hostBackend()) {
    throw new Error(`acla on the ${tf.getBackend()} backend: plan the batch with planAcla on this backend`);
  }
  const { z0, weights } = encode(p, x, stepMask, schedule.origin);
  const z0Aug = augmented(cfg, z0);
  const solve = solveOptions(cfg, differentiable);
  const z = schedule.plan
    ? deviceOdeint(fieldShape(cfg), z0Aug, dynamicsParams(p), schedule.grid, schedule.plan, solve)
    : odeint(
      (rows, theta) => new MlpField(fieldShape(cfg), rows, theta),
      z0Aug,
      dynamicsParams(p),
      schedule.grid,
      solve,
    ).y;
  const decoded = tf.reshape(
    decode(tf.reshape(z, [b * steps, width]) as tf.Tensor2D, p.decoder),
    [b, steps, cfg.outputs],
  ) as tf.Tensor3D;
  if (!cfg.anchor) return { y: decoded, weights, z };
  const yAnchor = tf.slice(x, [0, 0, cfg.anchor.yAnchor], [b, steps, cfg.outputs]);
  const change = tf.sub(decoded, tf.expandDims(decode(z0Aug, p.decoder), 1));
  return { y: tf.add(yAnchor, change) as tf.Tensor3D, weights, z };
}
