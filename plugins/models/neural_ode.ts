/**
 * `neural_ode` model: a latent ODE over padded sequences. A GRU reads the observed prefix in reverse time
 * (or an MLP reads the first step) and gives z₀; dz/dt = f(z, t) is a tanh MLP solved by dopri5, rk4 or
 * euler on each batch's union time grid (every sample keeps its own times; padding is masked); an MLP
 * decodes every z(tᵢ). Gradients by backprop through the solver or, with `adjoint`, by the adjoint ODE.
 *
 * Inputs per step (lib/sequence/sequence_inputs.ts): standardised features and time, and — only when forecasting
 * (`evaluation.observe` set) and only within the observed prefix — the standardised observed targets and
 * their mask. Without `observe` the encoder reads step 0's features only (no target enters the model).
 * The loss (the `ctx.loss` plugin, MSE by default) is computed on standardised targets, so targets of
 * different units weigh alike; when forecasting it counts only the steps after the prefix.
 *
 * Anchored forecasts (`anchor: true`, the default when forecasting; lib/sequence/forecast_anchor.ts): z₀ is the
 * state at the last observed step, the solve runs over the time since then, and the output is the last
 * observed value plus decode(z(τ)) − decode(z₀) — a forecast starts exactly where the data end, and the
 * network learns how a cell moves on rather than its level. The encoder also reads the prefix's anchor
 * value, its observed fade rates (recent and overall) and the time since the anchor; per-cell conditions
 * (e.g. `inv_temperature_1000_per_K`, `arrhenius`) come as pipeline features. Training shows each
 * training cell with `prefix_draws` observed prefixes drawn at random (seeded) from `min_prefix` to its
 * length − 1; validation (early stopping) uses the evaluation's own prefix.
 */
import * as tf from "@tensorflow/tfjs";
import { ParamStore, readAll, readLoss, trainModel, weightHistograms } from "../../lib/train/mod.ts";
import { maskedMean } from "../../lib/loss/mod.ts";
import { z } from "zod";
import {
  defineModel,
  type FitContext,
  type LossInstance,
  type Prediction,
  type SampleSet,
} from "../../mod.ts";
import {
  anchorChannels,
  directionOf,
  drawPrefixes,
  fitSequenceInputSpec,
  forecastAnchors,
  inputWidth,
  observeFrom,
  type ObserveSetting,
  selectSamples,
  sequenceInputs,
  type SequenceInputSpec,
  stampedPrefix,
} from "../../lib/sequence/mod.ts";
import { SeededRandom } from "../../lib/random/mod.ts";
import { type LatentOdeBatch, LatentOdeNet, type OdeOpOptions, type SolvePlan } from "../../lib/ode/mod.ts";
import { requireFittedFeatures, type TfjsModel, tfjsModel } from "./tfjs_model.ts";
import { startTrainingBackend } from "./training_backend.ts";

const options = z.strictObject({
  /** Small by default: the studies have a handful of training cells (six in Expt 5's holdout). */
  latent_dim: z.int().min(1).default(8),
  hidden: z.int().min(1).default(32),
  dynamics_layers: z.int().min(1).default(2),
  encoder: z.enum(["gru", "mlp"]).default("gru"),
  encoder_hidden: z.int().min(1).default(16),
  decoder_hidden: z.int().min(1).default(16),
  solver: z.enum(["dopri5", "rk4", "euler"]).default("dopri5"),
  adjoint: z.boolean().default(false),
  rtol: z.number().positive().default(1e-3),
  atol: z.number().positive().default(1e-4),
  /** Fixed-step solvers: steps per interval between consecutive union-grid times. */
  steps_per_interval: z.int().min(1).default(2),
  /** Forecasts as changes from the last observed value (only when forecasting; see above). */
  anchor: z.boolean().default(true),
  /** Observed-prefix lengths drawn per training cell when forecasting; 0 = the evaluation's prefix only. */
  prefix_draws: z.int().min(0).default(8),
  /** Shortest drawn prefix: two observations give a fade rate. */
  min_prefix: z.int().min(1).default(2),
  seed: z.int().default(0),
});
type Options = z.infer<typeof options>;

/** Everything beyond the weights that predict needs. */
type NodeMeta = {
  options: Options;
  featureNames: string[];
  targetNames: string[];
  /** Encoder input statistics (and whether the inputs carry the anchor channels). */
  spec: SequenceInputSpec;
  /** Divisor of times for the solver (the largest training time), so it works on [0, ~1]. */
  timeScale: number;
  observe: ObserveSetting | null;
  /** The backend the fit ran on (a restore predicts on it too). */
  backend: "wasm" | "cpu" | "webgpu";
};

/** Latent trajectories of the last `predict`: N·T·latent values and the step times. */
export interface LatentTrajectories {
  z: Float32Array;
  shape: [number, number, number];
  t: Float32Array;
  lengths: Int32Array;
}

