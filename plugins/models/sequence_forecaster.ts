/**
 * What the sequence-network model plugins `cnn_lstm` and `acla` share with `lstm_attn`'s way of working:
 * standardised per-step inputs (lib/nn/sequence_inputs.ts), forecasting from an observed prefix
 * (`evaluation.observe`; later inputs carry the last observed features forward and hide targets), anchored
 * forecasts (the output starts at the last observed value), training on randomly drawn prefixes (seeded),
 * the trainer glue (lib/nn/network_fit.ts), attention maps of the last prediction, and saving/loading the
 * weights. A network plugs in through `SequenceNetwork`: how to configure, build and run it.
 */
import * as tf from "@tensorflow/tfjs";
import type { FitContext, Prediction, SampleSet } from "../../mod.ts";
import {
  type BackendRequest,
  countsPerSample,
  ParamStore,
  readAll,
  type TensorSet,
} from "../../lib/train/mod.ts";
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
import { SeededRandom, type UniformRandom } from "../../lib/random/mod.ts";
import {
  fadeRateForecasts,
  referenceTrajectories,
  type ReferenceTrajectory,
} from "../../lib/baselines/mod.ts";
import type { AttentionMaps } from "./lstm_attn.ts";
import { requireFittedFeatures, type TfjsModel, tfjsModel, trainNetwork } from "./tfjs_model.ts";
import { startTrainingBackend } from "./training_backend.ts";

/** Options every sequence forecaster takes (besides its architecture). */
export interface ForecasterOptions {
  /** Forecasts as changes from the last observed value (only when forecasting). */
  anchor: boolean;
  /**
   * What an anchored forecast changes from: the last observed value held, or the fade-rate baseline
   * (last value + the training cells' change over the same stretch, interpolated in 1/T; lib/baselines),
   * so the network learns a correction to the physical baseline.
   */
  anchor_baseline: "last_value" | "fade_rate";
  /** Observed-prefix lengths drawn per training cell when forecasting; 0 = the evaluation's prefix only. */
  prefix_draws: number;
  /** Shortest drawn prefix. */
  min_prefix: number;
  checkpoint_dir?: string;
}

/** A network the forecaster trains: its configuration C and parameters P. */
export interface SequenceNetwork<C, P> {
  name: string;
  /** The architecture for these inputs (width, targets, whether forecasting). */
  configure(spec: SequenceInputSpec, targets: number, forecasting: boolean): C;
  build(store: ParamStore, cfg: C, rng: UniformRandom): P;
  /**
   * Standardised outputs (B, T, K) — anchored ones included, see `anchoredByRate` — and attention
   * weights (B, heads, T, T) of inputs x (B, T, W) with the step mask (B, T).
   */
  forward(p: P, cfg: C, spec: SequenceInputSpec, x: tf.Tensor3D, stepMask: tf.Tensor2D): {
    y: tf.Tensor3D;
    weights: tf.Tensor4D;
  };
  /** Backends it can train on (undefined: any); another requested one is refused, never replaced. */
  backends?: readonly BackendRequest[];
  /**
   * Asynchronous work before a forward pass (reading nothing back: it gets the batch's inputs as host
   * arrays): called before every training step, validation loss and prediction with exactly the rows the
   * next `forward` runs, and whether gradients will be taken.
   */
  prepare?(p: P, cfg: C, batch: HostBatch, training: boolean): Promise<void>;
}

/** A batch's network inputs on the host: x (rows·steps·width) and the step mask (rows·steps). */
export interface HostBatch {
  x: Float32Array;
  stepMask: Float32Array;
  rows: number;
  steps: number;
  width: number;
}

/** The rows `batch` (all when undefined) of a host batch, in that order (as tf.gather picks them). */
function hostRows(all: HostBatch, batch: readonly number[] | undefined): HostBatch {
  if (!batch) return all;
  const { steps, width } = all;
  const x = new Float32Array(batch.length * steps * width), stepMask = new Float32Array(batch.length * steps);
  batch.forEach((r, i) => {
    x.set(all.x.subarray(r * steps * width, (r + 1) * steps * width), i * steps * width);
    stepMask.set(all.stepMask.subarray(r * steps, (r + 1) * steps), i * steps);
  });
  return { x, stepMask, rows: batch.length, steps, width };
}

