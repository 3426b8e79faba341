import assert from "node:assert/strict";
import { groupedMetrics, regressionMetrics, studentT975, summariseFolds } from "../../lib/metrics.ts";

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

Deno.test("targets with |y| < 1e-6 are left out of MAPE and counted", () => {
  const m = regressionMetrics([0, 1e-7, 2], [0.5, 0.5, 1]);
  assert.equal(m.mape_excluded, 2);
  close(m.mape, 50);
  assert.ok(Number.isNaN(regressionMetrics([1, 1], [1, 2]).r2)); // no variance → R² undefined
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