/**
 * On wasm/cpu the solver is one fused op in float64 TypeScript; on WebGPU it is tensor work planned step by
 * step (lib/ode/device_solve.ts). `auto` means wasm: a latent ODE's work is thousands of tiny kernels, where
 * per-kernel overhead dominates (docs/results.md §6), so a GPU is no gain; ask for `webgpu` by name.
 */
function odeBackend(requested: string): "wasm" | "cpu" | "webgpu" {
  return requested === "cpu" || requested === "webgpu" ? requested : "wasm";
}

/** A built latent ODE network with the metadata it was built from. */
interface NodeNetwork {
  meta: NodeMeta;
  store: ParamStore;
  net: LatentOdeNet;
  /** GPU backends: the solve plan of the batch the next forward pass runs (null on wasm/cpu). */
  plan: SolvePlan | null;
}

function buildNetwork(meta: NodeMeta, rng: { uniform(): number }): NodeNetwork {
  const store = new ParamStore();
  const o = meta.options;
  const net = new LatentOdeNet(
    {
      inputWidth: inputWidth(meta.spec),
      targets: meta.targetNames.length,
      latent: o.latent_dim,
      dynamicsHidden: Array(o.dynamics_layers).fill(o.hidden),
      encoder: o.encoder,
      encoderHidden: o.encoder_hidden,
      decoderHidden: o.decoder_hidden,
    },
    store,
    rng,
  );
  return { meta, store, net, plan: null };
}

/** `seed` (the run's) and `opts.seed` together seed the weights, the prefix draws and the batch order. */
async function fitNode(
  opts: Options,
  runSeed: number,
  train: SampleSet,
  val: SampleSet | undefined,
  ctx: FitContext,
) {
  const settings = ctx.training;
  if (settings.backend === "auto") {
    ctx.log.info(
      "neural_ode: backend auto means wasm (a latent ODE is many tiny kernels; ask for webgpu by name)",
    );
  }
  const backend = odeBackend(settings.backend);
  await startTrainingBackend(backend, settings.blas, (l) => ctx.log.info(`neural_ode: ${l}`));
  const observe = observeFrom(ctx.observe);
  const seed = runSeed + opts.seed;
  const network = buildNetwork(fitMeta(train, opts, observe, backend), new SeededRandom(seed));
  const meta = network.meta;
  const trainSet = observe
    ? (() => {
      const draws = drawPrefixes(
        train.lengths,
        opts.prefix_draws,
        opts.min_prefix,
        new SeededRandom(seed + 7919),
        stampedPrefix(train),
      );
      return prepare(selectSamples(train, draws.sample), meta, draws.prefix);
    })()
    : prepare(train, meta);
  const valSet = val ? prepare(val, meta) : null;
  const result = await trainModel({
    params: network.store.list(),
    prepare: async (rows) => {
      network.plan = await network.net.planSolve(toBatch(trainSet, rows).net, solveOptions(meta, true));
    },
    lossFn: (rows) => lossOf(network, toBatch(trainSet, rows), ctx.loss),
    batchWeight: (rows) => rows.reduce((a, r) => a + trainSet.counts[r], 0),
    nTrain: trainSet.n,
    valLoss: valSet
      ? async () => {
        const batch = toBatch(valSet, range(valSet.n));
        network.plan = await network.net.planSolve(batch.net, solveOptions(meta, false));
        return await readLoss(tf.tidy(() => lossOf(network, batch, ctx.loss, false)));
      }
      : undefined,
    settings,
    epochs: ctx.iterations,
    maxSteps: ctx.optimizerSteps,
    seed,
    progress: ctx.progress,
    label: ctx.label ? `neural_ode ${ctx.label}` : "neural_ode",
    onEpoch: async (r) => {
      await ctx.metrics?.(
        { train_loss: r.trainLoss, val_loss: r.valLoss, learning_rate: r.learningRate },
        r.epoch,
      );
      await weightHistograms(network.store, ctx.histograms, r.epoch);
    },
  });
  return { net: network, result };
}

