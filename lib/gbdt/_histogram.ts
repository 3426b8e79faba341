/**
 * Gradient histograms: for every feature and bin, the sum of gradients and the row count over the rows of
 * one leaf. These loops are the hot path of training. They run as WebAssembly generated per dataset. Each
 * training row is one record — its bins for all features, then its gradient of the round (`recordBytes`,
 * 32 bytes for 20 features) — so a row costs one cache-line access however scattered a leaf's rows are;
 * the records of a chunk of rows are gathered first (a short loop with many loads in flight) and then
 * summed. Each bin is one 16-byte slot [gradient sum, count] updated by a single SIMD add of [g, 1]: one
 * load and one store per row and feature instead of two of each. Every objective has a constant hessian,
 * so hessian sums are count × that constant and are not accumulated.
 *
 * Sums are added in the order of the leaf's rows, exactly as a scalar loop over those rows would add them,
 * so the result does not depend on this layout (tests/lib/gbdt/histogram_test.ts checks it bit for bit).
 */
import type { BinnedMatrix } from "./binning.ts";
import type { LearnerWorkspace } from "./_workspace.ts";
import type { HistogramThreads } from "./_histogram_threads.ts";
import { I32, op, V128, type WasmFunction } from "../wasm/mod.ts";

/** Per-bin sums of one leaf for all features, in the learner's WebAssembly memory. */
export interface Histogram {
  /** sums[2b] = gradient sum of bin b, sums[2b + 1] = its row count (an exact integer). */
  sums: Float64Array;
}

/** Bytes of one histogram slot [gradient sum, count]. */
export const SLOT_BYTES = 16;

/** Rows gathered per chunk (their records stay in L1/L2 until summed). */
export const CHUNK_ROWS = 1024;

/** Bytes of one row record: the row's bins (padded to 8 bytes), then its gradient as a double. */
export function recordBytes(cols: number): number {
  return Math.ceil(cols / 8) * 8 + 8;
}

/**
 * Leaves with fewer rows are built on the calling thread alone: below this the helpers' round trip
 * (~20–35 µs) costs more than half a build saves. Only speed depends on it, never the sums.
 */
export const PARALLEL_MIN_ROWS = 4096;

/** Contiguous blocks of `cols` features, one per thread, as even as possible (earlier blocks larger). */
export function featureBlocks(cols: number, threads: number): [number, number][] {
  const parts = Math.min(threads, cols), blocks: [number, number][] = [];
  for (let k = 0, lo = 0; k < parts; k++) {
    const hi = lo + Math.ceil((cols - lo) / (parts - k));
    blocks.push([lo, hi]);
    lo = hi;
  }
  return blocks;
}

/** Name of the exported all-rows kernel over feature block `k` (threads > 1). */
export const blockKernelName = (k: number) => `all_${k}`;

/** The kernels a helper thread may run, by the index `dispatch` passes: `some`, then block k at k + 1. */
export function helperKernels(data: BinnedMatrix, threads: number): string[] {
  return ["some", ...featureBlocks(data.cols, threads).map((_, k) => blockKernelName(k))];
}

/** Bytes of the gather buffer. */
export function chunkBytes(cols: number): number {
  return CHUNK_ROWS * recordBytes(cols);
}

