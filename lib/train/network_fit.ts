/**
 * Glue between a network and the trainer, shared by the neural model plugins: data held as tensors,
 * batch losses through the configured loss (masked MSE when none is configured), validation loss for
 * early stopping, per-epoch metrics, Ctrl-C checkpointing.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { elementLoss, maskedMean, safeTargets } from "../loss/mod.ts";
import { interruptSignal } from "./_interrupt.ts";
import { type FitIdentity, fitIdentity, type HashableSampleSet } from "./_fit_identity.ts";
import type { ParamStore } from "./param_store.ts";
import { readAll, readScalar } from "./readback.ts";
import { type Direction, directionOf } from "../sequence/mod.ts";
import { type CheckpointSettings, trainModel, type TrainResult } from "./trainer.ts";
import type { TrainingSettings } from "../training_settings.ts";
import type { ProgressSink } from "../progress.ts";

/** A loss as the loss plugins implement it (`LossInstance` of the core, on tfjs tensors). */
export interface TensorLoss {
  compute(
    yTrue: tf.Tensor,
    yPred: tf.Tensor,
    inputs: {
      t?: tf.Tensor;
      mask?: tf.Tensor;
      targetNames: readonly string[];
      directions: readonly Direction[];
    },
  ): tf.Tensor;
}

/** The masked mean squared error, used when a model gets no loss plugin. */
export const DEFAULT_LOSS: TensorLoss = {
  compute: (yTrue, yPred, inputs) =>
    tf.tidy(() =>
      maskedMean(elementLoss(safeTargets(yTrue, inputs.mask), yPred, { kind: "mse" }), inputs.mask)
    ),
};

/** A sample set as tensors: inputs x, targets y with mask (same shape), optional times and step mask. */
export interface TensorSet {
  n: number;
  x: tf.Tensor;
  y: tf.Tensor;
  mask: tf.Tensor;
  t?: tf.Tensor;
  stepMask?: tf.Tensor;
  /** Observed targets per sample (the weight of a sample in the epoch loss). */
  counts: Float64Array;
}

/** Network predictions in target units for inputs x (and the step mask of sequences). */
export type ForwardFn = (x: tf.Tensor, stepMask?: tf.Tensor) => tf.Tensor;

/** What `fitNetwork` needs. */
export interface FitNetworkOptions {
  store: ParamStore;
  forward: ForwardFn;
  /**
   * Asynchronous work before each forward pass, which cannot wait inside the gradient tape: called with the
   * set and the rows about to run (`batch`; undefined: all rows) and whether gradients will be taken — before
   * every training step and before the validation loss. A network that needs its inputs' values on the host
   * or a planned ODE solve (acla on WebGPU) prepares them here; the next `forward` runs on exactly that batch.
   */
  prepare?: (set: TensorSet, batch: readonly number[] | undefined, training: boolean) => Promise<void>;
  train: TensorSet;
  val?: TensorSet;
  loss?: TensorLoss;
  targetNames: readonly string[];
  settings: TrainingSettings;
  epochs?: number;
  /** Optimizer steps to run (the refit), overriding `epochs`; see `TrainOptions.maxSteps`. */
  maxSteps?: number;
  seed: number;
  metrics?: (values: Record<string, number>, step: number) => void | Promise<void>;
  /** Weight histograms (parameter name → values), every `histogramEvery` epochs and at the last one. */
  histograms?: (values: Record<string, ArrayLike<number>>, step: number) => void | Promise<void>;
  histogramEvery?: number;
  log?: (line: string) => void;
  warn?: (line: string) => void;
  checkpoint?: CheckpointSettings;
  /** Where training progress goes (the run's sink); default nowhere. */
  progress?: ProgressSink;
  label?: string;
  /** The run's interruption (SIGINT/SIGTERM): training stops between batches like on Ctrl-C. */
  signal?: AbortSignal;
}

