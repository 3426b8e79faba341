import assert from "node:assert/strict";
import { gridFromStep, linspace } from "../../../lib/signal/grid.ts";

Deno.test("linspace builds numpy's points bit-for-bit (i·step + start, endpoint pinned)", () => {
  const { points, step } = linspace(3.0, 4.2, 1201);
  assert.equal(points.length, 1201);
  assert.equal(step, (4.2 - 3.0) / 1200);
  // numpy.linspace(3.0, 4.2, 1201)[1060] and [592] as printed by the scipy peer.
  assert.equal(points[1060], 4.0600000000000005);
  assert.equal(points[592], 3.592);
  assert.equal(points[0], 3.0);
  assert.equal(points[1200], 4.2);
});

Deno.test("gridFromStep derives the point count and rejects a step that does not divide the range", () => {
  assert.deepEqual(gridFromStep(3.0, 4.2, 0.001).points, linspace(3.0, 4.2, 1201).points);
  assert.equal(gridFromStep(0, 1, 0.25).points.length, 5);
  assert.throws(() => gridFromStep(0, 1, 0.3), RangeError);
  assert.throws(() => gridFromStep(0, 1, 0), RangeError);
  assert.throws(() => linspace(1, 0, 5), RangeError);
});
