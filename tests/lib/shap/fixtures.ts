/** Random small trees and a brute-force Shapley oracle (all permutations) for the SHAP tests. */
import type { Rng } from "../../../core/rng.ts";
import type { ShapTree, TreeEnsemble, TreeNode } from "../../../lib/shap/tree_model.ts";

/** A random tree over `m` features, depth ≤ maxDepth, preorder layout, covers summing up from the leaves. */
export function randomTree(rng: Rng, m: number, maxDepth: number): ShapTree {
  const nodes: TreeNode[] = [];
  const grow = (depth: number): number => {
    const at = nodes.length;
    if (depth === maxDepth || (depth > 0 && rng.uniform() < 0.25)) {
      nodes.push({
        feature: -1,
        threshold: NaN,
        left: -1,
        right: -1,
        defaultLeft: false,
        value: rng.normal(),
        cover: 1 + rng.int(20),
      });
      return at;
    }
    nodes.push({
      feature: rng.int(m),
      threshold: rng.uniform(),
      left: -1,
      right: -1,
      defaultLeft: rng.uniform() < 0.5,
      value: 0,
      cover: 0,
    });
    const left = grow(depth + 1), right = grow(depth + 1);
    nodes[at] = { ...nodes[at], left, right, cover: nodes[left].cover + nodes[right].cover };
    return at;
  };
  grow(0);
  return { nodes };
}

/** An ensemble of `trees` random trees. */
export function randomEnsemble(rng: Rng, m: number, trees: number, maxDepth: number): TreeEnsemble {
  return {
    trees: Array.from({ length: trees }, () => randomTree(rng, m, maxDepth)),
    baseValue: rng.normal(),
    numFeatures: m,
  };
}

function permutations(m: number): number[][] {
  if (m === 0) return [[]];
  return permutations(m - 1).flatMap((p) =>
    Array.from({ length: m }, (_, i) => [...p.slice(0, i), m - 1, ...p.slice(i)])
  );
}

/** Shapley values by averaging marginal contributions over all m! orderings (v takes a bitmask). */
export function bruteForceShapley(v: (mask: number) => number, m: number): Float64Array {
  const phi = new Float64Array(m);
  const perms = permutations(m);
  for (const p of perms) {
    let mask = 0;
    for (const f of p) {
      const before = v(mask);
      mask |= 1 << f;
      phi[f] += (v(mask) - before) / perms.length;
    }
  }
  return phi;
}
