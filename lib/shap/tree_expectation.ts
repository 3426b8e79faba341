/**
 * The path-dependent conditional expectation E[f(x) | x_S] of a tree ensemble (Lundberg et al. 2018,
 * Algorithm 1): features in S follow x, the others follow both children weighted by training cover. It is
 * the value function TreeSHAP's Shapley values are defined by, so brute-force Shapley over it is the
 * reference TreeSHAP is tested against.
 */
import { goesLeftFor, isLeaf, type ShapTree, type TreeEnsemble, type TreeNode } from "./tree_model.ts";

function treeExpectation(
  tree: ShapTree,
  goesLeft: (node: TreeNode, v: number) => boolean,
  x: ArrayLike<number>,
  inS: (feature: number) => boolean,
  j: number,
): number {
  const node = tree.nodes[j];
  if (isLeaf(node)) return node.value;
  if (inS(node.feature)) {
    const next = goesLeft(node, x[node.feature]) ? node.left : node.right;
    return treeExpectation(tree, goesLeft, x, inS, next);
  }
  const l = tree.nodes[node.left], r = tree.nodes[node.right];
  return (treeExpectation(tree, goesLeft, x, inS, node.left) * l.cover +
    treeExpectation(tree, goesLeft, x, inS, node.right) * r.cover) / node.cover;
}

/** E[f(x) | x_S] for the coalition `mask` (bit f set = feature f known). */
export function conditionalExpectation(model: TreeEnsemble, x: ArrayLike<number>, mask: number): number {
  const goesLeft = goesLeftFor(model);
  const inS = (f: number) => (mask & (1 << f)) !== 0;
  let out = model.baseValue;
  for (const tree of model.trees) out += treeExpectation(tree, goesLeft, x, inS, 0);
  return out;
}
