import { assertEquals } from "./assert.ts";
import { binMatrix } from "../../../lib/gbdt/binning.ts";
import { resolveParams } from "../../../lib/gbdt/params.ts";
import { DataPartition } from "../../../lib/gbdt/partition.ts";
import { leafOfBinned } from "../../../lib/gbdt/tree.ts";
import { TreeLearner } from "../../../lib/gbdt/tree_learner.ts";
import { friedman } from "./fixtures.ts";

Deno.test("partition: a split is stable and in place; NaN follows the default direction", () => {
  const part = new DataPartition(8, 4);
  part.reset();
  // Bins of rows 0..7; bin 9 is the NaN bin.
  const column = Uint8Array.of(3, 0, 9, 5, 1, 9, 2, 7);
  const right = part.split(0, column, 0, 2, 9, true);
  assertEquals(right, 1);
  assertEquals(Array.from(part.rowsOf(0)), [1, 2, 4, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  const third = part.split(0, column, 0, 1, 9, false);
  assertEquals(Array.from(part.rowsOf(0)), [1, 4]);
  assertEquals(Array.from(part.rowsOf(third)), [2, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  assertEquals(part.leaves, 3);
});

Deno.test("partition: reset with a bag keeps only the bagged rows", () => {
  const part = new DataPartition(6, 2);
  part.reset(Int32Array.of(1, 3, 4));
  assertEquals(Array.from(part.rowsOf(0)), [1, 3, 4]);
  const right = part.split(0, Uint8Array.of(0, 0, 0, 1, 0, 1), 0, 0, -1, false);
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
