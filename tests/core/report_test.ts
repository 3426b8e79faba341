import assert from "node:assert/strict";
import { buildReport, type PredictionRow, runHeadline } from "../../core/report.ts";

const row = (cellKey: string, yTrue: number, yPred: number, target = "lli"): PredictionRow => ({
  fold: "f",
  cellKey,
  chamberC: 25,
  rpt: 1,
  t: 0,
  target,
  yTrue,
  yPred,
});

Deno.test("one MAPE floor per target: a cell near zero is judged by the target's scale, not its own", () => {
  // Target scale max |y| = 0.5 → floor 0.005: both points of cell A (0.002, 0.003) are left out of MAPE,
  // also in A's own metrics (its own scale would have kept them).
  const report = buildReport([row("A", 0.002, 0.004), row("A", 0.003, 0.003), row("B", 0.5, 0.45)]);
  const lli = report.lli;
  assert.equal(lli.mapeFloor, 0.005);
  assert.equal(lli.perCell.A.mape_excluded, 2);
  assert.ok(Number.isNaN(lli.perCell.A.mape));
  assert.equal(lli.overall.mape_excluded, 2);
  assert.ok(Math.abs(lli.overall.mape - 10) < 1e-12); // |0.45 − 0.5| / 0.5
  // lli starts at zero: MAE is the headline. MAE = (0.002 + 0 + 0.05) / 3.
  assert.deepEqual(lli.headline.metrics, ["mae", "rmse"]);
  const headline = runHeadline(report)!;
  assert.equal(headline.metric, "mae");
  assert.ok(Math.abs(headline.value - 0.052 / 3) < 1e-12);
});

Deno.test("SOH is headlined by RMSE", () => {
  const report = buildReport([row("A", 0.9, 0.8, "soh"), row("B", 0.8, 0.8, "soh")]);
  const h = runHeadline(report)!;
  assert.deepEqual([h.target, h.metric], ["soh", "rmse"]);
  assert.ok(Math.abs(h.value - Math.sqrt(0.01 / 2)) < 1e-15); // errors −0.1 and 0 (0.9 − 0.8 in float64)
});
