/**
 * The generic training loop every neural model uses: mini-batches drawn from a seeded shuffle, one
 * optimiser step per batch (AdamW / Adam / SGD) with global-norm gradient clipping, a per-epoch learning
 * rate (constant, cosine, SGDR), sample-weighted epoch losses, early stopping on a validation loss with
 * the best weights restored, per-epoch callbacks, progress per batch, and checkpoints that resume bit-for-bit
 * after an interruption (AbortSignal, e.g. Ctrl-C through `interruptSignal()`).
 *
 * Nothing is read back synchronously (a synchronous read needs a canvas on WebGPU, which Deno has not). On
 * the host backends (wasm, cpu) each step reads its loss and gradient norm asynchronously, as cheap as
 * before; on a GPU backend the clipping scale is computed on the device and the steps' losses and norms stay
 * there until the epoch ends, when they are read with one transfer (a few more per epoch: the validation
 * loss, best weights, a checkpoint). A non-finite loss then fails the run at the end of its epoch, naming
 * the batch where it first appeared.
 *
 * Mixed precision (`training.mixed_precision` on WebGPU with shader-f16, see ./_precision.ts): each step's
 * forward and backward pass run with float16 dense-layer products, the loss is scaled dynamically
 * (./_loss_scale.ts) and a step whose gradients overflowed is skipped on the device (`where`: weights and
 * optimizer state unchanged); the skip flags and the scale are read with the epoch's losses and norms.
 *
 * The trainer knows nothing of models: it gets the trainable variables and a loss of a batch of sample
 * indices. Usage:
 *
 * ```ts
 * const result = await trainModel({
 *   params: [w, b],
 *   lossFn: (batch) => mseOf(batch),          // a tf.Scalar, computed inside the gradient tape
 *   batchWeight: (batch) => observedCount(batch),
 *   nTrain: 64,
 *   valLoss: () => validationLoss(),          // a number (or its promise: read with await t.data())
 *   settings: ctx.training,
 *   epochs: ctx.iterations,                   // refit: exactly this many epochs, no early stopping
 *   seed: 7,
 *   onEpoch: (r) => ctx.metrics?.({ train_loss: r.trainLoss }, r.epoch),
 * });
 * // result.bestEpoch → FitResult.bestIteration
 * ```
 */
import * as tf from "@tensorflow/tfjs";
import {
  loadCheckpoint,
  saveCheckpoint,
  type TrainingCheckpoint,
  type TrainingHistory,
} from "./_checkpoint.ts";
import { clipByGlobalNorm, clipByGlobalNormOnDevice } from "./_clip.ts";
import { holdFolderLock } from "./folder_lock.ts";
import { TrainingInterrupted } from "./_interrupt.ts";
import { createOptimizer, type Optimizer } from "./optimizer.ts";
import { mixedPrecisionSupport, withHalfPrecisionMatmuls } from "./_precision.ts";
import { DynamicLossScale, type LossScaleState } from "./_loss_scale.ts";
import { type ProgressSink, type ProgressTask, silentProgress } from "../progress.ts";
import { learningRateAt } from "./_schedule.ts";
import { hostBackend, readAll, readScalar } from "./readback.ts";
import { SeededRandom } from "../random/mod.ts";
import { lossScaleSettings, type TrainingSettings } from "../training_settings.ts";

export type { TrainingHistory } from "./_checkpoint.ts";

/** Where and how often to checkpoint; `resume` continues from the folder's checkpoint when there is one. */
export interface CheckpointSettings {
  dir: string;
  /** Save every this many epochs (default 1); an interruption always saves. */
  everyEpochs?: number;
  resume?: boolean;
  /**
   * What else determines the fit (data hash, loss, model options, label: lib/train/_fit_identity.ts); part
   * of the fingerprint, so a checkpoint of another fit is refused rather than resumed.
   */
  identity?: unknown;
  /** Folder to lock while training (default `dir`): the folder the user named, shared by a run's fits. */
  lockDir?: string;
}

/** A checkpoint in `dir` belongs to another fit; `differences` names what differs (old → new). */
export class CheckpointMismatchError extends Error {
  constructor(readonly dir: string, readonly differences: string[]) {
    super(
      `checkpoint in ${dir} belongs to another fit: ${differences.join("; ")}; ` +
        "delete the folder or choose another checkpoint_dir",
    );
    this.name = "CheckpointMismatchError";
  }
}

