/**
 * The interventional value function of model-agnostic SHAP: v(S) = mean over background rows b of
 * f(x_S, b_S̄) — the features in S come from the explained row, the others from each background row. All
 * masked rows of many coalitions go through the model in large batches, because per-call overhead (a tfjs
 * forward pass) dominates for small models.
 */

/** A batch model: `n` rows row-major (n·F) → outputs row-major (n·K). */
export type BatchPredict = (rows: Float64Array, n: number) => Float64Array | Promise<Float64Array>;

/** What the value function needs besides the row and the coalitions. */
export interface ValueContext {
  predict: BatchPredict;
  numFeatures: number;
  numOutputs: number;
  /** Background rows, row-major (rows·F), drawn by the caller from training data. */
  background: ArrayLike<number>;
  backgroundRows: number;
  /** Most rows sent to `predict` at once. */
  batchRows: number;
}

/** v(S) for each coalition (1 = feature taken from x), as coalitions·K means. */
export async function coalitionValues(
  ctx: ValueContext,
  x: ArrayLike<number>,
  coalitions: readonly Uint8Array[],
): Promise<Float64Array> {
  const { numFeatures: F, numOutputs: K, backgroundRows: B } = ctx;
  const out = new Float64Array(coalitions.length * K);
  const perBatch = Math.max(1, Math.floor(ctx.batchRows / B));
  for (let start = 0; start < coalitions.length; start += perBatch) {
    const chunk = coalitions.slice(start, start + perBatch);
    const rows = new Float64Array(chunk.length * B * F);
    chunk.forEach((z, c) => fillMaskedRows(rows, (c * B) * F, z, x, ctx.background, B, F));
    const y = await ctx.predict(rows, chunk.length * B);
    if (y.length !== chunk.length * B * K) {
      throw new RangeError(`predict returned ${y.length} values for ${chunk.length * B} rows × ${K} outputs`);
    }
    for (let c = 0; c < chunk.length; c++) {
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) out[(start + c) * K + k] += y[(c * B + b) * K + k] / B;
      }
    }
  }
  return out;
}

function fillMaskedRows(
  rows: Float64Array,
  at: number,
  z: Uint8Array,
  x: ArrayLike<number>,
  background: ArrayLike<number>,
  B: number,
  F: number,
): void {
  for (let b = 0; b < B; b++) {
    for (let f = 0; f < F; f++) rows[at + b * F + f] = z[f] ? x[f] : background[b * F + f];
  }
}

/** Coalition from a bitmask (M ≤ 31). */
export function maskToCoalition(mask: number, m: number): Uint8Array {
  const z = new Uint8Array(m);
  for (let f = 0; f < m; f++) z[f] = (mask >>> f) & 1;
  return z;
}
