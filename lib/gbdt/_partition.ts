/**
 * Row partition of a growing tree: one index array where every leaf owns a contiguous range. A split
 * partitions its leaf's range in place (stable, through one shared scratch buffer), so growing a tree
 * allocates nothing per row and each leaf's rows stay in ascending order (cache-friendly gathers). The
 * loop over a leaf's rows runs as WebAssembly in the learner's workspace, branch-free (the direction is
 * data-dependent and would mispredict about half the time).
 */
import { I32, op, type WasmFunction } from "../wasm/mod.ts";
import type { LearnerWorkspace } from "./_workspace.ts";

/** The exported partition kernel; addresses are byte addresses, the result is the end of the left part. */
type PartitionRows = (
  rows: number,
  rowsEnd: number,
  scratch: number,
  column: number,
  threshold: number,
  nanBin: number,
  nanLeft: number,
) => number;

/** Rows of every leaf of the tree being grown. */
export class DataPartition {
  /** Row indices; leaf l owns indices[begin[l] .. begin[l] + count[l]). */
  readonly indices: Int32Array;
  readonly begin: Int32Array;
  readonly count: Int32Array;
  readonly #workspace: LearnerWorkspace;
  readonly #partition: PartitionRows;
  readonly #rows: number;
  #leaves = 0;

  constructor(workspace: LearnerWorkspace, maxLeaves: number) {
    this.#workspace = workspace;
    this.#partition = workspace.kernels.partition as PartitionRows;
    this.indices = workspace.indices;
    this.#rows = workspace.indices.length;
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
   * Splits `leaf` by binned feature `feature`: rows whose bin ≤ threshold (or the NaN bin when
   * `defaultLeft`) stay in `leaf`, the others move to a new leaf whose index is returned.
   */
  split(leaf: number, feature: number, threshold: number, nanBin: number, defaultLeft: boolean): number {
    const ws = this.#workspace, base = ws.indices.byteOffset;
    const start = this.begin[leaf], end = start + this.count[leaf];
    const column = ws.columnBins.byteOffset + feature * this.#rows;
    const leftEnd = this.#partition(
      base + 4 * start,
      base + 4 * end,
      ws.scratch.byteOffset,
      column,
      threshold,
      nanBin,
      defaultLeft ? 1 : 0,
    ) >>> 0;
    const left = (leftEnd - base) / 4;
    const created = this.#leaves++;
    this.count[leaf] = left - start;
    this.begin[created] = left;
    this.count[created] = end - left;
    return created;
  }

  /** The row indices of one leaf (a view, valid until the next split). */
  rowsOf(leaf: number): Int32Array {
    return this.indices.subarray(this.begin[leaf], this.begin[leaf] + this.count[leaf]);
  }
}

/**
 * `partition(rows, rowsEnd, scratch, column, threshold, nanBin, nanLeft)`: for each row index in
 * [rows, rowsEnd), bin = column[row]; it goes left when bin = nanBin ? nanLeft : bin ≤ threshold. Left rows
 * are compacted in place from `rows`, right rows collected in `scratch` and copied after them; returns the
 * end of the left part.
 */
export function partitionFunction(): WasmFunction {
  const ROWS = 0, ROWS_END = 1, SCRATCH = 2, COLUMN = 3, THRESHOLD = 4, NAN_BIN = 5, NAN_LEFT = 6;
  const row = 7, bin = 8, goesLeft = 9, left = 10, right = 11;
  const perRow = [
    ...op.localGet(ROWS),
    ...op.i32Load(),
    ...op.localTee(row),
    ...op.localGet(COLUMN),
    ...op.i32Add,
    ...op.i32Load8U(),
    ...op.localSet(bin),
    // goesLeft = bin == nanBin ? nanLeft : bin ≤ threshold
    ...op.localGet(NAN_LEFT),
    ...op.localGet(bin),
    ...op.localGet(THRESHOLD),
    ...op.i32LeU,
    ...op.localGet(bin),
    ...op.localGet(NAN_BIN),
    ...op.i32Eq,
    ...op.select,
    ...op.localSet(goesLeft),
    // Written to both sides; only the side that advances keeps it.
    ...op.localGet(left),
    ...op.localGet(row),
    ...op.i32Store(),
    ...op.localGet(right),
    ...op.localGet(row),
    ...op.i32Store(),
    ...op.localGet(left),
    ...op.localGet(goesLeft),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.localSet(left),
    ...op.localGet(right),
    ...op.i32Const(4),
    ...op.localGet(goesLeft),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Sub,
    ...op.i32Add,
    ...op.localSet(right),
  ];
  const body = [
    ...op.localGet(ROWS),
    ...op.localSet(left),
    ...op.localGet(SCRATCH),
    ...op.localSet(right),
    ...op.block,
    ...op.localGet(ROWS),
    ...op.localGet(ROWS_END),
    ...op.i32GeU,
    ...op.brIf(0),
    ...op.loop,
    ...perRow,
    ...op.localGet(ROWS),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.localTee(ROWS),
    ...op.localGet(ROWS_END),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
    // The right rows follow the left ones.
    ...op.localGet(left),
    ...op.localGet(SCRATCH),
    ...op.localGet(right),
    ...op.localGet(SCRATCH),
    ...op.i32Sub,
    ...op.memoryCopy,
    ...op.localGet(left),
  ];
  return {
    name: "partition",
    params: [I32, I32, I32, I32, I32, I32, I32],
    results: [I32],
    locals: [I32, I32, I32, I32, I32],
    body,
  };
}