/** What one epoch reports to `onEpoch` (epoch is 1-based). */
export interface EpochReport {
  epoch: number;
  trainLoss: number;
  /** NaN when there is no validation loss. */
  valLoss: number;
  learningRate: number;
  /** Mean global gradient norm of the epoch's batches, before clipping (mixed precision: of the steps taken). */
  gradNorm: number;
  seconds: number;
  /** Mixed precision only: the loss scale at the end of the epoch. */
  lossScale?: number;
  /** Mixed precision only: steps of the epoch skipped because their gradients overflowed. */
  skippedSteps?: number;
}

/** Inputs of `trainModel`. */
export interface TrainOptions {
  /** Trainable variables (order matters for checkpoints; names must be unique, tfjs ensures that). */
  params: tf.Variable[];
  /** Mean loss of the samples `batch` (indices into 0..nTrain-1), built from `params` with tf ops. */
  lossFn: (batch: number[]) => tf.Scalar;
  /**
   * Asynchronous work a step needs before its gradient tape, which cannot wait for a read (a GPU ODE solve
   * plans its dopri5 steps here); called with the batch just before `lossFn`.
   */
  prepare?: (batch: number[]) => Promise<void>;
  /** Weight of a batch's loss in the epoch's mean (its count of observed targets); default: batch size. */
  batchWeight?: (batch: number[]) => number;
  nTrain: number;
  /**
   * Validation loss after each epoch (no gradients); enables early stopping and best-weight restore. Read
   * it asynchronously (`await t.data()`): synchronous reads fail on WebGPU.
   */
  valLoss?: () => number | Promise<number>;
  settings: TrainingSettings;
  /** Epochs to run, overriding `settings.epochs` (the refit's `ctx.iterations`). */
  epochs?: number;
  /**
   * Optimizer steps to run, overriding `epochs` (the refit repeats the steps validated in the inner fit):
   * training stops after exactly this many steps, possibly mid-epoch.
   */
  maxSteps?: number;
  /** Seed of the batch order. */
  seed: number;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  checkpoint?: CheckpointSettings;
  /** Aborting saves a checkpoint (when configured) and throws `TrainingInterrupted`. */
  signal?: AbortSignal;
  /** Where progress goes (optimizer steps done of the planned total, epoch and losses); default nowhere. */
  progress?: ProgressSink;
  /** Label of the progress line. */
  label?: string;
  /** Sink for one-off lines (mixed precision notice, resume notice). */
  log?: (line: string) => void;
  /** Sink for warnings (a stale checkpoint lock taken over); `log` when absent. */
  warn?: (line: string) => void;
  /** Backend name for the mixed-precision notice (default: the current tfjs backend). */
  backend?: string;
}

/** What `trainModel` returns; the params hold the best weights (or the last, without validation). */
export interface TrainResult {
  /** Epoch (1-based) whose weights were kept: the best validation epoch, or the last epoch run. */
  bestEpoch: number;
  bestValLoss: number;
  epochsRun: number;
  stoppedEarly: boolean;
  history: TrainingHistory;
  /** Mini-batches (= optimizer steps) per full epoch: ceil(nTrain / batch_size). */
  batchesPerEpoch: number;
  /** Optimizer steps run in total. */
  stepsRun: number;
  /** Optimizer steps up to the end of `bestEpoch` (what a refit repeats). */
  bestSteps: number;
}

/** Mutable loop state; exactly what a checkpoint stores. */
interface LoopState {
  epoch: number;
  batch: number;
  rngState: number;
  epochLoss: { sum: number; weight: number };
  gradNormSum: number;
  /** Optimizer steps done so far, over all epochs. */
  stepsDone: number;
  history: TrainingHistory;
  best: { epoch: number; loss: number } | null;
  bestParams: Float32Array[] | null;
  finished: boolean;
  /** GPU backends: steps of the current epoch whose loss and norm are still on the device (not saved). */
  pending: PendingStep[];
  /** Mixed precision: the loss scaler (its state is saved); null in float32. */
  scaler: DynamicLossScale | null;
  /** Mixed precision: steps of the current epoch skipped for overflowing gradients. */
  skippedSteps: number;
  /** Mixed precision: the loss scale as last read (end of the last settled steps). */
  lossScale: number;
}