/** What a model plugin's fit context offers the trainer (structural: lib/ does not import core/). */
export interface FitContextLike {
  label?: string;
  iterations?: number;
  /** The refit: optimizer steps to run (the inner fit's validated steps). */
  optimizerSteps?: number;
  rng: { nextUint32(): number };
  loss?: unknown;
  /** Name and options of the loss plugin, for the checkpoint fingerprint. */
  lossSpec?: FitIdentity["loss"];
  /** `evaluation.observe`, for the checkpoint fingerprint. */
  observe?: FitIdentity["observe"];
  metrics?: FitNetworkOptions["metrics"];
  histograms?: FitNetworkOptions["histograms"];
  log: { info(line: string): void; warn(line: string): void };
  signal?: AbortSignal;
  progress?: ProgressSink;
}

/** The data and options of one fit, for its checkpoint identity. */
export interface FitInputs {
  options: Record<string, unknown> & { checkpoint_dir?: string };
  train: HashableSampleSet;
  val?: HashableSampleSet;
}

/**
 * The `fitNetwork` options every network model takes from its fit context: loss, refit epochs or
 * optimizer steps, seed, metric and histogram sinks, log, and a checkpoint folder per fit (inner fit,
 * refit, each fold) under the model's `checkpoint_dir`, locked while training and fingerprinted with
 * everything that determines the fit (data, loss, model options, label), so a resumed run continues the
 * right one and no other.
 */
export function contextFitOptions(
  ctx: FitContextLike,
  model: string,
  fit: FitInputs,
): Pick<
  FitNetworkOptions,
  | "loss"
  | "epochs"
  | "maxSteps"
  | "seed"
  | "metrics"
  | "histograms"
  | "log"
  | "warn"
  | "checkpoint"
  | "label"
  | "signal"
  | "progress"
> {
  const root = fit.options.checkpoint_dir;
  const label = ctx.label ?? "fit";
  return {
    loss: ctx.loss as TensorLoss | undefined,
    epochs: ctx.iterations,
    maxSteps: ctx.optimizerSteps,
    seed: ctx.rng.nextUint32(),
    metrics: ctx.metrics,
    histograms: ctx.histograms,
    log: (line) => ctx.log.info(line),
    warn: (line) => ctx.log.warn(line),
    checkpoint: root
      ? {
        dir: join(root, label),
        lockDir: root,
        resume: true,
        identity: fitIdentity(
          model,
          fit.options,
          ctx.lossSpec,
          fit.train,
          fit.val,
          label,
          ctx.observe ?? null,
        ),
      }
      : undefined,
    label: ctx.label ? `${model} ${ctx.label}` : model,
    signal: ctx.signal,
    progress: ctx.progress,
  };
}

/** The loss of `set` (restricted to `batch` when given), a scalar on the tape when called under it. */
export function setLoss(
  set: TensorSet,
  forward: ForwardFn,
  loss: TensorLoss,
  targetNames: readonly string[],
  batch?: readonly number[],
): tf.Scalar {
  return tf.tidy(() => {
    const pick = (
      t: tf.Tensor | undefined,
    ) => (t && batch ? tf.gather(t, tf.tensor1d(batch as number[], "int32")) : t);
    const yPred = forward(pick(set.x)!, pick(set.stepMask));
    return loss.compute(pick(set.y)!, yPred, {
      t: pick(set.t),
      mask: pick(set.mask),
      targetNames,
      directions: targetNames.map((n) => directionOf(n)),
    }) as tf.Scalar;
  });
}

/**
 * One optimizer step of a throwaway network on (up to) the first four training samples: what backend `auto`
 * runs on a hardware WebGPU adapter before choosing it (lib/train/backend.ts). Throws when the step fails or
 * its loss is not finite; the network and tensors are disposed either way.
 */
