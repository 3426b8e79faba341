/**
 * `lstm_attn` model: LSTM → multi-head self-attention with residual and LayerNorm → linear head, on
 * sequence samples. Sequence-to-sequence (one output per step) or sequence-to-one (pooled: the last valid
 * step or the mean; the target is the last valid step's). Padding is never attended; attention is causal
 * by default. A bidirectional LSTM reads the future, so it is used only with non-causal attention and
 * never when forecasting: with `causal: true` (the default) or `evaluation.observe` set the LSTM is
 * unidirectional whatever `bidirectional` says (a log line says so).
 *
 * Forecasting (`evaluation.observe` = { rpts } or { days }): inputs beyond the observed prefix carry the
 * last observed features forward and hide targets; the observed targets are input channels; every step
 * within the length is predicted. `attention()` returns the weights of the last `predict`.
 *
 * Anchored forecasts (`anchor: true`, the default when forecasting; lib/sequence/forecast_anchor.ts): the
 * output at step s is the last observed value plus (t_s − t_anchor) times a rate the network predicts,
 * so the forecast starts exactly where the observed data end and the network learns how a cell's target
 * moves on rather than its level. Every step also reads the prefix's anchor value, its observed fade
 * rates and the time since the anchor. Training shows each training cell with `prefix_draws` observed
 * prefixes drawn at random (seeded) from `min_prefix` to its length − 1 and counts only the steps after
 * each prefix, as the evaluation does; validation (early stopping) uses the evaluation's own prefix.
 */
import { z } from "zod";
import * as tf from "@tensorflow/tfjs";
import { defineModel, type FitContext, type Prediction, type SampleSet } from "../../mod.ts";
import {
  type BackendRequest,
  countsPerSample,
  ParamStore,
  readAll,
  smokeFit,
  type TensorSet,
} from "../../lib/train/mod.ts";
import {
  buildLstmAttention,
  forwardLstmAttention,
  type LstmAttentionConfig,
  type LstmAttentionParams,
} from "../../lib/nn/mod.ts";
import {
  anchorChannels,
  drawPrefixes,
  fitSequenceInputSpec,
  forecastMask,
  inputWidth,
  observeFrom,
  type ObserveSetting,
  selectSamples,
  sequenceInputs,
  type SequenceInputSpec,
  stampedPrefix,
  stepMaskOf,
} from "../../lib/sequence/mod.ts";
import { SeededRandom } from "../../lib/random/mod.ts";
import { requireFittedFeatures, type TfjsModel, tfjsModel, trainNetwork } from "./tfjs_model.ts";
import { startTrainingBackend } from "./training_backend.ts";

const options = z.strictObject({
  /** Small by default: the studies have a handful of training cells (six in Expt 5's holdout). */
  hidden: z.int().min(1).default(16),
  heads: z.int().min(1).default(2),
  bidirectional: z.boolean().default(true),
  causal: z.boolean().default(true),
  mode: z.enum(["seq2seq", "seq2one"]).default("seq2seq"),
  pooling: z.enum(["last", "mean"]).default("last"),
  /** Forecasts as changes from the last observed value (only when forecasting; see above). */
  anchor: z.boolean().default(true),
  /** Observed-prefix lengths drawn per training cell when forecasting; 0 = the evaluation's prefix only. */
  prefix_draws: z.int().min(0).default(8),
  /** Shortest drawn prefix: two observations give a fade rate. */
  min_prefix: z.int().min(1).default(2),
  /** Folder for training checkpoints (resumed when present); none by default. */
  checkpoint_dir: z.string().optional(),
});
type Options = z.infer<typeof options>;

/** Everything besides the weights that a restored model needs. */
type LstmAttnMeta = {
  cfg: LstmAttentionConfig;
  spec: SequenceInputSpec;
  observe: ObserveSetting | null;
  featureNames: string[];
  targetNames: string[];
  backend: BackendRequest;
};

interface LstmAttnState {
  meta: LstmAttnMeta;
  store: ParamStore;
  params: LstmAttentionParams;
}

/** Attention weights of the last prediction: N·heads·T·T, row s = what step s attended to. */
export interface AttentionMaps {
  weights: Float32Array;
  shape: [number, number, number, number];
  cellKeys: string[];
  lengths: Int32Array;
}

function build(meta: LstmAttnMeta, rng: { uniform(): number }): LstmAttnState {
  const store = new ParamStore();
  return { meta, store, params: buildLstmAttention(store, meta.cfg, rng) };
}