/** One optimizer step's numbers, kept on the device until the epoch's single read. */
interface PendingStep {
  loss: tf.Scalar;
  norm: tf.Scalar;
  weight: number;
  /** 0-based epoch and batch, for the message when the loss is not finite. */
  epoch: number;
  batch: number;
  /** Mixed precision: 1 when the step was applied, 0 when skipped (float32 scalar). */
  applied?: tf.Scalar;
}

/** Trains `params` by mini-batch gradient descent; see the module comment. */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  if (!Number.isInteger(opts.nTrain) || opts.nTrain < 1) {
    throw new RangeError(`trainModel needs at least one training sample, found nTrain = ${opts.nTrain}`);
  }
  const s = opts.settings;
  if (opts.maxSteps !== undefined && (!Number.isInteger(opts.maxSteps) || opts.maxSteps < 1)) {
    throw new RangeError(`maxSteps must be a positive integer, found ${opts.maxSteps}`);
  }
  const perEpoch = batchesPerEpoch(opts);
  const totalEpochs = opts.maxSteps !== undefined
    ? Math.ceil(opts.maxSteps / perEpoch)
    : opts.epochs ?? s.epochs;
  const precision = s.mixed_precision ? mixedPrecisionSupport(opts.backend ?? tf.getBackend()) : null;
  if (precision) opts.log?.(precision.message);
  const mixed = precision?.supported ?? false;
  if (opts.checkpoint) {
    await holdFolderLock(opts.checkpoint.lockDir ?? opts.checkpoint.dir, opts.warn ?? opts.log ?? (() => {}));
  }
  let optimizer: Optimizer | undefined;
  let state: LoopState | undefined;
  try {
    optimizer = createOptimizer(opts.params, { name: s.optimizer, weightDecay: s.weight_decay });
    state = await initialState(opts, optimizer, totalEpochs, mixed);
    const task = (opts.progress ?? silentProgress).start(
      opts.label ?? "training",
      opts.maxSteps ?? totalEpochs * perEpoch,
      { unit: "batches", initial: state.stepsDone },
    );
    try {
      await runEpochs(opts, optimizer, state, totalEpochs, task);
    } catch (err) {
      task.finish(err instanceof TrainingInterrupted ? "interrupted" : "failed");
      throw err;
    }
    const early = state.epoch < totalEpochs && !stepsReached(opts, state);
    task.finish(epochStatus(state, state.epoch, totalEpochs) + (early ? " · stopped early" : ""));
    if (state.bestParams) assignParams(opts.params, state.bestParams);
    const last = state.history.train_loss.length;
    const bestEpoch = state.best?.epoch ?? last;
    return {
      bestEpoch,
      bestValLoss: state.best?.loss ?? NaN,
      epochsRun: last,
      stoppedEarly: last < totalEpochs,
      history: state.history,
      batchesPerEpoch: perEpoch,
      stepsRun: state.stepsDone,
      bestSteps: Math.min(bestEpoch * perEpoch, state.stepsDone),
    };
  } finally {
    optimizer?.dispose();
    releaseState(state);
  }
}

/** Disposes what a loop state holds on the device (the loss scaler). */
function releaseState(state: LoopState | undefined): void {
  state?.scaler?.dispose();
}

/** Mini-batches in one full epoch. */
function batchesPerEpoch(opts: TrainOptions): number {
  return Math.ceil(opts.nTrain / opts.settings.batch_size);
}

