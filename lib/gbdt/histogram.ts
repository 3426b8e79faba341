/**
 * Gradient histograms: for every feature and bin, the sum of gradients and the row count over the rows of
 * one leaf. These loops are the hot path of training. They run as WebAssembly generated per dataset: the
 * bins are read row-major (one row's bytes for all features sit together, so a leaf's rows cost one cache
 * line each however scattered they are, and are gathered a chunk at a time with their gradients), and
 * each bin is one 16-byte slot [gradient sum, count] updated by a single SIMD add of [g, 1] — one load
 * and one store per row and feature instead of two of each. Every objective has a constant hessian, so
 * hessian sums are count × that constant and are not accumulated.
 *
 * Sums are added in the order of the leaf's rows, exactly as a scalar loop over those rows would add them,
 * so the result does not depend on this layout (tests/lib/gbdt/histogram_test.ts checks it bit for bit).
 */
import type { BinnedMatrix } from "./binning.ts";
import type { LearnerWorkspace } from "./workspace.ts";
import { I32, op, V128, type WasmFunction } from "./wasm_encoder.ts";

/** Per-bin sums of one leaf for all features, in the learner's WebAssembly memory. */
export interface Histogram {
  /** sums[2b] = gradient sum of bin b, sums[2b + 1] = its row count (an exact integer). */
  sums: Float64Array;
}

/** Bytes of one histogram slot [gradient sum, count]. */
export const SLOT_BYTES = 16;

// The exported kernels; every argument is a byte address in the workspace's memory.
type AllFeatures = (
  rows: number,
  rowsEnd: number,
  grad: number,
  bins: number,
  hist: number,
  chunk: number,
) => void;
type SomeFeatures = (
  rows: number,
  rowsEnd: number,
  grad: number,
  bins: number,
  hist: number,
  list: number,
  listEnd: number,
) => void;
type Subtract = (parent: number, smaller: number, parentEnd: number) => void;

/** The compiled kernels of one binned matrix, working in one learner's workspace. */
export class HistogramKernel {
  readonly #workspace: LearnerWorkspace;
  readonly #offsets: Int32Array;
  readonly #all: AllFeatures;
  readonly #some: SomeFeatures;
  readonly #subtract: Subtract;
  /** Features in the workspace's feature list; -1: all features (the unrolled kernel). */
  #listed = -1;

  constructor(workspace: LearnerWorkspace, data: BinnedMatrix) {
    this.#workspace = workspace;
    this.#offsets = data.binOffsets;
    const exports = workspace.kernels;
    this.#all = exports.all as AllFeatures;
    this.#some = exports.some as SomeFeatures;
    this.#subtract = exports.subtract as Subtract;
  }

  /** The features that following builds fill (the others stay zero). */
  selectFeatures(features: Int32Array): void {
    const cols = this.#offsets.length - 1;
    if (features.length === cols && features.every((j, k) => j === k)) {
      this.#listed = -1;
      return;
    }
    const list = this.#workspace.featureList;
    features.forEach((j, k) => {
      list[2 * k] = j;
      list[2 * k + 1] = this.#offsets[j] * SLOT_BYTES;
    });
    this.#listed = features.length;
  }

  /** Zeroes `hist` and adds the rows `indices[begin .. begin + count)` of the workspace. */
  build(hist: Histogram, begin: number, count: number): void {
    const ws = this.#workspace, to = hist.sums.byteOffset;
    hist.sums.fill(0);
    const rows = ws.indices.byteOffset + 4 * begin, rowsEnd = rows + 4 * count;
    const grad = ws.gradients.byteOffset, bins = ws.rowBins.byteOffset;
    if (this.#listed < 0) {
      this.#all(rows, rowsEnd, grad, bins, to, ws.chunk.byteOffset);
    } else {
      const list = ws.featureList.byteOffset;
      this.#some(rows, rowsEnd, grad, bins, to, list, list + 8 * this.#listed);
    }
  }

  /** The subtraction trick: `parent ← parent − smaller` over every slot (the larger child's sums). */
  subtract(parent: Histogram, smaller: Histogram): void {
    const at = parent.sums.byteOffset;
    this.#subtract(at, smaller.sums.byteOffset, at + 8 * parent.sums.length);
  }
}

/** The histogram kernels of a binned matrix, for the workspace's module. */
export function histogramFunctions(data: BinnedMatrix): WasmFunction[] {
  return [allFeatures(data), someFeatures(data.cols), subtract()];
}

