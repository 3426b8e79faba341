/**
 * SampleSet: what pipelines produce and models consume. Columnar typed arrays, no tfjs, so the core and
 * tree models stay tensor-free. Tabular data is T = 1; sequences are padded to T with `lengths` and
 * `yMask` saying what is real.
 */
import { BatteryMLError } from "./errors.ts";

/** Thrown when arrays of a SampleSet disagree with its declared shape or hold forbidden values. */
export class SampleSetError extends BatteryMLError {
  constructor(message: string) {
    super("SAMPLES", `invalid SampleSet: ${message}`);
  }
}

/** Per-sample metadata; `rpt` is per step (N·T, -1 on padding). Extra columns are per sample. */
export interface SampleMeta {
  cellKey: string[];
  chamberC: Float64Array;
  rpt: Int32Array;
  extra?: Record<string, Float64Array | string[]>;
}

/** The columnar set of N samples of T steps, F features and K targets. */
export interface SampleSet {
  readonly n: number;
  readonly steps: number;
  readonly featureNames: readonly string[];
  readonly targetNames: readonly string[];
  /** N·T·F, row-major (sample, step, feature). NaN marks a missing feature value (trees route it). */
  readonly x: Float32Array;
  /** N: real steps of each sample (1..T). */
  readonly lengths: Int32Array;
  /** N·T·K; a value where yMask is 0 is never read. */
  readonly y: Float32Array;
  /** N·T·K: 1 where the target is observed. */
  readonly yMask: Uint8Array;
  /** N·T: time of each step relative to its sequence's start (days or Ah, as the pipeline says). */
  readonly t: Float32Array;
  readonly meta: SampleMeta;
  /**
   * N: the leading steps a sequence forecast observes (`evaluation.observe`), stamped by the core on every
   * set it hands a model (core/observe.ts); absent when not forecasting. Scored steps come after them.
   */
  readonly observed?: Int32Array;
}

/** What `createSampleSet` takes; omitted masks and lengths mean "everything observed". */
export interface SampleSetParts {
  featureNames: readonly string[];
  targetNames: readonly string[];
  steps?: number;
  x: Float32Array;
  y: Float32Array;
  lengths?: Int32Array;
  yMask?: Uint8Array;
  t?: Float32Array;
  meta: Omit<SampleMeta, "rpt"> & { rpt?: Int32Array };
}

/** Validation options: whether missing (NaN) feature values are allowed. */
export interface SampleSetCheck {
  allowMissingFeatures?: boolean;
}

/** Builds and validates a SampleSet; every shape disagreement is a `SampleSetError` naming the array. */
export function createSampleSet(parts: SampleSetParts, check: SampleSetCheck = {}): SampleSet {
  const steps = parts.steps ?? 1;
  const f = parts.featureNames.length;
  const k = parts.targetNames.length;
  const n = parts.meta.cellKey.length;
  if (!Number.isInteger(steps) || steps < 1) throw new SampleSetError(`steps must be ≥ 1, found ${steps}`);
  expectLength("x", parts.x.length, n * steps * f, `N·T·F = ${n}·${steps}·${f}`);
  expectLength("y", parts.y.length, n * steps * k, `N·T·K = ${n}·${steps}·${k}`);
  const lengths = parts.lengths ?? new Int32Array(n).fill(steps);
  expectLength("lengths", lengths.length, n, "N");
  const yMask = parts.yMask ?? defaultMask(parts.y, lengths, steps, k);
  expectLength("yMask", yMask.length, n * steps * k, "N·T·K");
  const t = parts.t ?? new Float32Array(n * steps);
  expectLength("t", t.length, n * steps, "N·T");
  expectLength("meta.chamberC", parts.meta.chamberC.length, n, "N");
  const rpt = parts.meta.rpt ?? new Int32Array(n * steps).fill(-1);
  expectLength("meta.rpt", rpt.length, n * steps, "N·T");
  for (const [name, col] of Object.entries(parts.meta.extra ?? {})) {
    expectLength(`meta.extra.${name}`, col.length, n, "N");
  }
  checkUnique("featureNames", parts.featureNames);
  checkUnique("targetNames", parts.targetNames);
  for (let i = 0; i < n; i++) {
    if (lengths[i] < 1 || lengths[i] > steps) {
      throw new SampleSetError(
        `lengths[${i}] = ${lengths[i]} outside 1..${steps} (cell ${parts.meta.cellKey[i]})`,
      );
    }
  }
  checkFinite(parts, lengths, yMask, t, steps, check.allowMissingFeatures ?? false);
  return {
    n,
    steps,
    featureNames: [...parts.featureNames],
    targetNames: [...parts.targetNames],
    x: parts.x,
    y: parts.y,
    lengths,
    yMask,
    t,
    meta: { ...parts.meta, rpt },
  };
}

