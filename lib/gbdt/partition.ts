/**
 * Row partition of a growing tree: one index array where every leaf owns a contiguous range. A split
 * partitions its leaf's range in place (stable, through one shared scratch buffer), so growing a tree
 * allocates nothing per row and each leaf's rows stay in ascending order (cache-friendly gathers).
 */

/** Rows of every leaf of the tree being grown. */
export class DataPartition {
  /** Row indices; leaf l owns indices[begin[l] .. begin[l] + count[l]). */
  readonly indices: Int32Array;
  readonly begin: Int32Array;
  readonly count: Int32Array;
  #scratch: Int32Array;
  #leaves = 0;

  /** `buffers` (two arrays of `rows` entries) place the indices and scratch, e.g. in a WebAssembly memory. */
  constructor(rows: number, maxLeaves: number, buffers?: { indices: Int32Array; scratch: Int32Array }) {
    this.indices = buffers?.indices ?? new Int32Array(rows);
    this.#scratch = buffers?.scratch ?? new Int32Array(rows);
    this.begin = new Int32Array(maxLeaves);
    this.count = new Int32Array(maxLeaves);
  }

  /** Number of leaves so far. */
  get leaves(): number {
    return this.#leaves;
  }

  /** Starts a tree: one leaf holding `rows` (all rows 0..n-1 when omitted). */
  reset(rows?: Int32Array): void {
    if (rows) this.indices.set(rows);
    else for (let i = 0; i < this.indices.length; i++) this.indices[i] = i;
    this.begin[0] = 0;
    this.count[0] = rows ? rows.length : this.indices.length;
    this.#leaves = 1;
  }

  /**
   * Splits `leaf` by one binned feature column (row r's bin at `bins[column + r]`): rows whose bin ≤
   * threshold (or the NaN bin when `defaultLeft`) stay in `leaf`, the others move to a new leaf whose
   * index is returned.
   */
  split(
    leaf: number,
    bins: Uint8Array,
    column: number,
    threshold: number,
    nanBin: number,
    defaultLeft: boolean,
  ): number {
    const idx = this.indices, scratch = this.#scratch;
    const start = this.begin[leaf], end = start + this.count[leaf];
    let left = start, right = 0;
    const nanLeft = defaultLeft ? 1 : 0;
    // Branch-free: the direction is data-dependent and would mispredict about half the time.
    for (let i = start; i < end; i++) {
      const row = idx[i];
      const bin = bins[column + row];
      const goesLeft = bin === nanBin ? nanLeft : ((threshold - bin) >>> 31) ^ 1;
      idx[left] = row;
      scratch[right] = row;
      left += goesLeft;
      right += 1 - goesLeft;
    }
    idx.set(scratch.subarray(0, right), left);
    const created = this.#leaves++;
    this.count[leaf] = left - start;
    this.begin[created] = left;
    this.count[created] = right;
    return created;
  }

  /** The row indices of one leaf (a view, valid until the next split). */
  rowsOf(leaf: number): Int32Array {
    return this.indices.subarray(this.begin[leaf], this.begin[leaf] + this.count[leaf]);
  }
}