/** Everything besides the weights that a saved model needs. */
interface ForecasterMeta<C> {
  cfg: C;
  spec: SequenceInputSpec;
  observe: ObserveSetting | null;
  featureNames: string[];
  targetNames: string[];
  backend: BackendRequest;
  /** The training cells' trajectories when anchored on the fade-rate baseline. */
  references?: ReferenceTrajectory[];
}

/**
 * Writes the fade-rate baseline (standardised) into the anchor channels of x from each sample's forecast
 * origin on, so `ŷ = anchor + …` becomes the baseline plus the network's correction.
 */
function anchorOnFadeRate(
  x: Float32Array,
  set: SampleSet,
  spec: SequenceInputSpec,
  references: readonly ReferenceTrajectory[],
  seen: Int32Array,
): void {
  const channels = anchorChannels(spec);
  if (!channels) return;
  const T = set.steps, K = set.targetNames.length, W = inputWidth(spec);
  const f = fadeRateForecasts(references, set, seen);
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < set.lengths[i]; s++) {
      for (let k = 0; k < K; k++) {
        const v = f[(i * T + s) * K + k];
        if (!Number.isFinite(v)) continue;
        x[(i * T + s) * W + channels.yAnchor + k] = (v - spec.targets.mean[k]) / spec.targets.std[k];
      }
    }
  }
}

interface State<C, P> {
  meta: ForecasterMeta<C>;
  store: ParamStore;
  params: P;
}

/**
 * An anchored output from a per-step rate: ŷ = anchor + τ·rate (standardised units; the anchor values and
 * τ, the time since the anchor, are input channels), or the raw output when the spec is not anchored.
 */
export function anchoredByRate(spec: SequenceInputSpec, x: tf.Tensor3D, out: tf.Tensor3D): tf.Tensor3D {
  const anchor = anchorChannels(spec);
  if (!anchor) return out;
  const [n, T] = x.shape, K = spec.targets.mean.length;
  const yAnchor = tf.slice(x, [0, 0, anchor.yAnchor], [n, T, K]);
  const tau = tf.slice(x, [0, 0, anchor.tau], [n, T, 1]);
  return tf.add(yAnchor, tf.mul(tau, out)) as tf.Tensor3D;
}

/** The backend to train on: `auto` is the network's first allowed one; a refused one throws. */
function backendFor<C, P>(net: SequenceNetwork<C, P>, requested: BackendRequest): BackendRequest {
  if (!net.backends || net.backends.includes(requested)) return requested;
  if (requested === "auto") return net.backends[0];
  throw new Error(
    `${net.name}: training.backend=${requested} is not supported (it runs on ${net.backends.join(", ")})`,
  );
}

/** A forecaster model instance of `net`, with the attention maps of its last prediction. */
export interface ForecasterInstance extends TfjsModel<unknown> {
  attention(): AttentionMaps | null;
}