function expectLength(name: string, found: number, expected: number, formula: string): void {
  if (found !== expected) {
    throw new SampleSetError(`${name} has length ${found}, expected ${formula} = ${expected}`);
  }
}

function checkUnique(name: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const s of names) {
    if (seen.has(s)) throw new SampleSetError(`${name} lists '${s}' twice`);
    seen.add(s);
  }
}

/** Mask = observed wherever y is finite within the sample's length. */
function defaultMask(y: Float32Array, lengths: Int32Array, steps: number, k: number): Uint8Array {
  const mask = new Uint8Array(y.length);
  for (let i = 0; i < lengths.length; i++) {
    for (let s = 0; s < lengths[i]; s++) {
      for (let j = 0; j < k; j++) {
        const at = (i * steps + s) * k + j;
        mask[at] = Number.isFinite(y[at]) ? 1 : 0;
      }
    }
  }
  return mask;
}

function checkFinite(
  parts: SampleSetParts,
  lengths: Int32Array,
  yMask: Uint8Array,
  t: Float32Array,
  steps: number,
  allowMissing: boolean,
): void {
  const f = parts.featureNames.length;
  const k = parts.targetNames.length;
  for (let i = 0; i < lengths.length; i++) {
    for (let s = 0; s < lengths[i]; s++) {
      const row = i * steps + s;
      if (!Number.isFinite(t[row])) throw new SampleSetError(`t is ${t[row]} at sample ${i}, step ${s}`);
      for (let j = 0; j < f; j++) {
        const v = parts.x[row * f + j];
        if (Number.isNaN(v) ? !allowMissing : !Number.isFinite(v)) {
          throw new SampleSetError(
            `feature '${parts.featureNames[j]}' is ${v} at sample ${i} (cell ${
              parts.meta.cellKey[i]
            }), step ${s}`,
          );
        }
      }
      for (let j = 0; j < k; j++) {
        const at = row * k + j;
        if (yMask[at] && !Number.isFinite(parts.y[at])) {
          throw new SampleSetError(
            `target '${parts.targetNames[j]}' is ${
              parts.y[at]
            } but marked observed at sample ${i}, step ${s}`,
          );
        }
      }
    }
  }
}

/** A read-only view of one sample: subarrays into the set, no copies. */
export interface Sample {
  index: number;
  cellKey: string;
  chamberC: number;
  length: number;
  x: Float32Array;
  y: Float32Array;
  yMask: Uint8Array;
  t: Float32Array;
  rpt: Int32Array;
}

/** The i-th sample as a view. */
export function sampleAt(set: SampleSet, i: number): Sample {
  if (!Number.isInteger(i) || i < 0 || i >= set.n) {
    throw new RangeError(`sample ${i} outside 0..${set.n - 1}`);
  }
  const T = set.steps, F = set.featureNames.length, K = set.targetNames.length;
  return {
    index: i,
    cellKey: set.meta.cellKey[i],
    chamberC: set.meta.chamberC[i],
    length: set.lengths[i],
    x: set.x.subarray(i * T * F, (i + 1) * T * F),
    y: set.y.subarray(i * T * K, (i + 1) * T * K),
    yMask: set.yMask.subarray(i * T * K, (i + 1) * T * K),
    t: set.t.subarray(i * T, (i + 1) * T),
    rpt: set.meta.rpt.subarray(i * T, (i + 1) * T),
  };
}

