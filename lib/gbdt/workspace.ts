/**
 * The working memory of one tree learner, laid out once in a WebAssembly memory so that the histogram
 * kernels and the TypeScript around them share it without copies: the bins row-major, the row index array
 * of the partition and its scratch, the gradients, the feature list of subset builds and the pool of
 * histograms (one per leaf). Nothing here is reallocated while trees grow.
 */
import type { BinnedMatrix } from "./binning.ts";
import { type Histogram, SLOT_BYTES } from "./histogram.ts";

const PAGE_BYTES = 65536;
/** WebAssembly's 32-bit address space: 65,536 pages of 64 KiB. */
const MAX_PAGES = 65536;
/** Every region starts on a cache line. */
const ALIGN = 64;

/** Typed views over one learner's memory. */
export class LearnerWorkspace {
  readonly memory: WebAssembly.Memory;
  /** bins[row · cols + feature]: the binned matrix transposed to row-major. */
  readonly rowBins: Uint8Array;
  /** Row indices of the leaves (see DataPartition) and the scratch buffer its splits use. */
  readonly indices: Int32Array;
  readonly scratch: Int32Array;
  /** Gradient of every training row for the current round. */
  readonly gradients: Float64Array;
  /** [feature, first slot × SLOT_BYTES] pairs for histograms over a sample of the features. */
  readonly featureList: Int32Array;
  readonly histograms: Histogram[];

  constructor(data: BinnedMatrix, histogramCount: number) {
    const n = data.rows, cols = data.cols, slots = data.binOffsets[cols];
    const sizes = [
      n * cols,
      4 * n,
      4 * n,
      8 * n,
      8 * cols,
      ...Array(histogramCount).fill(SLOT_BYTES * slots),
    ];
    const starts: number[] = [];
    let end = 0;
    for (const size of sizes) {
      starts.push(end);
      end = Math.ceil((end + size) / ALIGN) * ALIGN;
    }
    this.memory = new WebAssembly.Memory({ initial: pagesFor(end, data) });
    const buffer = this.memory.buffer;
    this.rowBins = new Uint8Array(buffer, starts[0], n * cols);
    this.indices = new Int32Array(buffer, starts[1], n);
    this.scratch = new Int32Array(buffer, starts[2], n);
    this.gradients = new Float64Array(buffer, starts[3], n);
    this.featureList = new Int32Array(buffer, starts[4], 2 * cols);
    this.histograms = starts.slice(5).map((at) => ({ sums: new Float64Array(buffer, at, 2 * slots) }));
    transposeBins(data, this.rowBins);
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

/** Feature-major bins → row-major, a block of rows at a time so both sides stay in cache. */
function transposeBins(data: BinnedMatrix, out: Uint8Array): void {
  const n = data.rows, cols = data.cols, bins = data.bins, block = 4096;
  for (let start = 0; start < n; start += block) {
    const end = Math.min(n, start + block);
    for (let j = 0; j < cols; j++) {
      const column = j * n;
      for (let i = start; i < end; i++) out[i * cols + j] = bins[column + i];
    }
  }
}
