import assert from "node:assert/strict";
import {
  groupedMetrics,
  headlineFor,
  mapeFloor,
  regressionMetrics,
  studentT975,
  summariseFolds,
} from "../../lib/metrics.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

Deno.test("RMSE, MAE, MAPE, R² and max error on a hand-computed example", () => {
  // errors: +0.1, -0.2, 0, +0.1 on y = 1, 2, 3, 4 (mean 2.5, SST = 5)
  const m = regressionMetrics([1, 2, 3, 4], [1.1, 1.8, 3, 4.1]);
  close(m.rmse, Math.sqrt((0.01 + 0.04 + 0 + 0.01) / 4));
  close(m.mae, 0.4 / 4);
  close(m.mape, 100 * (0.1 / 1 + 0.2 / 2 + 0 + 0.1 / 4) / 4);
  close(m.r2, 1 - 0.06 / 5);
  close(m.max_error, 0.2);
  assert.equal(m.n, 4);
});

Deno.test("targets within 1 % of the largest |y| are left out of MAPE and counted", () => {
  const m = regressionMetrics([0, 1e-7, 2], [0.5, 0.5, 1]);
  assert.equal(m.mape_excluded, 2);
  close(m.mape, 50);
  assert.ok(Number.isNaN(regressionMetrics([1, 1], [1, 2]).r2)); // no variance → R² undefined
});

Deno.test("a LAM_PE point at −0.00076 no longer dominates MAPE: the floor is relative to the target's scale", () => {
  // max |y| = 0.4 → floor 0.004: 0 and −0.00076 are left out; MAPE over 0.1 and 0.4 by hand:
  // |0.11 − 0.1| / 0.1 = 0.1, |0.38 − 0.4| / 0.4 = 0.05 → 7.5 %. (With a 1e-6 floor −0.00076 counted,
  // |0.002 + 0.00076| / 0.00076 = 3.63, and MAPE was 126 %.)
  const yTrue = [0, -0.00076, 0.1, 0.4], yPred = [0.001, 0.002, 0.11, 0.38];
  close(mapeFloor(yTrue), 0.004);
  const m = regressionMetrics(yTrue, yPred);
  assert.equal(m.mape_excluded, 2);
  close(m.mape, 7.5);
  // An explicit floor (the whole target's) overrides the group's own scale.
  const group = regressionMetrics([0.002, 0.003], [0.003, 0.003], 0.005);
  assert.equal(group.mape_excluded, 2);
  assert.ok(Number.isNaN(group.mape));
});

Deno.test("headline metrics: MAE/RMSE for targets that start at zero or pass near it, RMSE/MAPE otherwise", () => {
  const clean = regressionMetrics([0.9, 0.8], [0.91, 0.79]);
  assert.deepEqual(headlineFor("soh", clean).metrics, ["rmse", "mape"]);
  for (const target of ["lli", "lam_pe", "lam_ne", "lam_ne_si"]) {
    assert.deepEqual(headlineFor(target, clean).metrics, ["mae", "rmse"], target);
  }
  const nearZero = regressionMetrics([0, 0.5], [0.1, 0.5]);
  const h = headlineFor("capacity_c10_Ah", nearZero);
  assert.deepEqual(h.metrics, ["mae", "rmse"]);
  assert.match(h.reason, /1 of 2 points are near zero/);
});

Deno.test("grouped metrics split by label in natural order", () => {
  const g = groupedMetrics([1, 2, 3, 4], [1, 2, 3, 5], ["c/10", "c/2", "c/10", "c/2"]);
  assert.deepEqual(Object.keys(g), ["c/2", "c/10"]);
  close(g["c/2"].mae, 0.5);
  close(g["c/10"].mae, 0);
});

Deno.test("Student-t 97.5 % quantiles equal published table values", () => {
  // Standard t-table values (e.g. NIST/SEMATECH e-Handbook, Table of upper critical values).
  close(studentT975(1), 12.706204736, 1e-8);
  close(studentT975(2), 4.302652730, 1e-8);
  close(studentT975(8), 2.306004135, 1e-8);
  close(studentT975(30), 2.042272456, 1e-8);
});

Deno.test("fold summary: mean, sample std, 95 % t-interval", () => {
  const s = summariseFolds([1, 2, 3, 4, 5]);
  close(s.mean, 3);
  close(s.std, Math.sqrt(2.5));
  const half = 2.776445105 * Math.sqrt(2.5) / Math.sqrt(5);
  close(s.ci95[0], 3 - half, 1e-8);
  close(s.ci95[1], 3 + half, 1e-8);
  assert.equal(summariseFolds([NaN, 1]).folds, 1);
});