async function runEpochs(
  opts: TrainOptions,
  optimizer: Optimizer,
  state: LoopState,
  totalEpochs: number,
  task: ProgressTask,
): Promise<void> {
  const rng = new SeededRandom(0);
  const every = Math.max(1, opts.checkpoint?.everyEpochs ?? 1);
  while (!state.finished && state.epoch < totalEpochs) {
    const started = performance.now();
    rng.state = state.rngState;
    const batches = batchesOf(rng.shuffle(range(opts.nTrain)), opts.settings.batch_size);
    const nextRngState = rng.state;
    const lr = learningRateAt(opts.settings, state.epoch, totalEpochs);
    for (; state.batch < batches.length && !stepsReached(opts, state); state.batch++) {
      await interruptIfAborted(opts, optimizer, state);
      await stepOnBatch(opts, optimizer, batches[state.batch], lr, state);
      task.update(state.stepsDone, epochStatus(state, state.epoch + 1, totalEpochs));
    }
    await settlePending(state);
    const report = await finishEpoch(opts, state, lr, state.batch, started);
    state.rngState = nextRngState;
    state.finished = shouldStop(opts, state, totalEpochs) || stepsReached(opts, state);
    task.update(state.stepsDone, epochStatus(state, state.epoch, totalEpochs));
    await opts.onEpoch?.(report);
    if (opts.checkpoint && (state.epoch % every === 0 || state.finished || state.epoch === totalEpochs)) {
      await saveCheckpoint(opts.checkpoint.dir, await toCheckpoint(opts, optimizer, state, totalEpochs));
    }
  }
}

/** One optimizer step: gradients, clipping, update; the loss and norm are recorded (see the module comment). */
async function stepOnBatch(
  opts: TrainOptions,
  optimizer: Optimizer,
  batch: number[],
  lr: number,
  state: LoopState,
): Promise<void> {
  await opts.prepare?.(batch);
  if (state.scaler) return await mixedStepOnBatch(opts, optimizer, batch, lr, state, state.scaler);
  const { value, grads } = tf.variableGrads(() => opts.lossFn(batch), opts.params);
  const list = opts.params.map((p) => grads[p.name] ?? tf.zerosLike(p));
  const weight = opts.batchWeight ? opts.batchWeight(batch) : batch.length;
  if (!hostBackend()) {
    const clipped = clipByGlobalNormOnDevice(list, opts.settings.grad_clip);
    await optimizer.apply(opts.params, clipped.grads, lr);
    tf.dispose([...list, ...clipped.grads, ...Object.values(grads)]);
    state.pending.push({ loss: value, norm: clipped.norm, weight, epoch: state.epoch, batch: state.batch });
    state.stepsDone++;
    return;
  }
  const clipped = await clipByGlobalNorm(list, opts.settings.grad_clip);
  const loss = await readScalar(value);
  if (!Number.isFinite(loss)) {
    tf.dispose([value, ...list, ...clipped.grads]);
    throw nonFiniteLoss(loss, state.epoch, state.batch);
  }
  await optimizer.apply(opts.params, clipped.grads, lr);
  tf.dispose([value, ...list, ...clipped.grads, ...Object.values(grads)]);
  recordStep(state, loss, clipped.norm, weight);
  state.stepsDone++;
}

/**
 * A mixed-precision step (GPU backends only; see ./_precision.ts): forward and backward with float16 dense
 * products on the scaled loss, gradients unscaled and clipped in float32, the update gated on the device by
 * whether the gradients are finite, the scale updated; nothing is read back.
 */
async function mixedStepOnBatch(
  opts: TrainOptions,
  optimizer: Optimizer,
  batch: number[],
  lr: number,
  state: LoopState,
  scaler: DynamicLossScale,
): Promise<void> {
  const { value, grads } = withHalfPrecisionMatmuls(() =>
    tf.variableGrads(() => scaler.scaled(opts.lossFn(batch)), opts.params)
  );
  const list = opts.params.map((p) => grads[p.name] ?? tf.zerosLike(p));
  const unscaled = scaler.unscale(list);
  const loss = tf.tidy(() => tf.div(value, scaler.scale)) as tf.Scalar;
  // The global norm is finite exactly when every gradient is (barring a float32 overflow of the sum of
  // squares, which is then treated as an overflow too: the step would be clipped to nothing anyway).
  const clipped = clipByGlobalNormOnDevice(unscaled, opts.settings.grad_clip);
  const finite = tf.isFinite(clipped.norm) as tf.Scalar;
  await optimizer.apply(opts.params, clipped.grads, lr, finite);
  scaler.update(finite);
  const applied = tf.cast(finite, "float32") as tf.Scalar;
  tf.dispose([value, finite, ...list, ...unscaled, ...clipped.grads, ...Object.values(grads)]);
  const weight = opts.batchWeight ? opts.batchWeight(batch) : batch.length;
  state.pending.push({ loss, norm: clipped.norm, weight, epoch: state.epoch, batch: state.batch, applied });
  state.stepsDone++;
}

