/**
 * `mlp` model: a multilayer perceptron on tabular samples (T = 1), trained with the configured loss
 * (masked MSE when none) and `training.*` settings by the shared trainer: early stopping on the inner
 * validation set, refit with `ctx.iterations` epochs. Features and targets are standardised on the
 * training set; predictions come back in target units, so losses such as MAPE see real values.
 */
import { z } from "zod";
import * as tf from "@tensorflow/tfjs";
import { defineModel, type FitContext, type Prediction, type SampleSet } from "../../mod.ts";
import {
  type BackendRequest,
  countsPerSample,
  ParamStore,
  smokeFit,
  type TensorSet,
} from "../../lib/train/mod.ts";
import { SeededRandom } from "../../lib/random/mod.ts";
import { buildMlp, type DenseParams, forwardMlp, type MlpConfig } from "../../lib/nn/mod.ts";
import { fitStandardizer, type Standardizer } from "../../lib/features/mod.ts";
import { requireFittedFeatures, tfjsModel, trainNetwork } from "./tfjs_model.ts";
import { startTrainingBackend } from "./training_backend.ts";

const options = z.strictObject({
  hidden: z.array(z.int().min(1)).default([32, 32]),
  activation: z.enum(["relu", "tanh"]).default("relu"),
  /** Folder for training checkpoints (resumed when present); none by default. */
  checkpoint_dir: z.string().optional(),
});
type Options = z.infer<typeof options>;

/** Everything besides the weights that a restored model needs. */
type MlpMeta = {
  cfg: MlpConfig;
  featureNames: string[];
  targetNames: string[];
  features: Standardizer;
  targets: Standardizer;
  /** The `training.backend` request of the fit, used again on restore so predictions match. */
  backend: BackendRequest;
};

/** A built network with its scaling. */
interface MlpState {
  meta: MlpMeta;
  store: ParamStore;
  layers: DenseParams[];
}

function requireTabular(set: SampleSet, what: string): void {
  if (set.steps !== 1) {
    throw new Error(`mlp takes tabular samples (T = 1); the ${what} set has T = ${set.steps}`);
  }
  const F = set.featureNames.length;
  const bad = set.x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new Error(
      `mlp: feature '${set.featureNames[bad % F]}' is missing (NaN) in the ${what} set (cell ` +
        `${
          set.meta.cellKey[Math.floor(bad / F)]
        }); choose features without gaps or a model that handles them (lgbm)`,
    );
  }
}

function build(meta: MlpMeta, rng: { uniform(): number }): MlpState {
  const store = new ParamStore();
  return { meta, store, layers: buildMlp(store, meta.cfg, rng) };
}

/** Predictions in target units: the network works on standardised values. */
function forward(state: MlpState, x: tf.Tensor): tf.Tensor {
  const out = forwardMlp(state.layers, state.meta.cfg, x as tf.Tensor2D);
  return tf.add(tf.mul(out, state.meta.targets.std), state.meta.targets.mean);
}

function tensorsOf(set: SampleSet, meta: MlpMeta): TensorSet {
  const F = set.featureNames.length, K = set.targetNames.length;
  const x = Float32Array.from(set.x, (v, i) => (v - meta.features.mean[i % F]) / meta.features.std[i % F]);
  const y = Float32Array.from(set.y, (v, i) => (set.yMask[i] ? v : 0));
  return {
    n: set.n,
    x: tf.tensor2d(x, [set.n, F]),
    y: tf.tensor2d(y, [set.n, K]),
    mask: tf.tensor2d(Float32Array.from(set.yMask), [set.n, K]),
    counts: countsPerSample(set.yMask, set.n),
  };
}

function disposeSet(s: TensorSet | undefined): void {
  if (s) tf.dispose([s.x, s.y, s.mask]);
}

function metaFor(train: SampleSet, opts: Options, backend: BackendRequest): MlpMeta {
  const F = train.featureNames.length, K = train.targetNames.length;
  return {
    cfg: { inputDim: F, hidden: opts.hidden, activation: opts.activation, outputs: K },
    featureNames: [...train.featureNames],
    targetNames: [...train.targetNames],
    features: fitStandardizer(train.x, F, () => true),
    targets: fitStandardizer(train.y, K, (r, k) => train.yMask[r * K + k] === 1),
    backend,
  };
}

async function fitMlp(opts: Options, train: SampleSet, val: SampleSet | undefined, ctx: FitContext) {
  const settings = ctx.training;
  const meta = metaFor(train, opts, settings.backend);
  // With `auto`, WebGPU is taken only if one optimizer step of this network trains on it.
  await startTrainingBackend(settings.backend, settings.blas, (l) => ctx.log.info(l), {
    smoke: () =>
      smokeFit({
        build: () => {
          const s = build(meta, new SeededRandom(0));
          return { store: s.store, forward: (x) => forward(s, x) };
        },
        data: () => tensorsOf(train, meta),
        targetNames: train.targetNames,
        settings,
      }),
  });
  requireTabular(train, "training");
  if (val) requireTabular(val, "validation");
  const state = build(meta, ctx.rng);
  return await trainNetwork({
    name: "mlp",
    options: opts,
    net: state,
    forward: (x) => forward(state, x),
    train,
    val,
    trainTensors: tensorsOf(train, state.meta),
    valTensors: val ? tensorsOf(val, state.meta) : undefined,
    dispose: disposeSet,
  }, ctx);
}

async function predictMlp(state: MlpState, set: SampleSet): Promise<Prediction> {
  requireTabular(set, "prediction");
  requireFittedFeatures("mlp", state.meta.featureNames, set);
  const tensors = tensorsOf(set, state.meta);
  try {
    const out = tf.tidy(() => forward(state, tensors.x));
    const y = await out.data() as Float32Array;
    out.dispose();
    return { y, yShape: [set.n, 1, state.meta.targetNames.length], mask: new Uint8Array(y.length).fill(1) };
  } finally {
    disposeSet(tensors);
  }
}

/** The `mlp` model definition. */
const mlp = defineModel({
  kind: "model",
  name: "mlp",
  version: "1.0.0",
  apiVersion: 1,
  description: "Multilayer perceptron on tabular samples, trained with a loss plugin (default MSE).",
  options,
  create: (opts: Options) =>
    tfjsModel({
      name: "mlp",
      accepts: { layouts: ["tabular"], loss: true },
      build,
      backend: (meta: MlpMeta) => meta.backend,
      fit: (train, val, ctx) => fitMlp(opts, train, val, ctx),
      predict: predictMlp,
    }),
});
export default mlp;
