import assert from "node:assert/strict";
import { piecewiseLinearArea, trapezoid, valueAt } from "../../../lib/signal/area.ts";
import { assertClose } from "./assert_close.ts";

// y = max(0, 10 − 2|i − 10|): a triangle of base 10 and height 10 whose corners fall on samples.
const TRIANGLE = Float64Array.from({ length: 21 }, (_, i) => Math.max(0, 10 - 2 * Math.abs(i - 10)));

Deno.test("trapezoid of a triangle is its area", () => {
  assert.equal(trapezoid(TRIANGLE), 50);
});

Deno.test("area between fractional positions: triangle above half height plus the rectangle below", () => {
  // Half height 5 is crossed at 7.5 and 12.5: 5·5 (rectangle) + ½·5·5 (triangle) = 37.5.
  assertClose(piecewiseLinearArea(TRIANGLE, 7.5, 12.5), 37.5, 1e-15);
  assertClose(piecewiseLinearArea(TRIANGLE, 0, 20), 50, 1e-15);
  // Both ends inside one sample interval: [7.25, 7.75] where y = 4.5 … 5.5.
  assertClose(piecewiseLinearArea(TRIANGLE, 7.25, 7.75), 2.5, 1e-15);
  assert.equal(piecewiseLinearArea(TRIANGLE, 3, 3), 0);
  assert.equal(valueAt(TRIANGLE, 7.5), 5);
  assert.throws(() => piecewiseLinearArea(TRIANGLE, 5, 4), RangeError);
  assert.throws(() => piecewiseLinearArea(TRIANGLE, 0, 21), RangeError);
});