function recordStep(state: LoopState, loss: number, norm: number, weight: number): void {
  state.epochLoss.sum += loss * weight;
  state.epochLoss.weight += weight;
  state.gradNormSum += norm;
}

function nonFiniteLoss(loss: number, epoch: number, batch: number): RangeError {
  return new RangeError(
    `training loss is ${loss} at epoch ${epoch + 1}, batch ${batch + 1}: ` +
      "lower the learning rate, check the inputs for extreme values, or enable grad_clip",
  );
}

/**
 * Reads the losses and norms of the steps still on the device with one transfer and adds them to the
 * epoch's sums in step order (the same sums the host path builds step by step).
 */
async function settlePending(state: LoopState): Promise<void> {
  const steps = state.pending;
  if (steps.length === 0) return;
  state.pending = [];
  const flags = steps.flatMap((p) => p.applied ? [p.applied] : []);
  const tensors = [...steps.map((p) => p.loss), ...steps.map((p) => p.norm), ...flags];
  let values: Float32Array[];
  try {
    // The loss scale rides along with the same transfer (read, not disposed: it is the scaler's).
    values = await readAll(state.scaler ? [...tensors, state.scaler.scale] : tensors);
  } finally {
    tf.dispose(tensors);
  }
  const n = steps.length;
  if (state.scaler) state.lossScale = values[tensors.length][0];
  steps.forEach((p, i) => {
    const loss = values[i][0];
    if (!Number.isFinite(loss)) throw nonFiniteLoss(loss, p.epoch, p.batch);
    const skipped = p.applied !== undefined && values[2 * n + i][0] === 0;
    if (skipped) state.skippedSteps++;
    // A skipped step's loss counts (it is the batch's loss at those weights); its norm is not finite.
    recordStep(state, loss, skipped ? 0 : values[n + i][0], p.weight);
  });
}

/** `epoch 3/50 · loss 0.1234 val 0.2345`: the epoch shown and the losses of the last finished epoch. */
function epochStatus(state: LoopState, epoch: number, totalEpochs: number): string {
  const h = state.history, last = h.train_loss.length - 1;
  const head = `epoch ${Math.min(Math.max(1, epoch), totalEpochs)}/${totalEpochs}`;
  if (last < 0) return head;
  const val = h.val_loss[last];
  return `${head} · loss ${h.train_loss[last].toPrecision(4)}` +
    (Number.isFinite(val) ? ` val ${val.toPrecision(4)}` : "");
}

/** The refit's step budget is spent. */
function stepsReached(opts: TrainOptions, state: LoopState): boolean {
  return opts.maxSteps !== undefined && state.stepsDone >= opts.maxSteps;
}

async function finishEpoch(
  opts: TrainOptions,
  state: LoopState,
  lr: number,
  nBatches: number,
  started: number,
): Promise<EpochReport> {
  const trainLoss = state.epochLoss.sum / Math.max(1e-30, state.epochLoss.weight);
  const valLoss = opts.valLoss ? await opts.valLoss() : NaN;
  state.epoch++;
  state.history.train_loss.push(trainLoss);
  state.history.val_loss.push(valLoss);
  state.history.learning_rate.push(lr);
  if (opts.valLoss && Number.isFinite(valLoss) && (!state.best || valLoss < state.best.loss)) {
    state.best = { epoch: state.epoch, loss: valLoss };
    state.bestParams = await readAll(opts.params);
  }
  const skipped = state.skippedSteps;
  // The mean over the steps taken (a skipped step's gradients overflowed: no norm); none taken: NaN.
  const gradNorm = skipped > 0 && skipped >= nBatches
    ? NaN
    : state.gradNormSum / Math.max(1, nBatches - skipped);
  state.batch = 0;
  state.epochLoss = { sum: 0, weight: 0 };
  state.gradNormSum = 0;
  state.skippedSteps = 0;
  return {
    epoch: state.epoch,
    trainLoss,
    valLoss,
    learningRate: lr,
    gradNorm,
    seconds: (performance.now() - started) / 1000,
    ...(state.scaler ? { lossScale: state.lossScale, skippedSteps: skipped } : {}),
  };
}

