/**
 * A generic tree-ensemble format for TreeSHAP: flat node lists with the split rule and comparison
 * precision stated per model, because XGBoost compares `x < thr` in float32 while LightGBM (and our
 * lib/gbdt) compare `x <= thr` in float64 — a value tying a threshold must go the same way here as in the
 * model that produced the tree.
 */

/** One node. A leaf has `left = right = -1` and uses only `value` and `cover`. */
export interface TreeNode {
  /** Feature index tested (ignored on a leaf). */
  feature: number;
  threshold: number;
  left: number;
  right: number;
  /** Where a missing (NaN) value goes. */
  defaultLeft: boolean;
  /** Leaf output (already scaled by the learning rate); ignored on internal nodes. */
  value: number;
  /** Training weight reaching the node (row count or hessian sum); must be > 0 on reachable nodes. */
  cover: number;
}

/** One tree; node 0 is the root. */
export interface ShapTree {
  nodes: TreeNode[];
}

/** How a value is compared with a threshold to go left. */
export type SplitRule = "lt" | "le";

/** A tree ensemble: the prediction is `baseValue + Σ trees`. */
export interface TreeEnsemble {
  trees: ShapTree[];
  /** Constant added to every prediction (init score / base_score), not the expected value. */
  baseValue: number;
  /** `le`: x ≤ thr goes left (LightGBM, lib/gbdt); `lt`: x < thr goes left (XGBoost). Default `le`. */
  splitRule?: SplitRule;
  /** `float32` rounds x and thr with Math.fround before comparing (XGBoost). Default `float64`. */
  precision?: "float64" | "float32";
  /** Number of features the model was trained on. */
  numFeatures: number;
}

/** Whether node `j` is a leaf. */
export function isLeaf(node: TreeNode): boolean {
  return node.left < 0;
}

/** A comparison function for the model's split rule and precision: true when `x` goes left. */
export function goesLeftFor(model: TreeEnsemble): (node: TreeNode, x: number) => boolean {
  const f32 = model.precision === "float32";
  const lt = model.splitRule === "lt";
  return (node, x) => {
    if (x !== x) return node.defaultLeft;
    const a = f32 ? Math.fround(x) : x, t = f32 ? Math.fround(node.threshold) : node.threshold;
    return lt ? a < t : a <= t;
  };
}

/** Output of one tree for row `x` (features at `x[offset + f]`). */
export function predictTree(
  tree: ShapTree,
  goesLeft: (node: TreeNode, x: number) => boolean,
  x: ArrayLike<number>,
  offset = 0,
): number {
  let j = 0;
  while (!isLeaf(tree.nodes[j])) {
    const node = tree.nodes[j];
    j = goesLeft(node, x[offset + node.feature]) ? node.left : node.right;
  }
  return tree.nodes[j].value;
}

/** Ensemble output for one row. */
export function predictEnsemble(model: TreeEnsemble, x: ArrayLike<number>, offset = 0): number {
  const goesLeft = goesLeftFor(model);
  let out = model.baseValue;
  for (const tree of model.trees) out += predictTree(tree, goesLeft, x, offset);
  return out;
}

/** E[f] under the training distribution: base + Σ trees Σ leaves cover_leaf/cover_root · value. */
export function expectedValue(model: TreeEnsemble): number {
  let out = model.baseValue;
  for (const tree of model.trees) {
    const root = tree.nodes[0].cover;
    for (const node of tree.nodes) if (isLeaf(node)) out += (node.cover / root) * node.value;
  }
  return out;
}

/** Structural problems of a model (empty when valid): child indices, features, covers. */
export function ensembleProblems(model: TreeEnsemble): string[] {
  const problems: string[] = [];
  model.trees.forEach((tree, t) => {
    if (tree.nodes.length === 0) problems.push(`tree ${t} has no nodes`);
    tree.nodes.forEach((node, j) => {
      const where = `tree ${t} node ${j}`;
      if (!(node.cover > 0)) problems.push(`${where}: cover ${node.cover} must be > 0`);
      if (isLeaf(node)) return;
      for (const c of [node.left, node.right]) {
        if (!(c > j && c < tree.nodes.length)) problems.push(`${where}: child ${c} out of range`);
      }
      if (!(node.feature >= 0 && node.feature < model.numFeatures)) {
        problems.push(`${where}: feature ${node.feature} outside 0..${model.numFeatures - 1}`);
      }
    });
  });
  return problems;
}
