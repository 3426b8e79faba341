import { assertEquals } from "./assert.ts";
import { binMatrix, type BinnedMatrix } from "../../../lib/gbdt/binning.ts";
import { resolveParams } from "../../../lib/gbdt/params.ts";
import { DataPartition } from "../../../lib/gbdt/_partition.ts";
import { leafOfBinned } from "../../../lib/gbdt/tree.ts";
import { TreeLearner } from "../../../lib/gbdt/_tree_learner.ts";
import { LearnerWorkspace } from "../../../lib/gbdt/_workspace.ts";
import { friedman } from "./fixtures.ts";

/** A one-feature binned matrix with the given bins (bins 0..9, 9 being the NaN bin when `nanBin` is 9). */
function oneColumn(bins: number[], nanBin: number): BinnedMatrix {
  return {
    rows: bins.length,
    cols: 1,
    features: [{ upperBounds: new Float64Array(9), nanBin }],
    bins: Uint8Array.from(bins),
    binCounts: Int32Array.of(10),
    binOffsets: Int32Array.of(0, 10),
  };
}

Deno.test("partition: a split is stable and in place; NaN follows the default direction", () => {
  const part = new DataPartition(new LearnerWorkspace(oneColumn([3, 0, 9, 5, 1, 9, 2, 7], 9), 4), 4);
  part.reset();
  const right = part.split(0, 0, 2, 9, true);
  assertEquals(right, 1);
  assertEquals(Array.from(part.rowsOf(0)), [1, 2, 4, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  const third = part.split(0, 0, 1, 9, false);
  assertEquals(Array.from(part.rowsOf(0)), [1, 4]);
  assertEquals(Array.from(part.rowsOf(third)), [2, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  assertEquals(part.leaves, 3);
  // A split that sends everything one way leaves the other leaf empty.
  const empty = part.split(1, 0, 8, 9, false);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  assertEquals(Array.from(part.rowsOf(empty)), []);
});

Deno.test("partition: reset with a bag keeps only the bagged rows", () => {
  const part = new DataPartition(new LearnerWorkspace(oneColumn([0, 0, 0, 1, 0, 1], -1), 2), 2);
  part.reset(Int32Array.of(1, 3, 4));
  assertEquals(Array.from(part.rowsOf(0)), [1, 3, 4]);
  const right = part.split(0, 0, 0, -1, false);
  assertEquals(Array.from(part.rowsOf(0)), [1, 4]);
  assertEquals(Array.from(part.rowsOf(right)), [3]);
});

Deno.test("partition: after growing a tree each leaf holds, ascending, exactly the rows the tree routes there", () => {
  const { x, y } = friedman(2000, 5, 6);
  for (let k = 0; k < x.values.length; k += 11) x.values[k] = NaN;
  const data = binMatrix(x, 63);
  const params = { ...resolveParams({ num_leaves: 12, min_data_in_leaf: 5 }) };
  const learner = new TreeLearner(data, params);
  for (let i = 0; i < data.rows; i++) learner.gradients[i] = Math.fround(-y[i]);
  const bag = Int32Array.from({ length: data.rows }, (_, i) => i).filter((i) => i % 5 !== 2);
  for (const rows of [undefined, bag]) {
    const tree = learner.grow(1, Int32Array.of(0, 1, 2, 3, 4, 5), rows);
    assertEquals(tree.numLeaves, 12);
    const expected: number[][] = Array.from({ length: tree.numLeaves }, () => []);
    for (const r of rows ?? Int32Array.from({ length: data.rows }, (_, i) => i)) {
      expected[leafOfBinned(tree, data, r)].push(r);
    }
    for (let l = 0; l < tree.numLeaves; l++) {
      assertEquals(Array.from(learner.partition.rowsOf(l)), expected[l]);
      assertEquals(tree.leafCount[l], expected[l].length);
    }
  }
});