/** A new set holding the given samples in the given order (copies). */
export function selectSamples(set: SampleSet, indices: ArrayLike<number>): SampleSet {
  const T = set.steps, F = set.featureNames.length, K = set.targetNames.length;
  const m = indices.length;
  const x = new Float32Array(m * T * F), y = new Float32Array(m * T * K), yMask = new Uint8Array(m * T * K);
  const t = new Float32Array(m * T), rpt = new Int32Array(m * T), lengths = new Int32Array(m);
  const chamberC = new Float64Array(m), cellKey: string[] = [];
  for (let j = 0; j < m; j++) {
    const i = indices[j];
    if (i < 0 || i >= set.n) throw new RangeError(`sample ${i} outside 0..${set.n - 1}`);
    x.set(set.x.subarray(i * T * F, (i + 1) * T * F), j * T * F);
    y.set(set.y.subarray(i * T * K, (i + 1) * T * K), j * T * K);
    yMask.set(set.yMask.subarray(i * T * K, (i + 1) * T * K), j * T * K);
    t.set(set.t.subarray(i * T, (i + 1) * T), j * T);
    rpt.set(set.meta.rpt.subarray(i * T, (i + 1) * T), j * T);
    lengths[j] = set.lengths[i];
    chamberC[j] = set.meta.chamberC[i];
    cellKey.push(set.meta.cellKey[i]);
  }
  const extra = selectExtra(set.meta.extra, indices);
  const { observed, ...rest } = set;
  return {
    ...rest,
    ...(observed ? { observed: Int32Array.from(indices, (i) => observed[i]) } : {}),
    n: m,
    x,
    y,
    yMask,
    t,
    lengths,
    meta: { cellKey, chamberC, rpt, ...(extra ? { extra } : {}) },
  };
}

function selectExtra(
  extra: SampleMeta["extra"],
  indices: ArrayLike<number>,
): SampleMeta["extra"] | undefined {
  if (!extra) return undefined;
  const out: Record<string, Float64Array | string[]> = {};
  for (const [name, col] of Object.entries(extra)) {
    out[name] = Array.isArray(col)
      ? Array.from(indices, (i) => col[i])
      : Float64Array.from(indices, (i) => (col as Float64Array)[i]);
  }
  return out;
}

/** Indices of the samples whose cell is in `cellKeys`. */
export function indicesOfCells(set: SampleSet, cellKeys: Iterable<string>): number[] {
  const wanted = new Set(cellKeys);
  const out: number[] = [];
  set.meta.cellKey.forEach((c, i) => wanted.has(c) && out.push(i));
  return out;
}

/** Concatenates sets with the same features, targets and step count (e.g. train ∪ validation). */
export function concatSampleSets(sets: readonly SampleSet[]): SampleSet {
  if (sets.length === 0) throw new SampleSetError("nothing to concatenate");
  const [first] = sets;
  for (const s of sets) {
    if (s.steps !== first.steps) throw new SampleSetError(`step counts differ: ${first.steps} vs ${s.steps}`);
    if (s.featureNames.join("\u0000") !== first.featureNames.join("\u0000")) {
      throw new SampleSetError("feature names differ between the sets being concatenated");
    }
    if (s.targetNames.join("\u0000") !== first.targetNames.join("\u0000")) {
      throw new SampleSetError("target names differ between the sets being concatenated");
    }
  }
  const cat = <A extends Float32Array | Uint8Array | Int32Array | Float64Array>(
    pick: (s: SampleSet) => A,
    make: (n: number) => A,
  ): A => {
    const out = make(sets.reduce((a, s) => a + pick(s).length, 0));
    let at = 0;
    for (const s of sets) {
      out.set(pick(s) as never, at);
      at += pick(s).length;
    }
    return out;
  };
  const extraNames = Object.keys(first.meta.extra ?? {});
  const extra: Record<string, Float64Array | string[]> = {};
  for (const name of extraNames) {
    const cols = sets.map((s) => s.meta.extra?.[name]);
    if (cols.some((c) => c === undefined)) {
      throw new SampleSetError(`meta column '${name}' missing in one set`);
    }
    extra[name] = Array.isArray(cols[0])
      ? (cols as string[][]).flat()
      : Float64Array.from((cols as Float64Array[]).flatMap((c) => Array.from(c)));
  }
  const { observed: _observed, ...rest } = first;
  const observed = sets.every((s) => s.observed)
    ? cat((s) => s.observed!, (n) => new Int32Array(n))
    : undefined;
  return {
    ...rest,
    ...(observed ? { observed } : {}),
    n: sets.reduce((a, s) => a + s.n, 0),
    x: cat((s) => s.x, (n) => new Float32Array(n)),
    y: cat((s) => s.y, (n) => new Float32Array(n)),
    yMask: cat((s) => s.yMask, (n) => new Uint8Array(n)),
    t: cat((s) => s.t, (n) => new Float32Array(n)),
    lengths: cat((s) => s.lengths, (n) => new Int32Array(n)),
    meta: {
      cellKey: sets.flatMap((s) => s.meta.cellKey),
      chamberC: cat((s) => s.meta.chamberC, (n) => new Float64Array(n)),
      rpt: cat((s) => s.meta.rpt, (n) => new Int32Array(n)),
      ...(extraNames.length ? { extra } : {}),
    },
  };
}

