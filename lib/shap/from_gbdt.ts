/**
 * Adapter from lib/gbdt boosters to the TreeSHAP ensemble format. lib/gbdt stores internal nodes in
 * split order with children c ≥ 0 (internal) or ~c (leaf) and counts only at leaves; here nodes are laid
 * out in preorder and each internal node's cover is the sum of the leaf counts below it. The split rule
 * is lib/gbdt's: v ≤ threshold goes left, compared in float64, and NaN follows the node's default
 * direction — which lib/gbdt sets, for a feature that had no NaN in training, to the side 0 falls on (how
 * LightGBM predicts NaN there), so explanations and predictions route NaN alike.
 */
import type { Booster, Tree } from "../gbdt/mod.ts";
import type { ShapTree, TreeEnsemble, TreeNode } from "./tree_model.ts";

/** One lib/gbdt tree in the TreeSHAP format. */
export function shapTreeFromGbdt(tree: Tree): ShapTree {
  const nodes: TreeNode[] = [];
  const leaf = (l: number): number => {
    const cover = tree.leafCount[l];
    if (!(cover > 0)) throw new RangeError(`leaf ${l} has count ${cover}: TreeSHAP needs covers > 0`);
    nodes.push({
      feature: -1,
      threshold: NaN,
      left: -1,
      right: -1,
      defaultLeft: false,
      value: tree.leafValue[l],
      cover,
    });
    return nodes.length - 1;
  };
  const visit = (child: number): number => {
    if (child < 0) return leaf(~child);
    const at = nodes.length;
    nodes.push({
      feature: tree.splitFeature[child],
      threshold: tree.threshold[child],
      left: -1,
      right: -1,
      defaultLeft: tree.defaultLeft[child] === 1,
      value: 0,
      cover: 0,
    });
    const left = visit(tree.leftChild[child]);
    const right = visit(tree.rightChild[child]);
    nodes[at] = { ...nodes[at], left, right, cover: nodes[left].cover + nodes[right].cover };
    return at;
  };
  // A one-leaf tree has no internal node: its only leaf is ~0.
  visit(tree.numLeaves === 1 ? ~0 : 0);
  return { nodes };
}

/** A booster as a TreeSHAP ensemble, with the trees `predict` uses by default (best iteration). */
export function ensembleFromBooster(booster: Booster, iterations = booster.defaultIterations): TreeEnsemble {
  return {
    trees: booster.trees.slice(0, iterations).map(shapTreeFromGbdt),
    baseValue: booster.initScore,
    splitRule: "le",
    precision: "float64",
    numFeatures: booster.numFeatures,
  };
}
