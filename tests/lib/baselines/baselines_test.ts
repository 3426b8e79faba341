import assert from "node:assert/strict";
import {
  anchoredSqrt,
  baselineForecasts,
  fadeIncrement,
  fadeRateForecasts,
  referenceTrajectories,
  type SequenceTargets,
  sqrtTimeSlope,
  type Trajectory,
  valueAt,
} from "../../../lib/baselines/mod.ts";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const line = (chamberC: number, y0: number, rate: number, ts: number[]): Trajectory => ({
  chamberC,
  t: ts,
  y: ts.map((t) => y0 + rate * t),
});

Deno.test("valueAt: linear between points, first value before, last slope extended after", () => {
  const tr: Trajectory = { chamberC: 25, t: [0, 1, 3], y: [1, 0.9, 0.8] };
  close(valueAt(tr, 0.5), 0.95);
  close(valueAt(tr, 2), 0.85);
  close(valueAt(tr, -1), 1);
  close(valueAt(tr, 5), 0.7); // last segment slope −0.05 per unit, two units on
  assert.ok(Number.isNaN(valueAt({ chamberC: 25, t: [], y: [] }, 1)));
});

Deno.test("sqrtTimeSlope recovers b of y = a + b·√t exactly; anchoredSqrt passes through the last point", () => {
  const t = [0, 0.25, 1, 4];
  close(sqrtTimeSlope(t, t.map((v) => 2 - 0.5 * Math.sqrt(v))), -0.5, 1e-12);
  // Noisy points: the least-squares slope on u = √t by hand, u = 0, 1, 2; y = 0, 1, 1 → b = 0.5.
  close(sqrtTimeSlope([0, 1, 4], [0, 1, 1]), 0.5, 1e-12);
  assert.equal(sqrtTimeSlope([1], [3]), 0);
  close(anchoredSqrt(1, 0.9, -0.1, 1), 0.9);
  close(anchoredSqrt(1, 0.9, -0.1, 4), 0.8); // √4 − √1 = 1
});

Deno.test("fadeIncrement: per-temperature mean change interpolated linearly in 1/T, held outside the range", () => {
  const ts = [0, 1, 2, 3, 4];
  const train = [line(10, 1, -0.02, ts), line(10, 1, -0.04, ts), line(40, 1, -0.06, ts)];
  // Change from t = 1 to 3 (two units): 10 °C mean rate −0.03 → −0.06; 40 °C → −0.12.
  const w = (1 / 298.15 - 1 / 283.15) / (1 / 313.15 - 1 / 283.15);
  close(fadeIncrement(train, 25, 1, 3), -0.06 + (-0.12 + 0.06) * w, 1e-12);
  close(fadeIncrement(train, 10, 1, 3), -0.06, 1e-12);
  close(fadeIncrement(train, 0, 1, 3), -0.06, 1e-12);
  close(fadeIncrement(train, 45, 1, 3), -0.12, 1e-12);
  // A training cell measured only to t = 2 is extended with its last slope.
  close(fadeIncrement([line(25, 1, -0.01, [0, 1, 2])], 25, 1, 4), -0.03, 1e-12);
  assert.ok(Number.isNaN(fadeIncrement([], 25, 0, 1)));
});

/** A set of sequences of one target with per-step values; NaN entries are masked. */
function seqSet(cells: { key: string; chamberC: number; t: number[]; y: number[] }[]): SequenceTargets {
  const T = Math.max(...cells.map((c) => c.t.length));
  const t = new Float32Array(cells.length * T), y = new Float32Array(cells.length * T);
  const yMask = new Uint8Array(cells.length * T);
  cells.forEach((c, i) =>
    c.t.forEach((v, s) => {
      t[i * T + s] = v;
      y[i * T + s] = Number.isNaN(c.y[s]) ? 0 : c.y[s];
      yMask[i * T + s] = Number.isNaN(c.y[s]) ? 0 : 1;
    })
  );
  return {
    n: cells.length,
    steps: T,
    targetNames: ["soh"],
    t,
    y,
    yMask,
    lengths: Int32Array.from(cells.map((c) => c.t.length)),
    meta: { cellKey: cells.map((c) => c.key), chamberC: Float64Array.from(cells.map((c) => c.chamberC)) },
  };
}

Deno.test("baselineForecasts: closed forms on every step after the prefix, NaN within it, masked prefix points skipped", () => {
  const ts = [0, 1, 2, 3, 4];
  const train = seqSet([
    { key: "x/A", chamberC: 10, t: ts, y: ts.map((t) => 1 - 0.02 * t) },
    { key: "x/B", chamberC: 40, t: ts, y: ts.map((t) => 1 - 0.06 * t) },
  ]);
  // Test cell at 25 °C, observed prefix of 3 steps with the middle one missing (masked).
  const test = seqSet([{ key: "x/C", chamberC: 25, t: ts, y: [1, NaN, 0.96, 0.9, 0.8] }]);
  const f = baselineForecasts(train, test, Int32Array.of(3));
  for (const name of Object.keys(f) as (keyof typeof f)[]) {
    assert.ok([0, 1, 2].every((s) => Number.isNaN(f[name][s])), `${name} is NaN within the prefix`);
  }
  const w = (1 / 298.15 - 1 / 283.15) / (1 / 313.15 - 1 / 283.15);
  const rate = -0.02 + (-0.06 + 0.02) * w;
  // Prefix points (t, y) = (0, 1), (2, 0.96): √t slope = −0.04/√2; anchored at t = 2.
  const b = -0.04 / Math.SQRT2;
  for (const s of [3, 4]) {
    close(f.persistence[s], Math.fround(0.96), 1e-12);
    close(f.fade_rate_1_over_T[s], Math.fround(0.96) + rate * (ts[s] - 2), 1e-7);
    close(f.anchored_sqrt_t[s], Math.fround(0.96) + b * (Math.sqrt(ts[s]) - Math.SQRT2), 1e-7);
  }
});

Deno.test("baselineForecasts: a test cell whose prefix measured nothing gets no forecast", () => {
  const train = seqSet([{ key: "x/A", chamberC: 25, t: [0, 1, 2], y: [1, 0.9, 0.8] }]);
  const test = seqSet([{ key: "x/C", chamberC: 25, t: [0, 1, 2], y: [NaN, 0.9, 0.8] }]);
  const f = baselineForecasts(train, test, Int32Array.of(1));
  assert.ok(Array.from(f.persistence).every(Number.isNaN));
});

Deno.test("fadeRateForecasts: the other cells' change from the origin on, never the sample's own cell", () => {
  const ts = [0, 1, 2, 3];
  const set = seqSet([
    { key: "x/A", chamberC: 25, t: ts, y: ts.map((t) => 1 - 0.02 * t) },
    { key: "x/B", chamberC: 25, t: ts, y: ts.map((t) => 1 - 0.04 * t) },
  ]);
  const refs = referenceTrajectories(set);
  assert.deepEqual(refs.map((r) => [r.cellKey, r.target, r.t.length]), [["x/A", "soh", 4], [
    "x/B",
    "soh",
    4,
  ]]);
  const f = fadeRateForecasts(refs, set, Int32Array.of(2, 2));
  // Before the origin (step 1): NaN; at it, the last observed value; then + the *other* cell's change.
  assert.ok(Number.isNaN(f[0]));
  close(f[1], Math.fround(0.98), 1e-7);
  close(f[3], Math.fround(0.98) - 0.04 * 2, 1e-6); // x/A follows x/B's rate
  close(f[4 + 3], Math.fround(0.96) - 0.02 * 2, 1e-6); // x/B follows x/A's rate
});
