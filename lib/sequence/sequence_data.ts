/**
 * The arrays of a sample set that neural models read, as a structural type (lib/ may not import the
 * core's SampleSet; a SampleSet satisfies this interface as it is).
 */

/** N samples of T steps, F features, K targets; see core/sample.ts for the layout. */
export interface SequenceData {
  readonly n: number;
  readonly steps: number;
  readonly featureNames: readonly string[];
  readonly targetNames: readonly string[];
  readonly x: Float32Array;
  readonly lengths: Int32Array;
  readonly y: Float32Array;
  readonly yMask: Uint8Array;
  readonly t: Float32Array;
  /** N: leading steps a forecast observes, stamped by the core (absent when not forecasting). */
  readonly observed?: Int32Array;
  readonly meta: {
    readonly cellKey: readonly string[];
    readonly extra?: Readonly<Record<string, Float64Array | string[]>>;
  };
}

/** N·T step mask: 1 for steps within each sample's length. */
export function stepMaskOf(set: SequenceData): Float32Array {
  const out = new Float32Array(set.n * set.steps);
  for (let i = 0; i < set.n; i++) out.fill(1, i * set.steps, i * set.steps + set.lengths[i]);
  return out;
}

/** Count of observed targets of the samples `batch` (the weight of a batch's loss). */
export function observedCount(set: SequenceData, batch: readonly number[]): number {
  const width = set.steps * set.targetNames.length;
  let count = 0;
  for (const i of batch) for (let j = i * width; j < (i + 1) * width; j++) count += set.yMask[j];
  return count;
}