/** Rows gathered per chunk by `allGathered` (their bins and gradients stay in L1/L2 until summed). */
export const CHUNK_ROWS = 1024;

/** Bytes of the chunk buffer of a matrix with `cols` features: the rows' bins, then their gradients. */
export function chunkBytes(cols: number): number {
  return chunkGradOffset(cols) + 8 * CHUNK_ROWS;
}

function chunkGradOffset(cols: number): number {
  return Math.ceil((CHUNK_ROWS * cols) / 16) * 16;
}

/** Copies `cols` bytes from address `src` to `dst` (locals), 8 bytes at a time where it can. */
function copyBytes(src: number, dst: number, cols: number): number[] {
  const out: number[] = [];
  let k = 0;
  const piece = (size: number, load: (at: number) => number[], store: (at: number) => number[]) => {
    for (; k + size <= cols; k += size) {
      out.push(...op.localGet(dst), ...op.localGet(src), ...load(k), ...store(k));
    }
  };
  piece(8, op.i64Load, op.i64Store);
  piece(4, op.i32Load, op.i32Store);
  piece(2, op.i32Load16U, op.i32Store16);
  piece(1, op.i32Load8U, op.i32Store8);
  return out;
}

/**
 * Every feature, a chunk of rows at a time: first the rows' bins and gradients are gathered into the
 * chunk buffer (a short loop whose loads the processor keeps many of in flight, so scattered rows of a
 * matrix larger than the caches cost bandwidth rather than a full memory latency each: at 1M rows this
 * halved the build time, and at 100k it was no slower), then summed from there, unrolled over the
 * features: feature j's byte is at the row's start + j and its first slot at a constant offset.
 * Params: rows, rowsEnd, grad, bins, hist, chunk.
 */
function allFeatures(data: BinnedMatrix): WasmFunction {
  const cols = data.cols, CHUNK = 5;
  const row = 6, src = 7, p = 8, q = 9, qEnd = 10, chunkEnd = 11, address = 12, gv = 13;
  const get = op.localGet, set = op.localSet;
  const gather = [
    ...get(CHUNK),
    ...set(p),
    ...get(CHUNK),
    ...op.i32Const(chunkGradOffset(cols)),
    ...op.i32Add,
    ...set(q),
    ...op.loop,
    ...get(ROWS),
    ...op.i32Load(),
    ...op.localTee(row),
    ...op.i32Const(cols),
    ...op.i32Mul,
    ...get(BINS),
    ...op.i32Add,
    ...set(src),
    ...copyBytes(src, p, cols),
    ...get(q),
    ...get(row),
    ...op.i32Const(3),
    ...op.i32Shl,
    ...get(GRAD),
    ...op.i32Add,
    ...op.f64Load(),
    ...op.f64Store(),
    ...get(p),
    ...op.i32Const(cols),
    ...op.i32Add,
    ...set(p),
    ...get(q),
    ...op.i32Const(8),
    ...op.i32Add,
    ...set(q),
    ...get(ROWS),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.localTee(ROWS),
    ...get(chunkEnd),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
  ];
  const perRow: number[] = [
    ...op.v128ConstF64(0, 1),
    ...get(q),
    ...op.f64Load(),
    ...op.f64x2ReplaceLane(0),
    ...set(gv),
  ];
  for (let j = 0; j < cols; j++) {
    perRow.push(
      ...get(p),
      ...op.i32Load8U(j),
      ...op.i32Const(4),
      ...op.i32Shl,
      ...get(HIST),
      ...op.i32Add,
      ...addToSlot(address, gv, data.binOffsets[j] * SLOT_BYTES),
    );
  }
  const accumulate = [
    ...get(q),
    ...set(qEnd),
    ...get(CHUNK),
    ...set(p),
    ...get(CHUNK),
    ...op.i32Const(chunkGradOffset(cols)),
    ...op.i32Add,
    ...set(q),
    ...op.loop,
    ...perRow,
    ...get(p),
    ...op.i32Const(cols),
    ...op.i32Add,
    ...set(p),
    ...get(q),
    ...op.i32Const(8),
    ...op.i32Add,
    ...op.localTee(q),
    ...get(qEnd),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
  ];
  const body = [
    ...op.block,
    ...op.loop,
    ...get(ROWS),
    ...get(ROWS_END),
    ...op.i32GeU,
    ...op.brIf(1),
    // chunkEnd = min(rows + CHUNK_ROWS·4, rowsEnd)
    ...get(ROWS),
    ...op.i32Const(4 * CHUNK_ROWS),
    ...op.i32Add,
    ...op.localTee(chunkEnd),
    ...get(ROWS_END),
    ...get(chunkEnd),
    ...get(ROWS_END),
    ...op.i32LtU,
    ...op.select,
    ...set(chunkEnd),
    ...gather,
    ...accumulate,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return {
    name: "all",
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, V128],
    body,
  };
}

