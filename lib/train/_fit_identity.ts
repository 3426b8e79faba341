/**
 * What determines a fit, for checkpoint resume checks: the training and validation data (a content hash
 * over the sample arrays), the loss and its options, the model and its options, the observed prefix of a
 * forecast (`evaluation.observe`: it changes what the model sees, not the sample set), and the fit label. A
 * checkpoint written by a fit with another identity must never be resumed: it would silently continue
 * someone else's weights. The trainer adds its own settings (training.*, epochs/steps, seed, shapes).
 */
import { createHash } from "node:crypto";

/** The arrays of a sample set that a fit reads (structural: lib/ does not import core/). */
export interface HashableSampleSet {
  n: number;
  steps: number;
  featureNames: readonly string[];
  targetNames: readonly string[];
  x: Float32Array;
  lengths: Int32Array;
  y: Float32Array;
  yMask: Uint8Array;
  t: Float32Array;
  meta: { cellKey: readonly string[] };
}

/** Identity of one fit; every field is compared on resume and named when it differs. */
export interface FitIdentity {
  model: { name: string; options: Record<string, unknown> };
  loss: { name: string; options: Record<string, unknown> } | null;
  data: { train: string; val: string | null };
  /** `evaluation.observe` (null: not forecasting). */
  observe: { rpts?: number; days?: number } | null;
  label: string;
}

/** sha256 (hex) over a sample set's shape, names, cells and arrays (targets only where observed). */
export function sampleSetDigest(set: HashableSampleSet): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({
    n: set.n,
    steps: set.steps,
    features: set.featureNames,
    targets: set.targetNames,
    cells: set.meta.cellKey,
  }));
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  h.update(bytes(set.x));
  h.update(bytes(set.lengths));
  // A value where yMask is 0 is never read: hash 0 there, so equal data hashes equal whatever it holds.
  h.update(bytes(Float32Array.from(set.y, (v, i) => (set.yMask[i] ? v : 0))));
  h.update(bytes(set.yMask));
  h.update(bytes(set.t));
  return h.digest("hex");
}

/** The identity of a fit of `model` with `options` on `train` (and `val`). */
export function fitIdentity(
  model: string,
  options: Record<string, unknown>,
  loss: FitIdentity["loss"] | undefined,
  train: HashableSampleSet,
  val: HashableSampleSet | undefined,
  label: string,
  observe: FitIdentity["observe"] = null,
): FitIdentity {
  // Where checkpoints are kept does not change the fit: a moved folder still resumes.
  const { checkpoint_dir: _dir, ...rest } = options;
  return {
    model: { name: model, options: rest },
    loss: loss ?? null,
    data: { train: sampleSetDigest(train), val: val ? sampleSetDigest(val) : null },
    observe,
    label,
  };
}
