/**
 * The latent ODE network of the `neural_ode` model (Rubanova et al. 2019, without the variational part):
 * a GRU runs over the observed prefix in reverse time and its final state gives z₀ (or an MLP reads the
 * first step only); z(t) follows dz/dt = f(z, t), a tanh MLP solved by lib/ode; a tanh MLP decodes every
 * z(tᵢ) into the targets. Per-sample time grids: the batch is solved once over the union of its times.
 *
 * On the host backends (wasm, cpu) the solve is one fused op running the float64 solver (tensor_op.ts); on
 * a GPU backend it is tensor work on the device (device_solve.ts), whose dopri5 steps are planned first,
 * asynchronously (`planSolve`), because a step-size decision needs a read the gradient tape cannot wait for.
 */
import * as tf from "@tensorflow/tfjs";
import { type DenseParams, denseParams, glorotUniform } from "../nn/mod.ts";
import { hostBackend, type ParamStore } from "../train/mod.ts";
import type { UniformRandom } from "../random/mod.ts";
import { MlpField, type MlpFieldShape } from "./mlp_field.ts";
import type { SolveStats } from "./solve.ts";
import { odeint, type OdeOpOptions } from "./tensor_op.ts";
import { deviceOdeint, mlpDynamics, planSolve, type SolvePlan } from "./device_solve.ts";
import { unionTimeGrid } from "./time_grid.ts";

/** Widths and choices of the network. */
export interface LatentOdeShape {
  inputWidth: number;
  targets: number;
  latent: number;
  dynamicsHidden: readonly number[];
  encoder: "gru" | "mlp";
  encoderHidden: number;
  decoderHidden: number;
}

/** A batch as the network reads it (row-major Float32Arrays). */
export interface LatentOdeBatch {
  rows: number;
  steps: number;
  /** rows × steps × inputWidth encoder inputs (zeros outside the observed prefix). */
  inputs: Float32Array;
  /** rows: observed prefix length (≥ 1) fed to the encoder. */
  prefix: Int32Array;
  /** rows × steps solver times (scaled), lengths say which are real. */
  t: Float32Array;
  lengths: Int32Array;
}

/** Trajectories and decoded outputs of one forward pass. */
export interface LatentOdeOutput {
  /** rows × steps × latent. */
  z: tf.Tensor3D;
  /** rows × steps × targets. */
  y: tf.Tensor3D;
  stats: SolveStats;
}

interface GruParams {
  w: tf.Variable;
  u: tf.Variable;
  b: tf.Variable;
}

/** The network's parameters, registered in a ParamStore under stable names (for save/load). */
export class LatentOdeNet {
  readonly encoder: DenseParams[] = [];
  readonly gru?: GruParams;
  readonly dynamics: DenseParams[] = [];
  readonly decoder: DenseParams[] = [];
  readonly field: MlpFieldShape;

  constructor(readonly shape: LatentOdeShape, store: ParamStore, rng: UniformRandom) {
    const h = shape.encoderHidden;
    if (shape.encoder === "gru") {
      this.gru = {
        w: store.add("encoder.gru.w", glorotUniform([shape.inputWidth, 3 * h], rng)),
        u: store.add("encoder.gru.u", glorotUniform([h, 3 * h], rng)),
        b: store.add("encoder.gru.b", tf.variable(tf.zeros([3 * h]))),
      };
      this.encoder.push(denseParams(store, "encoder.out", h, shape.latent, rng));
    } else {
      this.encoder.push(denseParams(store, "encoder.0", shape.inputWidth, h, rng));
      this.encoder.push(denseParams(store, "encoder.1", h, shape.latent, rng));
    }
    this.field = { stateWidth: shape.latent, hidden: shape.dynamicsHidden, timeInput: true };
    const widths = [shape.latent + 1, ...shape.dynamicsHidden, shape.latent];
    for (let l = 0; l + 1 < widths.length; l++) {
      this.dynamics.push(denseParams(store, `dynamics.${l}`, widths[l], widths[l + 1], rng));
    }
    // Small last dynamics layer: the initial flow is gentle, so early solves take few steps.
    tf.tidy(() => {
      const last = this.dynamics[this.dynamics.length - 1].w;
      last.assign(tf.mul(last, 0.1));
    });
    this.decoder.push(denseParams(store, "decoder.0", shape.latent, shape.decoderHidden, rng));
    this.decoder.push(denseParams(store, "decoder.1", shape.decoderHidden, shape.targets, rng));
  }

