/**
 * `neural_ode` model: a latent ODE over padded sequences. A GRU reads the observed prefix in reverse time
 * (or an MLP reads the first step) and gives z₀; dz/dt = f(z, t) is a tanh MLP solved by dopri5, rk4 or
 * euler on each batch's union time grid (every sample keeps its own times; padding is masked); an MLP
 * decodes every z(tᵢ). Gradients by backprop through the solver or, with `adjoint`, by the adjoint ODE.
 *
 * Inputs per step: standardised features, and — only when `training.observe` is set and only within the
 * observed prefix — the standardised observed targets and their mask, plus the scaled time. Without
 * `observe` the encoder reads step 0's features only (no target enters the model). Times are divided by the
 * largest training time so the solver works on [0, ~1]. The loss (the `ctx.loss` plugin, MSE by default)
 * is computed on standardised targets, so targets of different units weigh alike.
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type {
  FitContext,
  LossInstance,
  ModelInstance,
  PluginDefinition,
  Prediction,
} from "../../core/plugin.ts";
import type { SampleSet } from "../../core/sample.ts";
import { selectBackend } from "../../lib/nn/backend.ts";
import { maskedMean } from "../../lib/nn/loss_terms.ts";
import { ParamStore } from "../../lib/nn/param_store.ts";
import { SeededRandom } from "../../lib/nn/seeded_random.ts";
import { directionOf } from "../../lib/nn/target_directions.ts";
import { trainModel } from "../../lib/nn/trainer.ts";
import { resolveTrainingSettings } from "../../lib/nn/training_settings.ts";
import { loadWeightsInto, readWeightsMeta, saveWeights } from "../../lib/nn/weights_io.ts";
import { type LatentOdeBatch, LatentOdeNet } from "../../lib/ode/latent_ode_net.ts";
import type { OdeOpOptions } from "../../lib/ode/tensor_op.ts";

const options = z.strictObject({
  latent_dim: z.int().min(1).default(16),
  hidden: z.int().min(1).default(64),
  dynamics_layers: z.int().min(1).default(2),
  encoder: z.enum(["gru", "mlp"]).default("gru"),
  encoder_hidden: z.int().min(1).default(32),
  decoder_hidden: z.int().min(1).default(32),
  solver: z.enum(["dopri5", "rk4", "euler"]).default("dopri5"),
  adjoint: z.boolean().default(false),
  rtol: z.number().positive().default(1e-3),
  atol: z.number().positive().default(1e-4),
  /** Fixed-step solvers: steps per interval between consecutive union-grid times. */
  steps_per_interval: z.int().min(1).default(2),
  seed: z.int().default(0),
});
type Options = z.infer<typeof options>;

/** What `training.observe` says is seen: the first `rpts` steps and/or the steps with t ≤ `days`. */
interface Observe {
  rpts?: number;
  days?: number;
}

/** Everything beyond the weights that predict needs. */
interface NodeMeta {
  options: Options;
  featureNames: string[];
  targetNames: string[];
  xMean: number[];
  xStd: number[];
  yMean: number[];
  yStd: number[];
  timeScale: number;
  observe: Observe | null;
}

/** Latent trajectories of the last `predict`: N·T·latent values and the step times. */
export interface LatentTrajectories {
  z: Float32Array;
  shape: [number, number, number];
  t: Float32Array;
  lengths: Int32Array;
}

class NeuralOde implements ModelInstance {
  readonly accepts = { layouts: ["sequence" as const], loss: true };
  #store: ParamStore | null = null;
  #net: LatentOdeNet | null = null;
  #meta: NodeMeta | null = null;
  #latents: LatentTrajectories | null = null;

  /** `seed` (the run's) and `opts.seed` together seed the weights and the batch order. */
  constructor(readonly opts: Options, readonly seed: number) {}

