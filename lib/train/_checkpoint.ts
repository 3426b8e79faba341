/**
 * Training checkpoints in a folder: `checkpoint.json` (progress, RNG state, history, tensor layout) and
 * one binary file of float32 tensors named by a fresh id. The binary is written first and the JSON that
 * names it last, each atomically, so an interruption at any moment leaves the previous checkpoint
 * readable; stale binaries are removed afterwards.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";

/** Everything needed to continue training exactly where it stopped. */
export interface TrainingCheckpoint {
  /** Epochs fully completed. */
  epoch: number;
  /** Batches already done in the epoch `epoch` (0 at an epoch boundary). */
  batch: number;
  /** RNG state at the start of epoch `epoch` (its batch order is redrawn from it). */
  rngState: number;
  /** Loss sum and weight of the batches done in the current epoch. */
  epochLoss: { sum: number; weight: number };
  /** Sum of the pre-clip gradient norms of the batches done in the current epoch. */
  gradNormSum?: number;
  /** Optimizer steps done over all epochs (absent in older checkpoints: epochs were all full). */
  stepsDone?: number;
  /** Set once training has ended (all epochs, or stopped early): a resume then does nothing more. */
  finished?: boolean;
  history: TrainingHistory;
  best: { epoch: number; loss: number } | null;
  params: Float32Array[];
  bestParams: Float32Array[] | null;
  optimizer: { step: number; slots: Float32Array[] };
  /** Free-form identity of the run (settings, shapes) checked on resume. */
  fingerprint: string;
  /** Mixed precision: the loss scaler's state (absent in float32). */
  lossScale?: { scale: number; goodSteps: number };
  /** Mixed precision: steps of the current epoch skipped so far for overflowing gradients. */
  skippedSteps?: number;
}

/** Per-epoch curves: training loss (sample-weighted), validation loss (NaN when none) and rate. */
export interface TrainingHistory {
  train_loss: number[];
  val_loss: number[];
  learning_rate: number[];
}

interface CheckpointIndex extends Omit<TrainingCheckpoint, "params" | "bestParams" | "optimizer"> {
  version: 1;
  tensorsFile: string;
  groups: { params: number[]; bestParams: number[] | null; slots: number[] };
  optimizerStep: number;
}

const INDEX = "checkpoint.json";

/** Writes a checkpoint into `dir` atomically (see the module comment). */
export async function saveCheckpoint(dir: string, ck: TrainingCheckpoint): Promise<void> {
  const arrays = [...ck.params, ...(ck.bestParams ?? []), ...ck.optimizer.slots];
  const total = arrays.reduce((a, x) => a + x.length, 0);
  const flat = new Float32Array(total);
  let at = 0;
  for (const a of arrays) {
    flat.set(a, at);
    at += a.length;
  }
  const tensorsFile = `tensors-${crypto.randomUUID()}.bin`;
  await writeFileAtomic(join(dir, tensorsFile), new Uint8Array(flat.buffer));
  const { params, bestParams, optimizer, ...rest } = ck;
  const index: CheckpointIndex = {
    ...rest,
    version: 1,
    tensorsFile,
    groups: {
      params: params.map((p) => p.length),
      bestParams: bestParams?.map((p) => p.length) ?? null,
      slots: optimizer.slots.map((s) => s.length),
    },
    optimizerStep: optimizer.step,
  };
  await writeFileAtomic(join(dir, INDEX), JSON.stringify(index, jsonNumbers) + "\n");
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith("tensors-") && e.name !== tensorsFile) await Deno.remove(join(dir, e.name));
  }
}

/** Reads the checkpoint in `dir`, or null when there is none. */
export async function loadCheckpoint(dir: string): Promise<TrainingCheckpoint | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, INDEX));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const index = JSON.parse(text, jsonNumbersBack) as CheckpointIndex;
  const bytes = await Deno.readFile(join(dir, index.tensorsFile));
  const flat = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let at = 0;
  const take = (sizes: number[]) =>
    sizes.map((n) => {
      const a = flat.slice(at, at + n);
      at += n;
      return a;
    });
  const params = take(index.groups.params);
  const bestParams = index.groups.bestParams ? take(index.groups.bestParams) : null;
  const slots = take(index.groups.slots);
  const { version: _v, tensorsFile: _f, groups: _g, optimizerStep, ...rest } = index;
  return { ...rest, params, bestParams, optimizer: { step: optimizerStep, slots } };
}

// JSON has no NaN/Infinity: history may hold NaN (no validation), so encode non-finite numbers as strings.
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

function jsonNumbersBack(_key: string, value: unknown): unknown {
  return value === "NaN" || value === "Infinity" || value === "-Infinity" ? Number(value) : value;
}
