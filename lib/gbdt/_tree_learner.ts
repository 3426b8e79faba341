/**
 * Leaf-wise (best-first) tree growth: keep the best split of every leaf and always split the leaf with
 * the largest gain, until num_leaves, max_depth or the limits stop it. Histograms come from a pool
 * reused across trees; after each split only the smaller child is built from rows, the larger is the
 * parent minus the smaller. All buffers live in one workspace allocated with the learner.
 */
import type { BinnedMatrix } from "./binning.ts";
import { type Histogram, HistogramKernel } from "./_histogram.ts";
import { DataPartition } from "./_partition.ts";
import { ScanKernel } from "./_scan_kernel.ts";
import {
  emptyCandidate,
  findBestSplit,
  leafOutput,
  type LeafSums,
  type SplitCandidate,
  type SplitLimits,
} from "./_split.ts";
import { type Tree, TreeBuilder } from "./tree.ts";
import { LearnerWorkspace } from "./_workspace.ts";
import type { HistogramThreads } from "./_histogram_threads.ts";

/** Settings of tree growth (a subset of GbdtParams). */
export interface GrowthParams extends SplitLimits {
  num_leaves: number;
  max_depth: number;
  learning_rate: number;
}

/** Grows trees on one binned matrix, reusing all buffers between trees. */
export class TreeLearner {
  readonly partition: DataPartition;
  /** The gradient of every training row: the caller writes a round's gradients here before `grow`. */
  readonly gradients: Float64Array;
  #data: BinnedMatrix;
  #params: GrowthParams;
  #builder: TreeBuilder;
  #workspace: LearnerWorkspace;
  #kernel: HistogramKernel;
  #scan: ScanKernel;
  #pool: Histogram[];
  #slotOf: Int32Array;
  #best: SplitCandidate[];
  #sums: LeafSums[];
  /** Each leaf's value before the learning rate, fixed when the split creating it was chosen. */
  #outputs: Float64Array;
  /** The current tree's hessian of every row. */
  #hessian = 1;
  /** Per leaf, per feature: 0 once a scan found no valid threshold there (inherited by the children). */
  #splittable: Uint8Array[];

  /** With `threads`, histograms of large leaves are built by feature blocks on them too (same sums). */
  constructor(data: BinnedMatrix, params: GrowthParams, threads?: HistogramThreads) {
    const leaves = params.num_leaves;
    const workspace = new LearnerWorkspace(data, leaves, threads);
    this.#data = data;
    this.#params = params;
    this.#workspace = workspace;
    this.gradients = workspace.gradients;
    this.partition = new DataPartition(workspace, leaves);
    this.#builder = new TreeBuilder(leaves);
    this.#kernel = new HistogramKernel(workspace, data);
    this.#scan = new ScanKernel(workspace.kernels, workspace.scanIo);
    this.#pool = workspace.histograms;
    this.#slotOf = new Int32Array(leaves);
    this.#best = Array.from({ length: leaves }, emptyCandidate);
    this.#sums = Array.from({ length: leaves }, () => ({ grad: 0, hess: 0, count: 0 }));
    this.#outputs = new Float64Array(leaves);
    this.#splittable = Array.from({ length: leaves }, () => new Uint8Array(data.cols));
  }

  /**
   * Grows one tree on `rows` (all rows when omitted) using only `features`, from the gradients in
   * `gradients` and a hessian of `hessianPerRow` for every row.
   */
  grow(hessianPerRow: number, features: Int32Array, rows?: Int32Array): Tree {
    const part = this.partition;
    this.#workspace.threads?.wake();
    part.reset(rows);
    this.#hessian = hessianPerRow;
    this.#workspace.storeGradients();
    this.#kernel.selectFeatures(features);
    this.#builder.reset(part.count[0]);
    this.#slotOf[0] = 0;
    this.#splittable[0].fill(1);
    this.#rootSums();
    this.#kernel.build(this.#pool[0], part.begin[0], part.count[0]);
    this.#findBest(0, features);
    for (let leaves = 1; leaves < this.#params.num_leaves; leaves++) {
      const leaf = this.#bestLeaf();
      if (leaf < 0) break;
      // After the last allowed split nobody looks at the children's histograms: skip building them.
      this.#splitLeaf(leaf, features, leaves + 1 < this.#params.num_leaves);
    }
    this.#setLeafValues();
    return this.#builder.finish();
  }