export async function smokeFit(o: {
  build: () => { store: ParamStore; forward: ForwardFn };
  data: () => TensorSet;
  targetNames: readonly string[];
  settings: TrainingSettings;
}): Promise<void> {
  const net = o.build();
  let set: TensorSet | undefined;
  try {
    set = o.data();
    const data = set, n = Math.min(data.n, 4);
    await trainModel({
      params: net.store.list(),
      nTrain: n,
      lossFn: (batch) => setLoss(data, net.forward, DEFAULT_LOSS, o.targetNames, batch),
      settings: { ...o.settings, batch_size: n, epochs: 1 },
      maxSteps: 1,
      seed: 0,
    });
  } finally {
    net.store.dispose();
    if (set) {
      tf.dispose([
        set.x,
        set.y,
        set.mask,
        ...(set.t ? [set.t] : []),
        ...(set.stepMask ? [set.stepMask] : []),
      ]);
    }
  }
}

/** Trains the network; validation (when given) drives early stopping. Ctrl-C saves a checkpoint (if set). */
export async function fitNetwork(o: FitNetworkOptions): Promise<TrainResult> {
  const loss = o.loss ?? DEFAULT_LOSS;
  const interrupt = interruptSignal();
  try {
    return await trainModel({
      params: o.store.list(),
      nTrain: o.train.n,
      prepare: o.prepare ? (batch) => o.prepare!(o.train, batch, true) : undefined,
      lossFn: (batch) => setLoss(o.train, o.forward, loss, o.targetNames, batch),
      batchWeight: (batch) => batch.reduce((a, i) => a + o.train.counts[i], 0),
      valLoss: o.val
        ? async () => {
          await o.prepare?.(o.val!, undefined, false);
          return await readLoss(setLoss(o.val!, o.forward, loss, o.targetNames));
        }
        : undefined,
      settings: o.settings,
      epochs: o.epochs,
      maxSteps: o.maxSteps,
      seed: o.seed,
      checkpoint: o.checkpoint,
      signal: o.signal ? AbortSignal.any([interrupt.signal, o.signal]) : interrupt.signal,
      progress: o.progress,
      label: o.label,
      log: o.log,
      warn: o.warn,
      onEpoch: (r) => {
        const values: Record<string, number> = { train_loss: r.trainLoss, learning_rate: r.learningRate };
        // No norm when mixed precision skipped every step of the epoch (all overflowed).
        if (r.skippedSteps === undefined || Number.isFinite(r.gradNorm)) values.grad_norm = r.gradNorm;
        if (Number.isFinite(r.valLoss)) values.val_loss = r.valLoss;
        if (r.lossScale !== undefined) values.loss_scale = r.lossScale;
        if (r.skippedSteps !== undefined) values.skipped_steps = r.skippedSteps;
        return reportEpoch(o, values, r.epoch);
      },
    });
  } finally {
    interrupt.dispose();
  }
}

async function reportEpoch(
  o: FitNetworkOptions,
  values: Record<string, number>,
  epoch: number,
): Promise<void> {
  await o.metrics?.(values, epoch);
  await weightHistograms(o.store, o.histograms, epoch, o.histogramEvery);
}

/** Sends every parameter's values to `sink` on epochs 1, every, 2·every, … (copies, read once). */
export async function weightHistograms(
  store: ParamStore,
  sink: FitNetworkOptions["histograms"],
  epoch: number,
  every = 10,
): Promise<void> {
  if (!sink || (epoch !== 1 && epoch % every !== 0)) return;
  const names = store.names();
  const arrays = await readAll(names.map((name) => store.get(name)));
  const values: Record<string, Float32Array> = {};
  names.forEach((name, i) => values[name] = arrays[i]);
  await sink(values, epoch);
}

/** A loss tensor's value, read asynchronously (one transfer); the tensor is disposed. */
export async function readLoss(t: tf.Scalar): Promise<number> {
  try {
    return await readScalar(t);
  } finally {
    t.dispose();
  }
}

/** Per-sample count of observed targets from a 0/1 mask laid out sample-major. */
export function countsPerSample(mask: Uint8Array, n: number): Float64Array {
  const width = n === 0 ? 0 : mask.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = i * width; j < (i + 1) * width; j++) out[i] += mask[j];
  return out;
}
