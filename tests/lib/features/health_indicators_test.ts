import assert from "node:assert/strict";
import {
  meanVoltageShift,
  relativeToFirst,
  setMeanVoltage,
  windowCharge,
} from "../../../lib/features/mod.ts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

Deno.test("a set's mean voltage is its energy over its charge throughput; shifts are from the first set", () => {
  // Sets at 3.4, 3.5, 3.7 V: 100, 200, 50 Ah each → cumulative Q and E.
  const q = [0, 100, 300, 350], e = [0, 340, 340 + 700, 340 + 700 + 185];
  const v = setMeanVoltage(q, e);
  assert.ok(Number.isNaN(v[0]));
  close(v[1], 3.4);
  close(v[2], 3.5);
  close(v[3], 3.7);
  const shift = meanVoltageShift([0, 1, 2, 3], q, e);
  assert.deepEqual([shift[0], shift[1]], [0, 0]);
  close(shift[2], 0.1);
  close(shift[3], 0.3);
});

Deno.test("a set without throughput (or with none added) has no mean voltage; no first set, no shifts", () => {
  const v = setMeanVoltage([0, 100, 100, NaN], [0, 340, 340, 500]);
  assert.ok([v[2], v[3]].every(Number.isNaN));
  const shift = meanVoltageShift([0, 1, 2], [0, NaN, 200], [0, NaN, 700]);
  assert.equal(shift[0], 0);
  assert.ok(Number.isNaN(shift[1]) && Number.isNaN(shift[2]));
});

Deno.test("values relative to the RPT0 measurement; NaN when the first row is not RPT0", () => {
  assert.deepEqual([...relativeToFirst([0, 1, 2], [2, 3, 4])], [1, 1.5, 2]);
  assert.ok([...relativeToFirst([1, 2], [2, 3])].every(Number.isNaN));
});

Deno.test("window charge of a linear discharge is the window over the slope, wherever the samples fall", () => {
  // V = 4.2 − 0.25·q (Ah), sampled every 0.37 Ah: 3.9 V at q = 1.2, 3.6 V at q = 2.4 → 1.2 Ah.
  const q = Array.from({ length: 20 }, (_, i) => 0.37 * i), v = q.map((x) => 4.2 - 0.25 * x);
  close(windowCharge(v, q, 3.6, 3.9), 1.2, 1e-12);
  // Charge counted downwards (negative discharge charge) gives the same magnitude.
  close(windowCharge(v, q.map((x) => -x), 3.6, 3.9), 1.2, 1e-12);
});

Deno.test("a curve that does not reach the window's ends has no window charge", () => {
  const q = [0, 1, 2], v = [4.2, 4.0, 3.8]; // never reaches 3.6 V
  assert.ok(Number.isNaN(windowCharge(v, q, 3.6, 3.9)));
  assert.ok(Number.isNaN(windowCharge([3.8, 3.5], [0, 1], 3.6, 3.9))); // starts below 3.9 V
});
