/**
 * The working memory of one tree learner, laid out once in a WebAssembly memory so that the kernels
 * (histograms, partition, threshold scans) and the TypeScript around them share it without copies: one
 * record per row with its bins and gradient (for histograms), the bins feature-major (for partitioning),
 * the row index array of the partition and its scratch, the gradients, the gather buffer, the feature list
 * of subset builds and the pool of histograms (one per leaf). Nothing here is reallocated while trees grow.
 */
import type { BinnedMatrix } from "./binning.ts";
import {
  chunkBytes,
  featureBlocks,
  helperKernels,
  type Histogram,
  histogramFunctions,
  recordBytes,
  SLOT_BYTES,
} from "./_histogram.ts";
import type { HistogramThreads } from "./_histogram_threads.ts";
import { partitionFunction } from "./_partition.ts";
import { SCAN_IO_BYTES, scanFunctions } from "./_scan_kernel.ts";
import { encodeModule } from "../wasm/mod.ts";

const PAGE_BYTES = 65536;
/** WebAssembly's 32-bit address space: 65,536 pages of 64 KiB. */
const MAX_PAGES = 65536;
/** Every region starts on a cache line. */
const ALIGN = 64;

/** Typed views over one learner's memory. */
export class LearnerWorkspace {
  readonly memory: WebAssembly.Memory;
  /** The exported functions of the kernel module generated for this matrix, bound to `memory`. */
  readonly kernels: WebAssembly.Exports;
  /** One record per row (`recordBytes(cols)` each): the row's bins for all features, then its gradient. */
  readonly records: Uint8Array;
  /** bins[feature · rows + row]: a copy of the binned matrix's own (feature-major) layout. */
  readonly columnBins: Uint8Array;
  /** Row indices of the leaves (see DataPartition) and the scratch buffer its splits use. */
  readonly indices: Int32Array;
  readonly scratch: Int32Array;
  /** Gradient of every training row for the current round. */
  readonly gradients: Float64Array;
  /** [feature, first slot × SLOT_BYTES] pairs for histograms over a sample of the features. */
  readonly featureList: Int32Array;
  /** The exchange block of the threshold scans (a leaf's constants in, what a pass found out). */
  readonly scanIo: Uint8Array;
  /** Bins and gradients of a chunk of a leaf's rows, gathered for a histogram build. */
  readonly chunk: Uint8Array;
  /** One gather buffer per feature block when helper threads build histograms (block 0: this thread). */
  readonly threadChunks: Uint8Array[];
  /** The helper threads working on copies of this workspace, if any. */
  readonly threads: HistogramThreads | undefined;
  /** False from `storeGradients` until the helpers were sent this round's gradients. */
  gradientsShared = false;
  readonly histograms: Histogram[];
  /** The records as doubles (a record is a whole number of doubles; its last one is the gradient). */
  readonly #recordDoubles: Float64Array;
  readonly #recordStride: number;

  /**
   * With `threads`, each helper gets a copy of this workspace (see _histogram_threads.ts, `Mirror`):
   * histogram builds of large leaves are then split by feature blocks across the helpers and this thread.
   */
  constructor(data: BinnedMatrix, histogramCount: number, threads?: HistogramThreads) {
    const n = data.rows, cols = data.cols, slots = data.binOffsets[cols];
    const threadCount = threads ? featureBlocks(cols, threads.helpers + 1).length : 0;
    const layout = new Layout();
    const at = {
      records: layout.take(n * recordBytes(cols)),
      columnBins: layout.take(n * cols),
      indices: layout.take(4 * n),
      scratch: layout.take(4 * n),
      gradients: layout.take(8 * n),
      featureList: layout.take(8 * cols),
      scanIo: layout.take(SCAN_IO_BYTES),
      chunk: layout.take(chunkBytes(cols)),
      histograms: Array.from({ length: histogramCount }, () => layout.take(SLOT_BYTES * slots)),
      threadChunks: Array.from({ length: threadCount }, () => layout.take(chunkBytes(cols))),
    };
    const pages = pagesFor(layout.bytes, data);
    this.memory = new WebAssembly.Memory({ initial: pages });
    const buffer = this.memory.buffer;
    this.records = new Uint8Array(buffer, at.records, n * recordBytes(cols));
    this.#recordStride = recordBytes(cols) / 8;
    this.#recordDoubles = new Float64Array(buffer, at.records, n * this.#recordStride);
    this.columnBins = new Uint8Array(buffer, at.columnBins, n * cols);
    this.indices = new Int32Array(buffer, at.indices, n);
    this.scratch = new Int32Array(buffer, at.scratch, n);
    this.gradients = new Float64Array(buffer, at.gradients, n);
    this.featureList = new Int32Array(buffer, at.featureList, 2 * cols);
    this.scanIo = new Uint8Array(buffer, at.scanIo, SCAN_IO_BYTES);
    this.chunk = new Uint8Array(buffer, at.chunk, chunkBytes(cols));
    this.histograms = at.histograms.map((start) => ({ sums: new Float64Array(buffer, start, 2 * slots) }));
    this.threadChunks = at.threadChunks.map((start) => new Uint8Array(buffer, start, chunkBytes(cols)));
    writeRecordBins(data, this.records);
    this.columnBins.set(data.bins);
    const functions = [
      ...histogramFunctions(data, threadCount),
      partitionFunction(),
      ...scanFunctions(),
    ];
    const module = new WebAssembly.Module(encodeModule(functions));
    this.kernels = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports;
    // Helpers only when there are at least two feature blocks (one feature: nothing to split).
    this.threads = threadCount > 1 ? threads : undefined;
    this.threads?.attach(module, {
      pages,
      rows: n,
      records: this.records.slice(),
      recordsAt: at.records,
      recordBytes: recordBytes(cols),
      gradientsAt: at.gradients,
      indicesAt: at.indices,
      featureListAt: at.featureList,
      featureListEntries: cols,
      histogramBytes: SLOT_BYTES * slots,
    }, helperKernels(data, threadCount));
  }

  /** Copies this round's `gradients` into the row records, where the histogram kernels read them. */
  storeGradients(): void {
    const records = this.#recordDoubles, grad = this.gradients;
    const stride = this.#recordStride, last = stride - 1;
    for (let i = 0; i < grad.length; i++) records[i * stride + last] = grad[i];
    this.gradientsShared = false;
  }
}

/** Consecutive regions of a memory, each starting on a cache line. */
class Layout {
  bytes = 0;

  /** The start of a new region of `size` bytes. */
  take(size: number): number {
    const start = this.bytes;
    this.bytes = Math.ceil((start + size) / ALIGN) * ALIGN;
    return start;
  }
}

function pagesFor(bytes: number, data: BinnedMatrix): number {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_BYTES));
  if (pages > MAX_PAGES) {
    throw new RangeError(
      `gbdt: ${data.rows} rows × ${data.cols} features need ${bytes} bytes of training memory, ` +
        `more than the 4 GiB a WebAssembly memory can hold`,
    );
  }
  return pages;
}

/** Feature-major bins → the bin bytes of each row's record, a block of rows at a time (both sides in cache). */
function writeRecordBins(data: BinnedMatrix, records: Uint8Array): void {
  const n = data.rows, cols = data.cols, bins = data.bins, size = recordBytes(cols), block = 4096;
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    for (let j = 0; j < cols; j++) {
      const column = j * n;
      for (let i = start; i < end; i++) records[i * size + j] = bins[column + i];
    }
  }
}
