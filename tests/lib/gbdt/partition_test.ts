import { assertEquals } from "./assert.ts";
import { DataPartition } from "../../../lib/gbdt/partition.ts";

Deno.test("partition: a split is stable and in place; NaN follows the default direction", () => {
  const part = new DataPartition(8, 4);
  part.reset();
  // Bins of rows 0..7; bin 9 is the NaN bin.
  const column = Uint8Array.of(3, 0, 9, 5, 1, 9, 2, 7);
  const right = part.split(0, column, 2, 9, true);
  assertEquals(right, 1);
  assertEquals(Array.from(part.rowsOf(0)), [1, 2, 4, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  const third = part.split(0, column, 1, 9, false);
  assertEquals(Array.from(part.rowsOf(0)), [1, 4]);
  assertEquals(Array.from(part.rowsOf(third)), [2, 5, 6]);
  assertEquals(Array.from(part.rowsOf(1)), [0, 3, 7]);
  assertEquals(part.leaves, 3);
});

Deno.test("partition: reset with a bag keeps only the bagged rows", () => {
  const part = new DataPartition(6, 2);
  part.reset(Int32Array.of(1, 3, 4));
  assertEquals(Array.from(part.rowsOf(0)), [1, 3, 4]);
  const right = part.split(0, Uint8Array.of(0, 0, 0, 1, 0, 1), 0, -1, false);
  assertEquals(Array.from(part.rowsOf(0)), [1, 4]);
  assertEquals(Array.from(part.rowsOf(right)), [3]);
});