function forward(state: LstmAttnState, x: tf.Tensor, stepMask: tf.Tensor) {
  const out = forwardLstmAttention(state.params, state.meta.cfg, x as tf.Tensor3D, stepMask as tf.Tensor2D);
  const { mean, std } = state.meta.spec.targets;
  const anchor = anchorChannels(state.meta.spec);
  if (!anchor) return { y: tf.add(tf.mul(out.y, std), mean), weights: out.weights };
  // Anchored: ŷ = anchor + τ·rate, all in standardised units; the anchor and τ are input channels.
  const [n, T] = x.shape, K = mean.length;
  const yAnchor = tf.slice(x, [0, 0, anchor.yAnchor], [n, T, K]);
  const tau = tf.slice(x, [0, 0, anchor.tau], [n, T, 1]);
  const yStd = tf.add(yAnchor, tf.mul(tau, out.y));
  return { y: tf.add(tf.mul(yStd, std), mean), weights: out.weights };
}

/** Targets and mask per step (seq2seq) or at each sample's last valid step (seq2one). */
function targetsOf(
  set: SampleSet,
  mode: Options["mode"],
): { y: Float32Array; mask: Uint8Array; shape: number[] } {
  const T = set.steps, K = set.targetNames.length;
  const clean = Float32Array.from(set.y, (v, i) => (set.yMask[i] ? v : 0));
  if (mode === "seq2seq") return { y: clean, mask: set.yMask, shape: [set.n, T, K] };
  const y = new Float32Array(set.n * K), mask = new Uint8Array(set.n * K);
  for (let i = 0; i < set.n; i++) {
    const at = (i * T + set.lengths[i] - 1) * K;
    y.set(clean.subarray(at, at + K), i * K);
    mask.set(set.yMask.subarray(at, at + K), i * K);
  }
  return { y, mask, shape: [set.n, K] };
}

/**
 * Tensors of `set`; `observed` overrides the evaluation's prefix per sample (training draws). When
 * forecasting, the loss mask keeps only the steps after each prefix: the ones a forecast is scored on.
 */
function tensorsOf(
  set: SampleSet,
  meta: LstmAttnMeta,
  mode: Options["mode"],
  observed: Int32Array | null = meta.observe ? stampedPrefix(set) : null,
): TensorSet {
  const x = sequenceInputs(set, meta.spec, observed);
  const target = targetsOf(set, mode);
  const mask = observed && mode === "seq2seq" ? forecastMask(set, observed) : Float32Array.from(target.mask);
  return {
    n: set.n,
    x: tf.tensor3d(x, [set.n, set.steps, inputWidth(meta.spec)]),
    y: tf.tensor(target.y, target.shape),
    mask: tf.tensor(mask, target.shape),
    t: tf.tensor2d(set.t, [set.n, set.steps]),
    stepMask: tf.tensor2d(stepMaskOf(set), [set.n, set.steps]),
    counts: countsPerSample(Uint8Array.from(mask), set.n),
  };
}

/** The training tensors: with forecasting, each cell once per drawn prefix (seeded), else the set as is. */
function trainingTensors(train: SampleSet, meta: LstmAttnMeta, opts: Options, seed: number): TensorSet {
  if (!meta.observe) return tensorsOf(train, meta, opts.mode);
  const draws = drawPrefixes(
    train.lengths,
    opts.prefix_draws,
    opts.min_prefix,
    new SeededRandom(seed),
    stampedPrefix(train),
  );
  return tensorsOf(selectSamples(train, draws.sample), meta, opts.mode, draws.prefix);
}

function disposeSet(s: TensorSet | undefined): void {
  if (s) tf.dispose([s.x, s.y, s.mask, s.t!, s.stepMask!]);
}

function metaFor(train: SampleSet, opts: Options, ctx: FitContext, backend: BackendRequest): LstmAttnMeta {
  const observe = observeFrom(ctx.observe);
  if (observe && opts.mode === "seq2one") {
    throw new RangeError(
      "lstm_attn: forecasting (evaluation.observe) predicts every step; use mode: seq2seq",
    );
  }
  const bidirectional = opts.bidirectional && !opts.causal && !observe;
  if (opts.bidirectional && !bidirectional) {
    ctx.log.info(
      `lstm_attn: unidirectional LSTM (${
        observe ? "forecasting" : "causal attention"
      }): a bidirectional one would see future steps`,
    );
  }
  const spec = fitSequenceInputSpec(train, observe !== null, opts.anchor);
  return {
    cfg: {
      inputDim: inputWidth(spec),
      hidden: opts.hidden,
      heads: opts.heads,
      bidirectional,
      causal: opts.causal || observe !== null,
      outputs: train.targetNames.length,
      mode: opts.mode,
      pooling: opts.pooling,
    },
    spec,
    observe,
    featureNames: [...train.featureNames],
    targetNames: [...train.targetNames],
    backend,
  };
}