/** Predictions in target units (batches of 64 samples) and the latent trajectories z(t). */
async function predictNode(
  network: NodeNetwork,
  set: SampleSet,
): Promise<{ prediction: Prediction; latents: LatentTrajectories }> {
  const meta = network.meta;
  checkNames(set, meta);
  const { latent } = network.net.shape;
  const K = meta.targetNames.length, T = set.steps;
  const prepared = prepare(set, meta);
  const y = new Float32Array(set.n * T * K), zs = new Float32Array(set.n * T * latent);
  for (let start = 0; start < set.n; start += 64) {
    const rows = range(Math.min(64, set.n - start)).map((i) => start + i);
    const batch = toBatch(prepared, rows);
    network.plan = await network.net.planSolve(batch.net, solveOptions(meta, false));
    const out = tf.tidy(() => forwardNode(network, batch, false));
    const [yPart, zPart] = await readAll([out.y, out.z]);
    tf.dispose([out.y, out.z]);
    y.set(yPart, start * T * K);
    zs.set(zPart, start * T * latent);
  }
  const { mean, std } = meta.spec.targets;
  const mask = new Uint8Array(y.length);
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < T; s++) {
      for (let k = 0; k < K; k++) {
        const at = (i * T + s) * K + k;
        mask[at] = s < set.lengths[i] ? 1 : 0;
        y[at] = mask[at] ? y[at] * std[k] + mean[k] : 0;
      }
    }
  }
  return {
    prediction: { y, yShape: [set.n, T, K], mask },
    latents: { z: zs, shape: [set.n, T, latent], t: set.t.slice(), lengths: set.lengths.slice() },
  };
}

function solveOptions(meta: NodeMeta, differentiable: boolean): OdeOpOptions {
  const o = meta.options;
  return o.solver === "dopri5"
    ? { method: "dopri5", rtol: o.rtol, atol: o.atol, adjoint: o.adjoint, differentiable }
    : { method: o.solver, stepsPerInterval: o.steps_per_interval, adjoint: o.adjoint, differentiable };
}

/** Standardised predictions: anchored ones are the anchor plus the decoded change since the origin. */
function forwardNode(
  network: NodeNetwork,
  batch: PreparedBatch,
  differentiable: boolean,
): { y: tf.Tensor3D; z: tf.Tensor3D } {
  const anchored = batch.yAnchor !== null;
  const out = network.net.forward(batch.net, solveOptions(network.meta, differentiable), {
    fromStart: anchored,
    plan: network.plan,
  });
  if (!batch.yAnchor) return out;
  const K = batch.k;
  return { y: tf.add(out.y, tf.tensor3d(batch.yAnchor, [batch.net.rows, 1, K])), z: out.z };
}

function lossOf(
  network: NodeNetwork,
  batch: PreparedBatch,
  loss: LossInstance | undefined,
  differentiable = true,
): tf.Scalar {
  const out = forwardNode(network, batch, differentiable);
  const shape: [number, number, number] = [batch.net.rows, batch.net.steps, batch.k];
  const yTrue = tf.tensor3d(batch.yStd, shape), mask = tf.tensor3d(batch.mask, shape);
  if (!loss) return maskedMean(tf.square(tf.sub(out.y, yTrue)), mask);
  const meta = network.meta;
  return (loss as LossInstance<tf.Tensor>).compute(yTrue, out.y, {
    t: tf.tensor2d(batch.tRaw, [batch.net.rows, batch.net.steps]),
    mask,
    targetNames: meta.targetNames,
    directions: meta.targetNames.map((n) => directionOf(n)),
  }) as tf.Scalar;
}

/** The instance type: a model plus `latents()`. */
export interface NeuralOdeInstance extends TfjsModel<NodeNetwork> {
  /** Latent trajectories z(t) of the last predict (for plots; null before any). */
  latents(): LatentTrajectories | null;
}

function createNeuralOde(opts: Options, runSeed: number): NeuralOdeInstance {
  let latents: LatentTrajectories | null = null;
  const model = tfjsModel({
    name: "neural_ode",
    accepts: { layouts: ["sequence"], loss: true },
    build: buildNetwork,
    backend: (meta: NodeMeta) => meta.backend,
    fit: (train, val, ctx) => fitNode(opts, runSeed, train, val, ctx),
    async predict(network, set) {
      const out = await predictNode(network, set);
      latents = out.latents;
      return out.prediction;
    },
  });
  return { ...model, latents: () => latents };
}

/** A set prepared once for the network: encoder inputs, solver times, standardised targets, loss mask. */
interface PreparedSet {
  n: number;
  steps: number;
  k: number;
  width: number;
  inputs: Float32Array;
  prefix: Int32Array;
  /** Solver times: (t − t_anchor)⁺ / timeScale when anchored (the solve starts at the anchor), else t / timeScale. */
  tSolve: Float32Array;
  tRaw: Float32Array;
  lengths: Int32Array;
  yStd: Float32Array;
  mask: Float32Array;
  /** N·K standardised anchors (0 = the training mean where the prefix never observed a target), or null. */
  yAnchor: Float32Array | null;
  /** Per sample: targets the loss counts (the sample's weight in an epoch's mean loss). */
  counts: Float64Array;
}

/** A batch for the network plus the standardised targets, their mask and the raw times for the loss. */
interface PreparedBatch {
  net: LatentOdeBatch;
  yStd: Float32Array;
  mask: Float32Array;
  tRaw: Float32Array;
  yAnchor: Float32Array | null;
  k: number;
}

