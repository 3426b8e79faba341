/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2). One depth-first pass per tree
 * carries the "unique path" of features split on so far, with for each the fraction of zero-paths
 * (feature absent: follow both children weighted by cover) and one-paths (feature present: follow x) and
 * the permutation weights of every subset size; at a leaf, unwinding each feature from the path gives its
 * Shapley contribution. O(T·L·D²) instead of the 2^M coalitions of the definition.
 */
import {
  expectedValue,
  goesLeftFor,
  isLeaf,
  type ShapTree,
  type TreeEnsemble,
  type TreeNode,
} from "./tree_model.ts";

/** The unique path: parallel arrays of feature, zero fraction, one fraction and permutation weight. */
interface UniquePath {
  d: number[];
  z: number[];
  o: number[];
  w: number[];
}

function copyPath(m: UniquePath): UniquePath {
  return { d: m.d.slice(), z: m.z.slice(), o: m.o.slice(), w: m.w.slice() };
}

/** Appends a feature with fractions (pz, po) and updates the subset-size weights (EXTEND). */
function extend(m: UniquePath, pz: number, po: number, pi: number): void {
  const l = m.d.length;
  m.d.push(pi);
  m.z.push(pz);
  m.o.push(po);
  m.w.push(l === 0 ? 1 : 0);
  for (let i = l - 1; i >= 0; i--) {
    m.w[i + 1] += (po * m.w[i] * (i + 1)) / (l + 1);
    m.w[i] = (pz * m.w[i] * (l - i)) / (l + 1);
  }
}

/** Removes element i, undoing its EXTEND on the weights (UNWIND); weights stay in place, d/z/o shift. */
function unwind(m: UniquePath, i: number): void {
  const l = m.d.length - 1;
  const o = m.o[i], z = m.z[i];
  let n = m.w[l];
  for (let j = l - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = m.w[j];
      m.w[j] = (n * (l + 1)) / ((j + 1) * o);
      n = t - (m.w[j] * z * (l - j)) / (l + 1);
    } else {
      m.w[j] = (m.w[j] * (l + 1)) / (z * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    m.d[j] = m.d[j + 1];
    m.z[j] = m.z[j + 1];
    m.o[j] = m.o[j + 1];
  }
  m.d.pop();
  m.z.pop();
  m.o.pop();
  m.w.pop();
}

/** Σ of the weights UNWIND(m, i) would leave, without changing m. */
function unwoundSum(m: UniquePath, i: number): number {
  const l = m.d.length - 1;
  const o = m.o[i], z = m.z[i];
  let next = m.w[l];
  let total = 0;
  for (let j = l - 1; j >= 0; j--) {
    if (o !== 0) {
      const t = (next * (l + 1)) / ((j + 1) * o);
      total += t;
      next = m.w[j] - (t * z * (l - j)) / (l + 1);
    } else {
      total += (m.w[j] * (l + 1)) / (z * (l - j));
    }
  }
  return total;
}

/** Adds one tree's SHAP values for row x into phi. */
function treeContributions(
  tree: ShapTree,
  goesLeft: (node: TreeNode, v: number) => boolean,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
): void {
  const recurse = (j: number, parent: UniquePath, pz: number, po: number, pi: number): void => {
    const m = copyPath(parent);
    extend(m, pz, po, pi);
    const node = tree.nodes[j];
    if (isLeaf(node)) {
      for (let i = 1; i < m.d.length; i++) {
        phi[m.d[i]] += unwoundSum(m, i) * (m.o[i] - m.z[i]) * node.value;
      }
      return;
    }
    const left = goesLeft(node, x[offset + node.feature]);
    const hot = left ? node.left : node.right, cold = left ? node.right : node.left;
    let iz = 1, io = 1;
    // A feature split on twice along a path is one player: merge its fractions instead of adding it again.
    const k = m.d.indexOf(node.feature, 1);
    if (k > 0) {
      iz = m.z[k];
      io = m.o[k];
      unwind(m, k);
    }
    const cover = node.cover;
    recurse(hot, m, (iz * tree.nodes[hot].cover) / cover, io, node.feature);
    recurse(cold, m, (iz * tree.nodes[cold].cover) / cover, 0, node.feature);
  };
  recurse(0, { d: [], z: [], o: [], w: [] }, 1, 1, -1);
}

/** SHAP values of one row (length numFeatures); Σφ + expectedValue(model) = prediction. */
export function treeShapRow(model: TreeEnsemble, x: ArrayLike<number>, offset = 0): Float64Array {
  const phi = new Float64Array(model.numFeatures);
  const goesLeft = goesLeftFor(model);
  for (const tree of model.trees) treeContributions(tree, goesLeft, x, offset, phi);
  return phi;
}

/** SHAP values of n rows stored row-major (n·F) and the base value E[f] they are relative to. */
export interface TreeShapResult {
  values: Float64Array;
  base: number;
}

/** Path-dependent TreeSHAP for every row of a row-major matrix with `numFeatures` columns. */
export function treeShap(model: TreeEnsemble, rows: ArrayLike<number>, n: number): TreeShapResult {
  const F = model.numFeatures;
  if (rows.length !== n * F) {
    throw new RangeError(`treeShap: ${rows.length} values for ${n} rows of ${F} features`);
  }
  const values = new Float64Array(n * F);
  for (let i = 0; i < n; i++) values.set(treeShapRow(model, rows, i * F), i * F);
  return { values, base: expectedValue(model) };
}