// Parameters of the generated functions (local indices).
const ROWS = 0, ROWS_END = 1, GRAD = 2, BINS = 3, HIST = 4;

/** Pushes [g, 1] of the row at `rows` into local `gv`, and its bin row's address into local `base`. */
function loadRow(cols: number, row: number, base: number, gv: number): number[] {
  return [
    ...op.localGet(ROWS),
    ...op.i32Load(),
    ...op.localTee(row),
    ...op.i32Const(cols),
    ...op.i32Mul,
    ...op.localGet(BINS),
    ...op.i32Add,
    ...op.localSet(base),
    ...op.v128ConstF64(0, 1),
    ...op.localGet(row),
    ...op.i32Const(3),
    ...op.i32Shl,
    ...op.localGet(GRAD),
    ...op.i32Add,
    ...op.f64Load(),
    ...op.f64x2ReplaceLane(0),
    ...op.localSet(gv),
  ];
}

/** slot[address + offset] += gv (the address is on the stack, copied through local `address`). */
function addToSlot(address: number, gv: number, offset: number): number[] {
  return [
    ...op.localTee(address),
    ...op.localGet(address),
    ...op.v128Load(offset),
    ...op.localGet(gv),
    ...op.f64x2Add,
    ...op.v128Store(offset),
  ];
}

/** `for (rows; rows < rowsEnd; rows += 4) body` (nothing when the range is empty). */
function overRows(body: number[]): number[] {
  return [
    ...op.block,
    ...op.localGet(ROWS),
    ...op.localGet(ROWS_END),
    ...op.i32GeU,
    ...op.brIf(0),
    ...op.loop,
    ...body,
    ...op.localGet(ROWS),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.localTee(ROWS),
    ...op.localGet(ROWS_END),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
}

/** The features of a list of [feature, first slot byte offset] pairs (a loop over the list per row). */
function someFeatures(cols: number): WasmFunction {
  const LIST = 5, LIST_END = 6, row = 7, base = 8, address = 9, item = 10, gv = 11;
  const perFeature = [
    ...op.localGet(base),
    ...op.localGet(item),
    ...op.i32Load(0),
    ...op.i32Add,
    ...op.i32Load8U(),
    ...op.i32Const(4),
    ...op.i32Shl,
    ...op.localGet(item),
    ...op.i32Load(4),
    ...op.i32Add,
    ...op.localGet(HIST),
    ...op.i32Add,
    ...addToSlot(address, gv, 0),
    ...op.localGet(item),
    ...op.i32Const(8),
    ...op.i32Add,
    ...op.localTee(item),
    ...op.localGet(LIST_END),
    ...op.i32LtU,
    ...op.brIf(0),
  ];
  const body = [
    ...loadRow(cols, row, base, gv),
    ...op.localGet(LIST),
    ...op.localSet(item),
    ...op.loop,
    ...perFeature,
    ...op.end,
  ];
  return {
    name: "some",
    params: [I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, V128],
    body: overRows(body),
  };
}

/** parent[i] −= smaller[i] two doubles at a time (lane-wise, the same result as scalar subtraction). */
function subtract(): WasmFunction {
  const PARENT = 0, SMALLER = 1, END = 2;
  const body = [
    ...op.block,
    ...op.localGet(PARENT),
    ...op.localGet(END),
    ...op.i32GeU,
    ...op.brIf(0),
    ...op.loop,
    ...op.localGet(PARENT),
    ...op.localGet(PARENT),
    ...op.v128Load(),
    ...op.localGet(SMALLER),
    ...op.v128Load(),
    ...op.f64x2Sub,
    ...op.v128Store(),
    ...op.localGet(SMALLER),
    ...op.i32Const(SLOT_BYTES),
    ...op.i32Add,
    ...op.localSet(SMALLER),
    ...op.localGet(PARENT),
    ...op.i32Const(SLOT_BYTES),
    ...op.i32Add,
    ...op.localTee(PARENT),
    ...op.localGet(END),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  return { name: "subtract", params: [I32, I32, I32], locals: [], body };
}