// The exported kernels; every argument is a byte address in the workspace's memory.
type AllFeatures = (rows: number, rowsEnd: number, records: number, hist: number, chunk: number) => void;
type SomeFeatures = (
  rows: number,
  rowsEnd: number,
  records: number,
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
  /** Helper threads (each builds one feature block); undefined: this thread builds everything. */
  readonly #threads: HistogramThreads | undefined;
  /** The all-features kernel of each feature block, when there are helpers (block 0 is this thread's). */
  readonly #blocks: AllFeatures[];
  /** Features in the workspace's feature list; -1: all features (the unrolled kernel). */
  #listed = -1;
  /** Whether the helpers were sent the current feature list. */
  #listShared = false;

  constructor(workspace: LearnerWorkspace, data: BinnedMatrix) {
    this.#workspace = workspace;
    this.#offsets = data.binOffsets;
    const exports = workspace.kernels;
    this.#all = exports.all as AllFeatures;
    this.#some = exports.some as SomeFeatures;
    this.#subtract = exports.subtract as Subtract;
    this.#threads = workspace.threads;
    this.#blocks = workspace.threadChunks.map((_, k) => exports[blockKernelName(k)] as AllFeatures);
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
    this.#listShared = false;
  }

  /**
   * Zeroes `hist` and adds the rows `indices[begin .. begin + count)` of the workspace, with the gradients
   * last stored into the records (`LearnerWorkspace.storeGradients`).
   */
  build(hist: Histogram, begin: number, count: number): void {
    const ws = this.#workspace, to = hist.sums.byteOffset;
    hist.sums.fill(0);
    const rows = ws.indices.byteOffset + 4 * begin, rowsEnd = rows + 4 * count;
    const records = ws.records.byteOffset;
    if (this.#threads && count >= PARALLEL_MIN_ROWS && this.#threads.worthDispatching()) {
      this.#buildInBlocks(this.#threads, rows, rowsEnd, records, to);
    } else if (this.#listed < 0) {
      this.#all(rows, rowsEnd, records, to, ws.chunk.byteOffset);
    } else {
      const list = ws.featureList.byteOffset;
      this.#some(rows, rowsEnd, records, to, list, list + 8 * this.#listed);
    }
  }

  /**
   * The same build split by features: helper k − 1 sums block k in its copy of the workspace while this
   * thread sums block 0 (all features: the unrolled block kernels, each with its own gather buffer; a
   * feature list: its k-th part), then block k's slots are copied from the helper's output. A block no
   * helper has started by then is summed here (see HistogramThreads.finish): the same kernel, same sums.
   */
  #buildInBlocks(
    threads: HistogramThreads,
    rows: number,
    rowsEnd: number,
    records: number,
    to: number,
  ): void {
    const ws = this.#workspace, list = ws.featureList.byteOffset, listed = this.#listed;
    const listBlocks = listed < 0 ? [] : featureBlocks(listed, threads.helpers + 1);
    const kernel = (k: number) => listed < 0 ? k + 1 : 0;
    const args = (k: number) =>
      listed < 0
        ? [rows, rowsEnd, records, to, ws.threadChunks[k].byteOffset]
        : [rows, rowsEnd, records, to, list + 8 * listBlocks[k][0], list + 8 * listBlocks[k][1]];
    const runBlock = (k: number) => {
      const a = args(k);
      if (listed < 0) this.#blocks[k](a[0], a[1], a[2], a[3], a[4]);
      else this.#some(a[0], a[1], a[2], a[3], a[4], a[5]);
    };
    this.#shareInputs(threads);
    threads.shareRows(ws.indices, (rows - ws.indices.byteOffset) / 4, (rowsEnd - rows) / 4);
    const slotRanges = this.#blockSlotRanges(threads.helpers + 1);
    for (let k = 1; k < slotRanges.length; k++) {
      threads.dispatch(k - 1, kernel(k), args(k), [rows, rowsEnd], outputRange(slotRanges[k], to));
    }
    runBlock(0);
    const ranThere = threads.finish(slotRanges.length - 1, (helper) => runBlock(helper + 1));
    const bytes = new Uint8Array(ws.memory.buffer);
    for (let k = 1; k < slotRanges.length; k++) {
      if (!ranThere[k - 1]) continue;
      const [from] = outputRange(slotRanges[k], to), output = threads.output(k - 1);
      // Only the block's own features: a listed block's byte range may span other blocks' slots.
      for (const [a, b] of slotRanges[k]) {
        bytes.set(
          output.subarray(a * SLOT_BYTES + to - from, b * SLOT_BYTES + to - from),
          to + a * SLOT_BYTES,
        );
      }
    }
  }

  /** Sends the helpers this round's gradients and the feature list, each once after it changed. */
  #shareInputs(threads: HistogramThreads): void {
    const ws = this.#workspace;
    if (!ws.gradientsShared) {
      threads.shareGradients(ws.gradients);
      ws.gradientsShared = true;
    }
    if (!this.#listShared && this.#listed >= 0) threads.shareFeatureList(ws.featureList, this.#listed);
    this.#listShared = true;
  }

  /** Per thread block: the slot ranges [first, end) of its features (one range when all features are built). */
  #blockSlotRanges(threads: number): [number, number][][] {
    const offsets = this.#offsets, cols = offsets.length - 1;
    if (this.#listed < 0) return featureBlocks(cols, threads).map(([lo, hi]) => [[offsets[lo], offsets[hi]]]);
    const list = this.#workspace.featureList;
    return featureBlocks(this.#listed, threads).map(([lo, hi]) => {
      const ranges: [number, number][] = [];
      for (let k = lo; k < hi; k++) ranges.push([offsets[list[2 * k]], offsets[list[2 * k] + 1]]);
      return ranges;
    });
  }

  /** The subtraction trick: `parent ← parent − smaller` over every slot (the larger child's sums). */
  subtract(parent: Histogram, smaller: Histogram): void {
    const at = parent.sums.byteOffset;
    this.#subtract(at, smaller.sums.byteOffset, at + 8 * parent.sums.length);
  }
}