/** Early stopping: `patience` epochs without a better validation loss (patience 0 = never stop early). */
function shouldStop(opts: TrainOptions, state: LoopState, totalEpochs: number): boolean {
  if (state.epoch >= totalEpochs) return true;
  const p = opts.settings.patience;
  return Boolean(opts.valLoss && p > 0 && state.best && state.epoch - state.best.epoch >= p);
}

async function interruptIfAborted(opts: TrainOptions, optimizer: Optimizer, state: LoopState) {
  if (!opts.signal) return;
  // Let pending signal handlers (Ctrl-C) run before deciding.
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (!opts.signal.aborted) return;
  const dir = opts.checkpoint?.dir;
  await settlePending(state);
  if (dir) {
    await saveCheckpoint(dir, await toCheckpoint(opts, optimizer, state, totalEpochsOf(opts)));
  }
  throw new TrainingInterrupted(
    `training interrupted at epoch ${state.epoch + 1}, batch ${state.batch + 1}` +
      (dir ? `; checkpoint saved in ${dir}` : " (no checkpoint folder configured)"),
    dir,
  );
}

async function initialState(
  opts: TrainOptions,
  optimizer: Optimizer,
  totalEpochs: number,
  mixed: boolean,
): Promise<LoopState> {
  const scaler = (saved?: LossScaleState) =>
    mixed ? new DynamicLossScale(lossScaleSettings(opts.settings), saved) : null;
  const fresh: LoopState = {
    epoch: 0,
    batch: 0,
    rngState: new SeededRandom(opts.seed).state,
    epochLoss: { sum: 0, weight: 0 },
    gradNormSum: 0,
    stepsDone: 0,
    history: { train_loss: [], val_loss: [], learning_rate: [] },
    best: null,
    bestParams: null,
    finished: false,
    pending: [],
    scaler: null,
    skippedSteps: 0,
    lossScale: NaN,
  };
  if (!opts.checkpoint?.resume) return { ...fresh, scaler: scaler() };
  const ck = await loadCheckpoint(opts.checkpoint.dir);
  if (!ck) return { ...fresh, scaler: scaler() };
  const expected = fingerprint(opts, totalEpochs, mixed);
  if (ck.fingerprint !== expected) {
    throw new CheckpointMismatchError(opts.checkpoint.dir, fingerprintDifferences(ck.fingerprint, expected));
  }
  assignParams(opts.params, ck.params);
  optimizer.setState(ck.optimizer);
  opts.log?.(`resuming from ${opts.checkpoint.dir}: epoch ${ck.epoch + 1}, batch ${ck.batch + 1}`);
  return {
    epoch: ck.epoch,
    batch: ck.batch,
    rngState: ck.rngState,
    epochLoss: ck.epochLoss,
    gradNormSum: ck.gradNormSum ?? 0,
    // Every epoch before the current one was full (only the last one of a step budget is cut short).
    stepsDone: ck.stepsDone ?? ck.epoch * batchesPerEpoch(opts) + ck.batch,
    history: ck.history,
    best: ck.best,
    bestParams: ck.bestParams,
    finished: ck.finished ?? false,
    pending: [],
    scaler: scaler(ck.lossScale),
    skippedSteps: ck.skippedSteps ?? 0,
    lossScale: ck.lossScale?.scale ?? NaN,
  };
}

async function toCheckpoint(
  opts: TrainOptions,
  optimizer: Optimizer,
  state: LoopState,
  totalEpochs: number,
): Promise<TrainingCheckpoint> {
  return {
    epoch: state.epoch,
    batch: state.batch,
    rngState: state.rngState,
    epochLoss: { ...state.epochLoss },
    gradNormSum: state.gradNormSum,
    stepsDone: state.stepsDone,
    history: state.history,
    best: state.best,
    finished: state.finished,
    params: await readAll(opts.params),
    bestParams: state.bestParams,
    optimizer: await optimizer.getState(),
    fingerprint: fingerprint(opts, totalEpochs, state.scaler !== null),
    ...(state.scaler
      ? { lossScale: await lossScaleState(state.scaler), skippedSteps: state.skippedSteps }
      : {}),
  };
}