  #rootSums(): void {
    const part = this.partition, sums = this.#sums[0], grad = this.gradients;
    const idx = part.indices, n = part.count[0];
    let gs = 0;
    for (let i = 0; i < n; i++) gs += grad[idx[i]];
    const hs = n * this.#hessian;
    sums.grad = gs;
    sums.hess = hs;
    sums.count = n;
    this.#outputs[0] = leafOutput(gs, hs, this.#params);
  }

  /** The leaf with the largest gain; equal gains go to the split on the smaller feature, then the lower leaf. */
  #bestLeaf(): number {
    let leaf = -1, gain = 0, feature = 0;
    for (let l = 0; l < this.partition.leaves; l++) {
      const c = this.#best[l];
      if (c.feature >= 0 && (c.gain > gain || (leaf >= 0 && c.gain === gain && c.feature < feature))) {
        gain = c.gain;
        feature = c.feature;
        leaf = l;
      }
    }
    return leaf;
  }

  #splitLeaf(leaf: number, features: Int32Array, more: boolean): void {
    const data = this.#data, c = this.#best[leaf];
    const j = c.feature, feature = data.features[j];
    const created = this.partition.split(leaf, j, c.thresholdBin, feature.nanBin, c.defaultLeft);
    const threshold = feature.upperBounds[c.thresholdBin];
    this.#builder.split(leaf, created, {
      feature: j,
      thresholdBin: c.thresholdBin,
      threshold,
      // A feature without NaN in training predicts NaN as 0, as LightGBM does (missing type "none"): storing
      // the side 0 falls on as the default direction gives that without a per-node missing type.
      defaultLeft: feature.nanBin >= 0 ? c.defaultLeft : 0 <= threshold,
      gain: c.gain,
      leftCount: c.left.count,
      rightCount: c.right.count,
    });
    Object.assign(this.#sums[leaf], c.left);
    Object.assign(this.#sums[created], c.right);
    this.#outputs[leaf] = c.leftOutput;
    this.#outputs[created] = c.rightOutput;
    this.#splittable[created].set(this.#splittable[leaf]);
    if (more) this.#childHistograms(leaf, created, features);
    else this.#best[leaf].feature = this.#best[created].feature = -1;
  }

  /** Builds the smaller child's histogram from rows and the larger by subtraction, then their splits. */
  #childHistograms(left: number, right: number, features: Int32Array): void {
    const parentSlot = this.#slotOf[left], freeSlot = right;
    this.#best[left].feature = -1;
    this.#best[right].feature = -1;
    if (!this.#canSplit(left) && !this.#canSplit(right)) return;
    const part = this.partition;
    const smaller = part.count[left] <= part.count[right] ? left : right;
    this.#slotOf[smaller] = freeSlot;
    this.#slotOf[smaller === left ? right : left] = parentSlot;
    this.#kernel.build(this.#pool[freeSlot], part.begin[smaller], part.count[smaller]);
    this.#kernel.subtract(this.#pool[parentSlot], this.#pool[freeSlot]);
    this.#findBest(left, features);
    this.#findBest(right, features);
  }

  #canSplit(leaf: number): boolean {
    const p = this.#params;
    const depthOk = p.max_depth <= 0 || this.#builder.tree.leafDepth[leaf] < p.max_depth;
    return depthOk && this.partition.count[leaf] >= 2 * Math.max(1, p.min_data_in_leaf);
  }

  #findBest(leaf: number, features: Int32Array): void {
    const best = this.#best[leaf];
    best.feature = -1;
    if (!this.#canSplit(leaf)) return;
    findBestSplit(
      this.#pool[this.#slotOf[leaf]],
      this.#data,
      features,
      this.#sums[leaf],
      this.#params,
      this.#hessian,
      this.#scan,
      best,
      this.#splittable[leaf],
    );
  }

  #setLeafValues(): void {
    const t = this.#builder.tree;
    for (let l = 0; l < t.numLeaves; l++) t.leafValue[l] = this.#outputs[l] * this.#params.learning_rate;
  }
}