/** The byte range of a histogram at `to` covering the slot ranges of one block. */
function outputRange(ranges: [number, number][], to: number): [number, number] {
  let first = Infinity, end = -Infinity;
  for (const [a, b] of ranges) {
    first = Math.min(first, a);
    end = Math.max(end, b);
  }
  return [to + first * SLOT_BYTES, to + end * SLOT_BYTES];
}

/**
 * The histogram kernels of a binned matrix, for the workspace's module; with `threads` > 1 also one
 * all-rows kernel per feature block (`all_0`, `all_1`, …).
 */
export function histogramFunctions(data: BinnedMatrix, threads = 1): WasmFunction[] {
  const blocks = threads > 1 ? featureBlocks(data.cols, threads) : [];
  return [
    allFeatures(data, 0, data.cols, "all"),
    someFeatures(data.cols),
    subtract(),
    ...blocks.map(([lo, hi], k) => allFeatures(data, lo, hi, blockKernelName(k))),
  ];
}

// Parameters shared by the generated functions (local indices).
const ROWS = 0, ROWS_END = 1, RECORDS = 2, HIST = 3;
const get = op.localGet, set = op.localSet;

/** The address of the record of the row whose index is at address `ROWS`. */
function recordOfRow(cols: number): number[] {
  return [
    ...get(ROWS),
    ...op.i32Load(),
    ...op.i32Const(recordBytes(cols)),
    ...op.i32Mul,
    ...get(RECORDS),
    ...op.i32Add,
  ];
}

/** Local `gv` ← [gradient of the record at local `record`, 1]. */
function gradientAndOne(cols: number, record: number, gv: number): number[] {
  return [
    ...op.v128ConstF64(0, 1),
    ...get(record),
    ...op.f64Load(recordBytes(cols) - 8),
    ...op.f64x2ReplaceLane(0),
    ...set(gv),
  ];
}

/** slot[hist + bin·16 + offset] += gv, for the bin on the stack (through local `address`). */
function addToSlot(address: number, gv: number, offset: number): number[] {
  return [
    ...op.i32Const(4),
    ...op.i32Shl,
    ...get(HIST),
    ...op.i32Add,
    ...op.localTee(address),
    ...get(address),
    ...op.v128Load(offset),
    ...get(gv),
    ...op.f64x2Add,
    ...op.v128Store(offset),
  ];
}

/** `local += step`. */
function advance(local: number, step: number): number[] {
  return [...get(local), ...op.i32Const(step), ...op.i32Add, ...set(local)];
}