  async fit(train: SampleSet, val: SampleSet | undefined, ctx: FitContext) {
    await selectBackend("wasm");
    const settings = resolveTrainingSettings(ctx.training);
    this.#meta = fitMeta(train, this.opts, parseObserve(ctx.training.observe));
    this.#build(this.#meta, train);
    const trainBatches = (rows: number[]) => toBatch(train, rows, this.#meta!);
    const valAll = val ? toBatch(val, range(val.n), this.#meta) : null;
    const result = await trainModel({
      params: this.#store!.list(),
      lossFn: (rows) => this.#loss(trainBatches(rows), ctx.loss),
      batchWeight: (rows) => rows.reduce((a, r) => a + observedCount(train, r), 0),
      nTrain: train.n,
      valLoss: valAll ? () => tf.tidy(() => this.#loss(valAll, ctx.loss, false).dataSync()[0]) : undefined,
      settings,
      epochs: ctx.iterations,
      seed: this.seed + this.opts.seed,
      quiet: true,
      label: "neural_ode",
      onEpoch: (r) => ctx.metrics?.({ train_loss: r.trainLoss, val_loss: r.valLoss }, r.epoch),
    });
    return { bestIteration: result.bestEpoch, history: { ...result.history } };
  }

  // deno-lint-ignore require-await
  async predict(set: SampleSet): Promise<Prediction> {
    const meta = this.#ready();
    checkNames(set, meta);
    const { latent } = this.#net!.shape;
    const K = meta.targetNames.length, T = set.steps;
    const y = new Float32Array(set.n * T * K), zs = new Float32Array(set.n * T * latent);
    for (let start = 0; start < set.n; start += 64) {
      const rows = range(Math.min(64, set.n - start)).map((i) => start + i);
      tf.tidy(() => {
        const out = this.#net!.forward(toBatch(set, rows, meta).net, this.#solveOptions(false));
        y.set(out.y.dataSync(), start * T * K);
        zs.set(out.z.dataSync(), start * T * latent);
      });
    }
    const mask = new Uint8Array(y.length);
    for (let i = 0; i < set.n; i++) {
      for (let s = 0; s < T; s++) {
        for (let k = 0; k < K; k++) {
          const at = (i * T + s) * K + k;
          mask[at] = s < set.lengths[i] ? 1 : 0;
          y[at] = mask[at] ? y[at] * meta.yStd[k] + meta.yMean[k] : 0;
        }
      }
    }
    this.#latents = { z: zs, shape: [set.n, T, latent], t: set.t.slice(), lengths: set.lengths.slice() };
    return { y, yShape: [set.n, T, K], mask };
  }

  /** Latent trajectories z(t) of the last predict (for plots). */
  latents(): LatentTrajectories | null {
    return this.#latents;
  }

  async save(dir: string) {
    await saveWeights(dir, "neural_ode", this.#storeReady(), this.#ready());
  }

  async load(dir: string) {
    await selectBackend("wasm");
    const meta = await readWeightsMeta(dir, "neural_ode") as NodeMeta;
    this.#build(meta);
    await loadWeightsInto(dir, "neural_ode", this.#store!);
  }

  #build(meta: NodeMeta, _train?: SampleSet): void {
    this.#store?.dispose();
    this.#meta = meta;
    this.#store = new ParamStore();
    const o = meta.options;
    const K = meta.targetNames.length;
    this.#net = new LatentOdeNet(
      {
        inputWidth: meta.featureNames.length + 2 * K + 1,
        targets: K,
        latent: o.latent_dim,
        dynamicsHidden: Array(o.dynamics_layers).fill(o.hidden),
        encoder: o.encoder,
        encoderHidden: o.encoder_hidden,
        decoderHidden: o.decoder_hidden,
      },
      this.#store,
      new SeededRandom(this.seed + o.seed),
    );
  }

  #solveOptions(differentiable: boolean): OdeOpOptions {
    const o = this.#ready().options;
    return o.solver === "dopri5"
      ? { method: "dopri5", rtol: o.rtol, atol: o.atol, adjoint: o.adjoint, differentiable }
      : { method: o.solver, stepsPerInterval: o.steps_per_interval, adjoint: o.adjoint, differentiable };
  }

  #loss(batch: PreparedBatch, loss: LossInstance | undefined, differentiable = true): tf.Scalar {
    const out = this.#net!.forward(batch.net, this.#solveOptions(differentiable));
    const shape: [number, number, number] = [batch.net.rows, batch.net.steps, batch.k];
    const yTrue = tf.tensor3d(batch.yStd, shape), mask = tf.tensor3d(batch.mask, shape);
    if (!loss) return maskedMean(tf.square(tf.sub(out.y, yTrue)), mask);
    const meta = this.#ready();
    return (loss as LossInstance<tf.Tensor>).compute(yTrue, out.y, {
      t: tf.tensor2d(batch.tRaw, [batch.net.rows, batch.net.steps]),
      mask,
      targetNames: meta.targetNames,
      directions: meta.targetNames.map((n) => directionOf(n)),
    }) as tf.Scalar;
  }

  #ready(): NodeMeta {
    if (!this.#meta || !this.#net) throw new Error("neural_ode: not fitted or loaded");
    return this.#meta;
  }

  #storeReady(): ParamStore {
    this.#ready();
    return this.#store!;
  }
}

/** A batch for the network plus the standardised targets, their mask and the raw times for the loss. */
interface PreparedBatch {
  net: LatentOdeBatch;
  yStd: Float32Array;
  mask: Float32Array;
  tRaw: Float32Array;
  k: number;
}

function parseObserve(raw: unknown): Observe | null {
  if (raw === undefined || raw === null) return null;
  const parsed = z.strictObject({ rpts: z.int().min(1).optional(), days: z.number().min(0).optional() })
    .safeParse(raw);
  if (!parsed.success) {
    throw new Error(`neural_ode: training.observe must be { rpts?, days }, found ${JSON.stringify(raw)}`);
  }
  return parsed.data;
}