/** Input statistics from the training set, and the time scale (its largest time). */
function fitMeta(
  train: SampleSet,
  options: Options,
  observe: ObserveSetting | null,
  backend: NodeMeta["backend"],
): NodeMeta {
  let tMax = 0;
  for (let i = 0; i < train.n; i++) {
    for (let s = 0; s < train.lengths[i]; s++) tMax = Math.max(tMax, Math.abs(train.t[i * train.steps + s]));
  }
  return {
    options,
    featureNames: [...train.featureNames],
    targetNames: [...train.targetNames],
    spec: fitSequenceInputSpec(train, observe !== null, options.anchor),
    timeScale: tMax > 0 ? tMax : 1,
    observe,
    backend,
  };
}

/**
 * The network's view of `set`: `prefix` observed steps per sample (default: the evaluation's prefix when
 * forecasting, else step 0's features only — no target enters the model). When forecasting, the loss
 * counts only the steps after the prefix, the ones a forecast is scored on.
 */
function prepare(set: SampleSet, meta: NodeMeta, prefix?: Int32Array): PreparedSet {
  const T = set.steps, K = meta.targetNames.length, spec = meta.spec;
  const forecasting = meta.observe !== null;
  const observed = prefix ??
    (meta.observe ? stampedPrefix(set) : new Int32Array(set.n).fill(1));
  const inputs = sequenceInputs(set, spec, forecasting ? observed : null);
  const anchors = anchorChannels(spec) ? forecastAnchors(set, observed) : null;
  const tSolve = new Float32Array(set.n * T), tRaw = new Float32Array(set.n * T);
  const yStd = new Float32Array(set.n * T * K), mask = new Float32Array(set.n * T * K);
  const counts = new Float64Array(set.n);
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < set.lengths[i]; s++) {
      const row = i * T + s;
      tRaw[row] = set.t[row];
      tSolve[row] = anchors
        ? Math.max(0, set.t[row] - anchors.tAnchor[i]) / meta.timeScale
        : set.t[row] / meta.timeScale;
      for (let k = 0; k < K; k++) {
        const on = set.yMask[row * K + k] === 1 && (!forecasting || s >= observed[i]);
        mask[row * K + k] = on ? 1 : 0;
        counts[i] += on ? 1 : 0;
        yStd[row * K + k] = set.yMask[row * K + k]
          ? (set.y[row * K + k] - spec.targets.mean[k]) / spec.targets.std[k]
          : 0;
      }
    }
  }
  const yAnchor = anchors
    ? Float32Array.from(
      anchors.yAnchor,
      (v, j) => Number.isFinite(v) ? (v - spec.targets.mean[j % K]) / spec.targets.std[j % K] : 0,
    )
    : null;
  return {
    n: set.n,
    steps: T,
    k: K,
    width: inputWidth(spec),
    inputs,
    prefix: Int32Array.from(observed, (p, i) => Math.max(1, Math.min(p, set.lengths[i]))),
    tSolve,
    tRaw,
    lengths: set.lengths,
    yStd,
    mask,
    yAnchor,
    counts,
  };
}

/** Rows `rows` of a prepared set as one network batch. */
function toBatch(set: PreparedSet, rows: number[]): PreparedBatch {
  const T = set.steps, K = set.k, W = set.width;
  const take = (a: Float32Array, width: number) => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((i, r) => out.set(a.subarray(i * width, (i + 1) * width), r * width));
    return out;
  };
  return {
    net: {
      rows: rows.length,
      steps: T,
      inputs: take(set.inputs, T * W),
      prefix: Int32Array.from(rows, (i) => set.prefix[i]),
      t: take(set.tSolve, T),
      lengths: Int32Array.from(rows, (i) => set.lengths[i]),
    },
    yStd: take(set.yStd, T * K),
    mask: take(set.mask, T * K),
    tRaw: take(set.tRaw, T),
    yAnchor: set.yAnchor ? take(set.yAnchor, K) : null,
    k: K,
  };
}

function checkNames(set: SampleSet, meta: NodeMeta): void {
  requireFittedFeatures("neural_ode", meta.featureNames, set);
  if (set.targetNames.join("\u0000") !== meta.targetNames.join("\u0000")) {
    throw new Error(`neural_ode was fitted on targets [${meta.targetNames}], got [${set.targetNames}]`);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The `neural_ode` model definition. */
const neuralOde = defineModel({
  kind: "model",
  name: "neural_ode",
  version: "1.0.0",
  apiVersion: 1,
  description:
    "Latent ODE: GRU/MLP encoder of the observed prefix, MLP dynamics (dopri5/rk4/euler), MLP decoder.",
  options,
  create: (opts: Options, ctx) => createNeuralOde(opts, ctx.seed),
});
export default neuralOde;