/**
 * Every feature, a chunk of rows at a time: first the chunk's records are copied into the chunk buffer (8
 * bytes per load; many loads in flight, so scattered rows of a matrix larger than the caches cost
 * bandwidth rather than a full memory latency each: at 1M rows this more than halved the build time, and
 * at 100k it was no slower), then summed from there, unrolled over the features: feature j's byte is at
 * the record's start + j and its first slot at a constant offset.
 * Only features lo..hi−1 are summed (the whole record is still gathered: a helper thread owns a block).
 * Params: rows, rowsEnd, records, hist, chunk.
 */
function allFeatures(data: BinnedMatrix, lo: number, hi: number, name: string): WasmFunction {
  const cols = data.cols, size = recordBytes(cols), CHUNK = 4;
  const src = 5, p = 6, pEnd = 7, chunkEnd = 8, address = 9, gv = 10;
  const copyRecord: number[] = [];
  for (let k = 0; k < size; k += 8) {
    copyRecord.push(...get(p), ...get(src), ...op.i64Load(k), ...op.i64Store(k));
  }
  const gather = [
    ...get(CHUNK),
    ...set(p),
    ...op.loop,
    ...recordOfRow(cols),
    ...set(src),
    ...copyRecord,
    ...advance(p, size),
    ...get(ROWS),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.localTee(ROWS),
    ...get(chunkEnd),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
  ];
  const perRecord = gradientAndOne(cols, p, gv);
  for (let j = lo; j < hi; j++) {
    perRecord.push(...get(p), ...op.i32Load8U(j), ...addToSlot(address, gv, data.binOffsets[j] * SLOT_BYTES));
  }
  const accumulate = [
    ...get(p),
    ...set(pEnd),
    ...get(CHUNK),
    ...set(p),
    ...op.loop,
    ...perRecord,
    ...get(p),
    ...op.i32Const(size),
    ...op.i32Add,
    ...op.localTee(p),
    ...get(pEnd),
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
    name,
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, V128],
    body,
  };
}

/**
 * The features of a list of [feature, first slot byte offset] pairs, row by row (a loop over the list per
 * row). Params: rows, rowsEnd, records, hist, list, listEnd.
 */
function someFeatures(cols: number): WasmFunction {
  const LIST = 4, LIST_END = 5, record = 6, item = 7, address = 8, gv = 9;
  const perFeature = [
    ...get(record),
    ...get(item),
    ...op.i32Load(0),
    ...op.i32Add,
    ...op.i32Load8U(),
    ...op.i32Const(4),
    ...op.i32Shl,
    ...get(item),
    ...op.i32Load(4),
    ...op.i32Add,
    ...get(HIST),
    ...op.i32Add,
    ...op.localTee(address),
    ...get(address),
    ...op.v128Load(),
    ...get(gv),
    ...op.f64x2Add,
    ...op.v128Store(),
    ...get(item),
    ...op.i32Const(8),
    ...op.i32Add,
    ...op.localTee(item),
    ...get(LIST_END),
    ...op.i32LtU,
    ...op.brIf(0),
  ];
  const perRow = [
    ...recordOfRow(cols),
    ...set(record),
    ...gradientAndOne(cols, record, gv),
    ...get(LIST),
    ...set(item),
    ...op.loop,
    ...perFeature,
    ...op.end,
  ];
  const body = [
    ...op.block,
    ...get(ROWS),
    ...get(ROWS_END),
    ...op.i32GeU,
    ...op.brIf(0),
    ...op.loop,
    ...perRow,
    ...get(ROWS),
    ...op.i32Const(4),
    ...op.i32Add,
    ...op.localTee(ROWS),
    ...get(ROWS_END),
    ...op.i32LtU,
    ...op.brIf(0),
    ...op.end,
    ...op.end,
  ];
  return {
    name: "some",
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, V128],
    body,
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