  /** z₀ (rows × latent) from the observed prefix. */
  encode(batch: LatentOdeBatch): tf.Tensor2D {
    const { rows, steps, inputs } = batch;
    const x = tf.tensor3d(inputs, [rows, steps, this.shape.inputWidth]);
    if (!this.gru) {
      const first = tf.reshape(tf.slice(x, [0, 0, 0], [rows, 1, this.shape.inputWidth]), [rows, -1]);
      return mlp(first as tf.Tensor2D, this.encoder);
    }
    return mlp(this.#gruReverse(x, batch.prefix), this.encoder);
  }

  /**
   * Encode, solve on the batch's union time grid, decode. With `fromStart` the outputs are changes since
   * the solve's start, decode(z(t)) − decode(z₀): 0 at the first grid time, so an anchored forecast adds
   * them to the last observed value and starts exactly there.
   */
  forward(
    batch: LatentOdeBatch,
    solve: OdeOpOptions,
    opts: { fromStart?: boolean; plan?: SolvePlan | null } = {},
  ): LatentOdeOutput {
    const z0 = this.encode(batch);
    const grid = unionTimeGrid(batch.t, batch.lengths, batch.steps);
    const { y: z, stats } = hostBackend()
      ? odeint(
        (rows, theta) => new MlpField(this.field, rows, theta),
        z0,
        this.#dynamicsParams(),
        grid,
        solve,
      )
      : this.#deviceSolve(z0, grid, solve, opts.plan);
    const flat = tf.reshape(z, [batch.rows * batch.steps, this.shape.latent]) as tf.Tensor2D;
    const decoded = tf.reshape(mlp(flat, this.decoder), [batch.rows, batch.steps, this.shape.targets]);
    const y =
      (opts.fromStart ? tf.sub(decoded, tf.expandDims(mlp(z0, this.decoder), 1)) : decoded) as tf.Tensor3D;
    return { z, y, stats };
  }

  /**
   * The solve plan of `batch` on a GPU backend (its z₀ from the current weights): dopri5's accepted steps,
   * one read per attempt. Null on the host backends, which need none. Plan, then call `forward` with it
   * before the weights change.
   */
  async planSolve(batch: LatentOdeBatch, solve: OdeOpOptions): Promise<SolvePlan | null> {
    if (hostBackend()) return null;
    const z0 = tf.tidy(() => this.encode(batch));
    try {
      const grid = unionTimeGrid(batch.t, batch.lengths, batch.steps);
      const params = this.#dynamicsParams();
      return await planSolve((t, z) => mlpDynamics(this.field, params, t, z), z0, grid, solve);
    } finally {
      z0.dispose();
    }
  }

  #dynamicsParams(): tf.Tensor[] {
    return this.dynamics.flatMap((d) => [d.w, d.b]);
  }

  #deviceSolve(
    z0: tf.Tensor2D,
    grid: ReturnType<typeof unionTimeGrid>,
    solve: OdeOpOptions,
    plan: SolvePlan | null | undefined,
  ): { y: tf.Tensor3D; stats: SolveStats } {
    if (!plan) {
      throw new Error(
        `latent ODE on the ${tf.getBackend()} backend: call planSolve(batch) before forward (its step plan)`,
      );
    }
    return { y: deviceOdeint(this.field, z0, this.#dynamicsParams(), grid, plan, solve), stats: plan.stats };
  }

  /** GRU (torch gate order r, z, n) from each row's last observed step back to its first. */
  #gruReverse(x: tf.Tensor3D, prefix: Int32Array): tf.Tensor2D {
    const gru = this.gru!, [rows, , width] = x.shape, hidden = this.shape.encoderHidden;
    const longest = Math.max(...prefix);
    let h: tf.Tensor2D = tf.zeros([rows, hidden]);
    for (let s = longest - 1; s >= 0; s--) {
      const xs = tf.reshape(tf.slice(x, [0, s, 0], [rows, 1, width]), [rows, width]);
      const gx = tf.add(tf.matMul(xs, gru.w), gru.b);
      const gh = tf.matMul(h, gru.u);
      const [xr, xz, xn] = tf.split(gx, 3, 1), [hr, hz, hn] = tf.split(gh, 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr)), z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      const hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      // Rows whose prefix is shorter than s + 1 have not started yet: they keep h = 0.
      const live = tf.tensor2d(Float32Array.from(prefix, (p) => (s < p ? 1 : 0)), [rows, 1]);
      h = tf.add(tf.mul(live, hNew), tf.mul(tf.sub(1, live), h)) as tf.Tensor2D;
    }
    return h;
  }
}

/** Dense layers with tanh between them (none after the last). */
function mlp(x: tf.Tensor2D, layers: readonly DenseParams[]): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.add(tf.matMul(h, l.w as tf.Tensor2D), l.b);
    if (i + 1 < layers.length) h = tf.tanh(h);
  });
  return h;
}