/** Splits 0..n-1 into batches of at most `size`, in order or shuffled by `shuffle` (a seeded permutation). */
export function batchIndices(n: number, size: number, shuffle?: (a: number[]) => number[]): number[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be ≥ 1, found ${size}`);
  const order = Array.from({ length: n }, (_, i) => i);
  const perm = shuffle ? shuffle(order) : order;
  const out: number[][] = [];
  for (let i = 0; i < n; i += size) out.push(perm.slice(i, i + size));
  return out;
}

/** One ragged sequence for `padSequences`: L steps of F features and K targets (NaN target = missing). */
export interface RaggedSequence {
  cellKey: string;
  chamberC: number;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  t: ArrayLike<number>;
  rpt: ArrayLike<number>;
}

/** Pads ragged sequences to a common T (the longest, or `maxLen` truncating), with lengths and masks. */
export function padSequences(
  seqs: readonly RaggedSequence[],
  featureNames: readonly string[],
  targetNames: readonly string[],
  maxLen?: number,
  check: SampleSetCheck = {},
): SampleSet {
  const F = featureNames.length, K = targetNames.length;
  const lens = seqs.map((s) => Math.min(s.t.length, maxLen ?? Infinity));
  const T = Math.max(1, ...lens);
  const n = seqs.length;
  const x = new Float32Array(n * T * F), y = new Float32Array(n * T * K), yMask = new Uint8Array(n * T * K);
  const t = new Float32Array(n * T), rpt = new Int32Array(n * T).fill(-1);
  seqs.forEach((s, i) => {
    if (s.x.length !== s.t.length * F || s.y.length !== s.t.length * K || s.rpt.length !== s.t.length) {
      throw new SampleSetError(`sequence ${i} (cell ${s.cellKey}): x, y, t and rpt lengths disagree`);
    }
    for (let step = 0; step < lens[i]; step++) {
      const row = i * T + step;
      t[row] = s.t[step];
      rpt[row] = s.rpt[step];
      for (let j = 0; j < F; j++) x[row * F + j] = s.x[step * F + j];
      for (let j = 0; j < K; j++) {
        const v = s.y[step * K + j];
        y[row * K + j] = Number.isFinite(v) ? v : 0;
        yMask[row * K + j] = Number.isFinite(v) ? 1 : 0;
      }
    }
  });
  return createSampleSet({
    featureNames,
    targetNames,
    steps: T,
    x,
    y,
    yMask,
    t,
    lengths: Int32Array.from(lens.map((l) => Math.max(1, l))),
    meta: {
      cellKey: seqs.map((s) => s.cellKey),
      chamberC: Float64Array.from(seqs.map((s) => s.chamberC)),
      rpt,
    },
  }, check);
}