async function fitLstmAttn(opts: Options, train: SampleSet, val: SampleSet | undefined, ctx: FitContext) {
  const settings = ctx.training;
  const meta = metaFor(train, opts, ctx, settings.backend);
  // With `auto`, WebGPU is taken only if one optimizer step of this network trains on it.
  await startTrainingBackend(settings.backend, settings.blas, (l) => ctx.log.info(l), {
    smoke: () =>
      smokeFit({
        build: () => {
          const s = build(meta, new SeededRandom(0));
          return { store: s.store, forward: (x, m) => forward(s, x, m!).y };
        },
        data: () => tensorsOf(train, meta, opts.mode),
        targetNames: train.targetNames,
        settings,
      }),
  });
  const state = build(meta, ctx.rng);
  return await trainNetwork({
    name: "lstm_attn",
    options: opts,
    net: state,
    forward: (x, m) => forward(state, x, m!).y,
    train,
    val,
    // Seeded after the weights: the prefix draws take the context's next number.
    trainTensors: trainingTensors(train, state.meta, opts, ctx.rng.nextUint32()),
    valTensors: val ? tensorsOf(val, state.meta, opts.mode) : undefined,
    dispose: disposeSet,
  }, ctx);
}

async function predictLstmAttn(
  state: LstmAttnState,
  set: SampleSet,
): Promise<{ prediction: Prediction; maps: AttentionMaps }> {
  requireFittedFeatures("lstm_attn", state.meta.featureNames, set);
  const tensors = tensorsOf(set, state.meta, state.meta.cfg.mode);
  const T = set.steps, K = state.meta.targetNames.length;
  try {
    const out = tf.tidy(() => forward(state, tensors.x, tensors.stepMask!));
    const [y, weights] = await readAll([out.y, out.weights]);
    tf.dispose([out.y, out.weights]);
    const full = new Float32Array(set.n * T * K), mask = new Uint8Array(set.n * T * K);
    for (let i = 0; i < set.n; i++) {
      const len = set.lengths[i];
      if (state.meta.cfg.mode === "seq2seq") {
        full.set(y.subarray(i * T * K, (i * T + len) * K), i * T * K);
        mask.fill(1, i * T * K, (i * T + len) * K);
      } else {
        full.set(y.subarray(i * K, (i + 1) * K), (i * T + len - 1) * K);
        mask.fill(1, (i * T + len - 1) * K, (i * T + len) * K);
      }
    }
    const maps: AttentionMaps = {
      weights,
      shape: [set.n, state.meta.cfg.heads, T, T],
      cellKeys: [...set.meta.cellKey],
      lengths: Int32Array.from(set.lengths),
    };
    return { prediction: { y: full, yShape: [set.n, T, K], mask }, maps };
  } finally {
    disposeSet(tensors);
  }
}

/** The instance type: a model plus `attention()`. */
export interface LstmAttnInstance extends TfjsModel<LstmAttnState> {
  /** Attention weights of the last `predict` (null before any). */
  attention(): AttentionMaps | null;
}

function createLstmAttn(opts: Options): LstmAttnInstance {
  let lastMaps: AttentionMaps | null = null;
  const model = tfjsModel({
    name: "lstm_attn",
    accepts: { layouts: ["sequence"], loss: true },
    build,
    backend: (meta: LstmAttnMeta) => meta.backend,
    fit: (train, val, ctx) => fitLstmAttn(opts, train, val, ctx),
    async predict(state, set) {
      const { prediction, maps } = await predictLstmAttn(state, set);
      lastMaps = maps;
      return prediction;
    },
  });
  return { ...model, attention: () => lastMaps };
}

/** The `lstm_attn` model definition. */
const lstmAttn = defineModel({
  kind: "model",
  name: "lstm_attn",
  version: "1.0.0",
  apiVersion: 1,
  description: "LSTM + multi-head self-attention (causal by default) on sequences; forecasts from a prefix.",
  options,
  create: (o: Options) => createLstmAttn(o),
});
export default lstmAttn;