async function lossScaleState(scaler: DynamicLossScale): Promise<LossScaleState> {
  const [scale, goodSteps] = await readAll(scaler.stateTensors());
  return { scale: scale[0], goodSteps: goodSteps[0] };
}

function totalEpochsOf(opts: TrainOptions): number {
  return opts.maxSteps !== undefined
    ? Math.ceil(opts.maxSteps / batchesPerEpoch(opts))
    : opts.epochs ?? opts.settings.epochs;
}

/**
 * Identity of a fit for resume checks: the caller's identity (data, loss, model options, label), the
 * settings that change the trajectory, the epoch or step budget, the seed and the parameter shapes; and
 * the precision and loss-scale settings when mixed precision is in effect (absent in float32, where they
 * change nothing, so float32 checkpoints keep their fingerprints), and `blas` when it is openblas.
 */
function fingerprint(opts: TrainOptions, totalEpochs: number, mixed: boolean): string {
  const {
    backend: _b,
    mixed_precision: _m,
    loss_scale_init: _i,
    loss_scale_growth_factor: _g,
    loss_scale_backoff_factor: _k,
    loss_scale_growth_interval: _n,
    blas,
    ...rest
  } = opts.settings;
  // Resolved values: a key set to its default and a key left out are the same training.
  const lossScale = lossScaleSettings(opts.settings);
  return JSON.stringify({
    ...(mixed ? { precision: "mixed_float16", lossScale } : {}),
    identity: opts.checkpoint?.identity ?? null,
    // OpenBLAS sums in another order than XNNPACK (other last bits, another trajectory); builtin and
    // absent are the same training, so only openblas enters (earlier checkpoints keep their fingerprints).
    settings: blas === "openblas" ? { ...rest, blas } : rest,
    epochs: totalEpochs,
    maxSteps: opts.maxSteps ?? null,
    seed: opts.seed,
    nTrain: opts.nTrain,
    shapes: opts.params.map((p) => p.shape),
  });
}

/** What differs between two fingerprints, as "path: old → new" (leaves of the JSON trees). */
export function fingerprintDifferences(found: string, expected: string): string[] {
  let a: unknown, b: unknown;
  try {
    a = JSON.parse(found);
    b = JSON.parse(expected);
  } catch {
    return ["the checkpoint was written by an older version (unreadable fingerprint)"];
  }
  if (a === null || typeof a !== "object" || !("identity" in a)) {
    return [
      "the checkpoint was written by an earlier BatteryML that did not fingerprint data, loss and options",
    ];
  }
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (isObj(x) && isObj(y)) {
      const keys = new Set([...Object.keys(x as object), ...Object.keys(y as object)]);
      for (const k of keys) {
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      }
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(`${describePath(path)} differs (checkpoint ${brief(x)}, this fit ${brief(y)})`);
    }
  };
  walk(a, b, "");
  return out.length ? out : ["fingerprints differ"];
}

const PATH_NAMES: [RegExp, string][] = [
  [/^identity\.data\.train$/, "training data (sha256)"],
  [/^identity\.data\.val$/, "validation data (sha256)"],
  [/^identity\.loss/, "loss"],
  [/^identity\.model/, "model"],
  [/^identity\.label$/, "fit label"],
  [/^identity\.observe/, "observed prefix (evaluation.observe)"],
  [/^settings\./, "training setting"],
];

function describePath(path: string): string {
  const known = PATH_NAMES.find(([re]) => re.test(path));
  return known ? `${known[1]} '${path.replace(/^identity\./, "")}'` : `'${path}'`;
}

function brief(v: unknown): string {
  const text = v === undefined ? "absent" : JSON.stringify(v);
  return /^"[0-9a-f]{64}"$/.test(text)
    ? text.slice(1, 13) + "…"
    : text.length > 80
    ? text.slice(0, 77) + "…"
    : text;
}

function assignParams(params: readonly tf.Variable[], values: readonly Float32Array[]): void {
  if (values.length !== params.length) {
    throw new RangeError(`expected ${params.length} parameter arrays, found ${values.length}`);
  }
  tf.tidy(() => params.forEach((p, i) => p.assign(tf.tensor(values[i], p.shape, "float32"))));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function batchesOf(order: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}