/** Creates a model instance training `net` with `opts`. */
export function createForecaster<C, P>(
  net: SequenceNetwork<C, P>,
  opts: ForecasterOptions,
): ForecasterInstance {
  let lastMaps: AttentionMaps | null = null;
  const build = (meta: ForecasterMeta<C>, rng: UniformRandom): State<C, P> => {
    const store = new ParamStore();
    return { meta, store, params: net.build(store, meta.cfg, rng) };
  };
  const forward = (s: State<C, P>, x: tf.Tensor, stepMask: tf.Tensor) => {
    const out = net.forward(s.params, s.meta.cfg, s.meta.spec, x as tf.Tensor3D, stepMask as tf.Tensor2D);
    const { mean, std } = s.meta.spec.targets;
    return { y: tf.add(tf.mul(out.y, std), mean), weights: out.weights };
  };
  // The host copies of each tensor set's inputs, for `net.prepare`.
  const hostInputs = new WeakMap<TensorSet, HostBatch>();
  const tensorsOf = (set: SampleSet, meta: ForecasterMeta<C>, observed?: Int32Array | null): TensorSet => {
    const seen = observed ?? (meta.observe ? stampedPrefix(set) : null);
    const x = sequenceInputs(set, meta.spec, seen);
    if (meta.references && seen) anchorOnFadeRate(x, set, meta.spec, meta.references, seen);
    const clean = Float32Array.from(set.y, (v, i) => (set.yMask[i] ? v : 0));
    const mask = seen ? forecastMask(set, seen) : Float32Array.from(set.yMask);
    const shape = [set.n, set.steps, set.targetNames.length];
    const width = inputWidth(meta.spec), stepMask = stepMaskOf(set);
    const tensors: TensorSet = {
      n: set.n,
      x: tf.tensor3d(x, [set.n, set.steps, width]),
      y: tf.tensor(clean, shape),
      mask: tf.tensor(mask, shape),
      t: tf.tensor2d(set.t, [set.n, set.steps]),
      stepMask: tf.tensor2d(stepMask, [set.n, set.steps]),
      counts: countsPerSample(Uint8Array.from(mask), set.n),
    };
    if (net.prepare) {
      hostInputs.set(tensors, {
        x,
        stepMask: Float32Array.from(stepMask),
        rows: set.n,
        steps: set.steps,
        width,
      });
    }
    return tensors;
  };
  const prepareFor = (s: State<C, P>) =>
    net.prepare
      ? (set: TensorSet, batch: readonly number[] | undefined, training: boolean) =>
        net.prepare!(s.params, s.meta.cfg, hostRows(hostInputs.get(set)!, batch), training)
      : undefined;
  const dispose = (s: TensorSet | undefined) => s && tf.dispose([s.x, s.y, s.mask, s.t!, s.stepMask!]);

  async function fit(train: SampleSet, val: SampleSet | undefined, ctx: FitContext) {
    const backend = backendFor(net, ctx.training.backend);
    await startTrainingBackend(backend, ctx.training.blas, (l) => ctx.log.info(l));
    const observe = observeFrom(ctx.observe);
    const spec = fitSequenceInputSpec(train, observe !== null, opts.anchor);
    const s = build({
      cfg: net.configure(spec, train.targetNames.length, observe !== null),
      spec,
      observe,
      featureNames: [...train.featureNames],
      targetNames: [...train.targetNames],
      backend,
      references: observe && opts.anchor && opts.anchor_baseline === "fade_rate"
        ? referenceTrajectories(train)
        : undefined,
    }, ctx.rng);
    // With forecasting, each training cell is seen with several drawn prefixes (seeded).
    const draws = observe
      ? drawPrefixes(
        train.lengths,
        opts.prefix_draws,
        opts.min_prefix,
        new SeededRandom(ctx.rng.nextUint32()),
        stampedPrefix(train),
      )
      : null;
    const trainSet = draws
      ? tensorsOf(selectSamples(train, draws.sample), s.meta, draws.prefix)
      : tensorsOf(train, s.meta);
    const valSet = val ? tensorsOf(val, s.meta) : undefined;
    return await trainNetwork({
      name: net.name,
      options: opts,
      net: s,
      forward: (x, m) => forward(s, x, m!).y,
      prepare: prepareFor(s),
      train,
      val,
      trainTensors: trainSet,
      valTensors: valSet,
      dispose: (t) => dispose(t),
    }, { ...ctx, training: { ...ctx.training, backend } });
  }

  async function predict(
    s: State<C, P>,
    set: SampleSet,
  ): Promise<{ prediction: Prediction; maps: AttentionMaps }> {
    requireFittedFeatures(net.name, s.meta.featureNames, set);
    const tensors = tensorsOf(set, s.meta);
    const T = set.steps, K = s.meta.targetNames.length;
    try {
      await prepareFor(s)?.(tensors, undefined, false);
      const out = tf.tidy(() => forward(s, tensors.x, tensors.stepMask!));
      const heads = out.weights.shape[1];
      const [y, weights] = await readAll([out.y, out.weights]);
      tf.dispose([out.y, out.weights]);
      const full = new Float32Array(set.n * T * K), mask = new Uint8Array(set.n * T * K);
      for (let i = 0; i < set.n; i++) {
        const end = (i * T + set.lengths[i]) * K;
        full.set(y.subarray(i * T * K, end), i * T * K);
        mask.fill(1, i * T * K, end);
      }
      return {
        prediction: { y: full, yShape: [set.n, T, K], mask },
        maps: {
          weights,
          shape: [set.n, heads, T, T],
          cellKeys: [...set.meta.cellKey],
          lengths: Int32Array.from(set.lengths),
        },
      };
    } finally {
      dispose(tensors);
    }
  }

  const model = tfjsModel({
    name: net.name,
    accepts: { layouts: ["sequence"], loss: true },
    build,
    backend: (meta: ForecasterMeta<C>) => meta.backend,
    fit,
    async predict(state, set) {
      const { prediction, maps } = await predict(state, set);
      lastMaps = maps;
      return prediction;
    },
  });
  return { ...model, attention: () => lastMaps };
}
