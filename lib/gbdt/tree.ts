/**
 * A regression tree in flat arrays. Internal node k splits on `splitFeature[k]`: a value v goes left when
 * v ≤ threshold[k] (equivalently bin ≤ thresholdBin[k]), NaN follows `defaultLeft[k]`. A child index
 * c ≥ 0 is an internal node, c < 0 is leaf ~c. A one-leaf tree has no internal nodes.
 */
import type { BinnedMatrix } from "./binning.ts";

/** One trained tree; leaf values already include the learning rate. */
export interface Tree {
  numLeaves: number;
  splitFeature: Int32Array;
  thresholdBin: Int32Array;
  threshold: Float64Array;
  defaultLeft: Uint8Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  /** Loss reduction of each split (for gain importance). */
  splitGain: Float64Array;
  leafValue: Float64Array;
  /** Training rows that reached each leaf. */
  leafCount: Int32Array;
  /** Depth of each leaf (root = 0). */
  leafDepth: Int32Array;
}

/** Grows a tree split by split, without allocating per split. */
export class TreeBuilder {
  readonly tree: Tree;
  #leafParent: Int32Array;

  constructor(maxLeaves: number) {
    const nodes = maxLeaves - 1;
    this.tree = {
      numLeaves: 1,
      splitFeature: new Int32Array(nodes),
      thresholdBin: new Int32Array(nodes),
      threshold: new Float64Array(nodes),
      defaultLeft: new Uint8Array(nodes),
      leftChild: new Int32Array(nodes),
      rightChild: new Int32Array(nodes),
      splitGain: new Float64Array(nodes),
      leafValue: new Float64Array(maxLeaves),
      leafCount: new Int32Array(maxLeaves),
      leafDepth: new Int32Array(maxLeaves),
    };
    this.#leafParent = new Int32Array(maxLeaves);
  }

  /** Starts over with a single leaf. */
  reset(rootCount: number): void {
    this.tree.numLeaves = 1;
    this.tree.leafCount[0] = rootCount;
    this.tree.leafDepth[0] = 0;
    this.#leafParent[0] = -1;
  }

  /** Turns `leaf` into an internal node whose left child keeps index `leaf` and right child is `newLeaf`. */
  split(leaf: number, newLeaf: number, s: NodeSplit): void {
    const t = this.tree;
    const node = t.numLeaves - 1;
    const parent = this.#leafParent[leaf];
    if (parent >= 0) {
      if (t.leftChild[parent] === ~leaf) t.leftChild[parent] = node;
      else t.rightChild[parent] = node;
    }
    t.splitFeature[node] = s.feature;
    t.thresholdBin[node] = s.thresholdBin;
    t.threshold[node] = s.threshold;
    t.defaultLeft[node] = s.defaultLeft ? 1 : 0;
    t.splitGain[node] = s.gain;
    t.leftChild[node] = ~leaf;
    t.rightChild[node] = ~newLeaf;
    this.#leafParent[leaf] = node;
    this.#leafParent[newLeaf] = node;
    t.leafCount[leaf] = s.leftCount;
    t.leafCount[newLeaf] = s.rightCount;
    const depth = t.leafDepth[leaf] + 1;
    t.leafDepth[leaf] = depth;
    t.leafDepth[newLeaf] = depth;
    t.numLeaves++;
  }

  /** A compact copy of the finished tree. */
  finish(): Tree {
    const t = this.tree, nodes = t.numLeaves - 1, leaves = t.numLeaves;
    return {
      numLeaves: leaves,
      splitFeature: t.splitFeature.slice(0, nodes),
      thresholdBin: t.thresholdBin.slice(0, nodes),
      threshold: t.threshold.slice(0, nodes),
      defaultLeft: t.defaultLeft.slice(0, nodes),
      leftChild: t.leftChild.slice(0, nodes),
      rightChild: t.rightChild.slice(0, nodes),
      splitGain: t.splitGain.slice(0, nodes),
      leafValue: t.leafValue.slice(0, leaves),
      leafCount: t.leafCount.slice(0, leaves),
      leafDepth: t.leafDepth.slice(0, leaves),
    };
  }
}

/** What one split adds to the tree. */
export interface NodeSplit {
  feature: number;
  thresholdBin: number;
  threshold: number;
  defaultLeft: boolean;
  gain: number;
  leftCount: number;
  rightCount: number;
}

/** Leaf reached by a row of raw values (`values[offset + feature]`). */
export function leafOfValues(tree: Tree, values: ArrayLike<number>, offset: number): number {
  if (tree.numLeaves === 1) return 0;
  let node = 0;
  while (node >= 0) {
    const v = values[offset + tree.splitFeature[node]];
    const left = v !== v ? tree.defaultLeft[node] === 1 : v <= tree.threshold[node];
    node = left ? tree.leftChild[node] : tree.rightChild[node];
  }
  return ~node;
}

/** Leaf reached by row `row` of the binned training matrix. */
export function leafOfBinned(tree: Tree, data: BinnedMatrix, row: number): number {
  if (tree.numLeaves === 1) return 0;
  let node = 0;
  while (node >= 0) {
    const j = tree.splitFeature[node];
    const bin = data.bins[j * data.rows + row];
    const left = bin === data.features[j].nanBin
      ? tree.defaultLeft[node] === 1
      : bin <= tree.thresholdBin[node];
    node = left ? tree.leftChild[node] : tree.rightChild[node];
  }
  return ~node;
}

/** Prediction of one tree for a row of raw values. */
export function predictTree(tree: Tree, values: ArrayLike<number>, offset: number): number {
  return tree.leafValue[leafOfValues(tree, values, offset)];
}