/** Standardisation statistics over real (unmasked) entries, and the time scale, from the training set. */
function fitMeta(train: SampleSet, options: Options, observe: Observe | null): NodeMeta {
  const F = train.featureNames.length, K = train.targetNames.length, T = train.steps;
  const xs = Array.from({ length: F }, () => [] as number[]),
    ys = Array.from({ length: K }, () => [] as number[]);
  let tMax = 0;
  for (let i = 0; i < train.n; i++) {
    for (let s = 0; s < train.lengths[i]; s++) {
      const row = i * T + s;
      tMax = Math.max(tMax, Math.abs(train.t[row]));
      for (let f = 0; f < F; f++) if (Number.isFinite(train.x[row * F + f])) xs[f].push(train.x[row * F + f]);
      for (let k = 0; k < K; k++) if (train.yMask[row * K + k]) ys[k].push(train.y[row * K + k]);
    }
  }
  const mean = (v: number[]) => v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  const std = (v: number[]) => Math.sqrt(mean(v.map((a) => (a - mean(v)) ** 2))) || 1;
  return {
    options,
    featureNames: [...train.featureNames],
    targetNames: [...train.targetNames],
    xMean: xs.map(mean),
    xStd: xs.map(std),
    yMean: ys.map(mean),
    yStd: ys.map(std),
    timeScale: tMax > 0 ? tMax : 1,
    observe,
  };
}

/** Observed prefix length of sample i: the first `rpts` steps and/or the steps with t ≤ days (at least 1). */
function prefixLength(set: SampleSet, i: number, observe: Observe | null): number {
  const len = set.lengths[i];
  if (!observe) return 1;
  let p = len;
  if (observe.rpts !== undefined) p = Math.min(p, observe.rpts);
  if (observe.days !== undefined) {
    let d = 0;
    while (d < len && set.t[i * set.steps + d] <= observe.days) d++;
    p = Math.min(p, d);
  }
  return Math.max(1, p);
}

function toBatch(set: SampleSet, rows: number[], meta: NodeMeta): PreparedBatch {
  const F = meta.featureNames.length, K = meta.targetNames.length, T = set.steps, W = F + 2 * K + 1;
  const B = rows.length;
  const inputs = new Float32Array(B * T * W),
    yStd = new Float32Array(B * T * K),
    mask = new Float32Array(B * T * K);
  const t = new Float32Array(B * T), tRaw = new Float32Array(B * T);
  const prefix = new Int32Array(B), lengths = new Int32Array(B);
  rows.forEach((i, r) => {
    lengths[r] = set.lengths[i];
    prefix[r] = prefixLength(set, i, meta.observe);
    for (let s = 0; s < T; s++) {
      const src = i * T + s, dst = r * T + s;
      tRaw[dst] = s < set.lengths[i] ? set.t[src] : 0;
      t[dst] = tRaw[dst] / meta.timeScale;
      for (let k = 0; k < K; k++) {
        const on = s < set.lengths[i] && set.yMask[src * K + k] === 1;
        mask[dst * K + k] = on ? 1 : 0;
        yStd[dst * K + k] = on ? (set.y[src * K + k] - meta.yMean[k]) / meta.yStd[k] : 0;
      }
      if (s >= prefix[r]) continue;
      const at = dst * W;
      for (let f = 0; f < F; f++) {
        const v = set.x[src * F + f];
        inputs[at + f] = Number.isFinite(v) ? (v - meta.xMean[f]) / meta.xStd[f] : 0;
      }
      if (meta.observe) {
        for (let k = 0; k < K; k++) {
          inputs[at + F + k] = yStd[dst * K + k];
          inputs[at + F + K + k] = mask[dst * K + k];
        }
      }
      inputs[at + W - 1] = t[dst];
    }
  });
  return { net: { rows: B, steps: T, inputs, prefix, t, lengths }, yStd, mask, tRaw, k: K };
}

function observedCount(set: SampleSet, i: number): number {
  const K = set.targetNames.length, from = i * set.steps * K;
  let n = 0;
  for (let j = 0; j < set.lengths[i] * K; j++) n += set.yMask[from + j];
  return Math.max(1, n);
}

function checkNames(set: SampleSet, meta: NodeMeta): void {
  if (set.featureNames.join("\u0000") !== meta.featureNames.join("\u0000")) {
    throw new Error(`neural_ode was fitted on features [${meta.featureNames}], got [${set.featureNames}]`);
  }
  if (set.targetNames.join("\u0000") !== meta.targetNames.join("\u0000")) {
    throw new Error(`neural_ode was fitted on targets [${meta.targetNames}], got [${set.targetNames}]`);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The `neural_ode` model definition. */
const neuralOde: PluginDefinition<
  "model",
  Options,
  ModelInstance & { latents(): LatentTrajectories | null }
> = {
  kind: "model",
  name: "neural_ode",
  version: "1.0.0",
  apiVersion: 1,
  description:
    "Latent ODE: GRU/MLP encoder of the observed prefix, MLP dynamics (dopri5/rk4/euler), MLP decoder.",
  options,
  create: (opts, ctx) => new NeuralOde(opts, ctx.seed),
};
export default neuralOde;
