/**
 * The sweep comparison against hand-computed statistics. Student-t 97.5 % quantiles from the NIST/SEMATECH
 * e-Handbook of Statistical Methods, §1.3.6.7.2 (table of critical values of the t distribution):
 * df 1 → 12.706, df 2 → 4.303, df 3 → 3.182, df 7 → 2.365.
 */
import assert from "node:assert/strict";
import { studentT975 } from "../../../lib/metrics.ts";
import {
  compareConfigs,
  compareCsv,
  compareText,
  type ConfigPoint,
  type PointValue,
} from "../../../lib/sweep/mod.ts";

const T975 = { 1: 12.706, 2: 4.303, 3: 3.182, 7: 2.365 } as const;

Deno.test("the t quantiles the intervals use match the published table to its 3 decimals", () => {
  for (const [df, t] of Object.entries(T975)) {
    assert.ok(Math.abs(studentT975(Number(df)) - t) < 5e-4, `df ${df}`);
  }
});

const configs: ConfigPoint[] = ["c0", "c1", "c2", "c3", "c4"].map((key) => ({ key, params: {}, label: key }));
const repeats = [[1, "A"], [1, "B"], [2, "A"], [2, "B"]] as const;
const c0 = [1.0, 2.0, 3.0, 4.0];
const series: Record<string, number[]> = {
  c0,
  c1: c0.map((v, i) => v + [0.5, 0.7, 0.5, 0.7][i]), // worse on every repeat: pairing shows it
  c2: c0.map((v, i) => v + [0.3, -0.2, -0.3, 0.4][i]), // sometimes better, sometimes worse
};
const values: PointValue[] = [
  ...Object.entries(series).flatMap(([config, vs]) =>
    vs.map((value, i) => ({ config, seed: repeats[i][0], fold: repeats[i][1], value }))
  ),
  { config: "c3", seed: 1, fold: "A", value: 5 }, // one finished point of four
];

Deno.test("compare: mean, std and 95 % t-interval per configuration, as computed by hand", () => {
  const rows = compareConfigs(configs, values, () => 4, true);
  assert.deepEqual(rows.map((r) => r.config), ["c0", "c2", "c1", "c3", "c4"]);
  assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3, 4, 5]);
  const [best] = rows;
  // c0 = 1, 2, 3, 4: mean 2.5, s² = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3, half-width t(3)·s/√4.
  const s = Math.sqrt(5 / 3), half = T975[3] * s / 2;
  assert.equal(best.summary.folds, 4);
  assert.ok(Math.abs(best.summary.mean - 2.5) < 1e-12);
  assert.ok(Math.abs(best.summary.std - s) < 1e-12);
  assert.ok(Math.abs(best.summary.ci95[0] - (2.5 - half)) < 1e-3);
  assert.ok(Math.abs(best.summary.ci95[1] - (2.5 + half)) < 1e-3);
  assert.equal(best.versusBest, undefined);
  assert.equal(best.missing, 0);
});

Deno.test("compare: paired differences with the best decide 'within noise'", () => {
  const rows = compareConfigs(configs, values, () => 4, true);
  const byKey = Object.fromEntries(rows.map((r) => [r.config, r]));
  // c1 − c0 = 0.5, 0.7, 0.5, 0.7: mean 0.6, s² = 4·0.01/3, interval 0.6 ± t(3)·s/2 = [0.416, 0.784] ∌ 0.
  const s1 = Math.sqrt(0.04 / 3), h1 = T975[3] * s1 / 2;
  const v1 = byKey.c1.versusBest!;
  assert.equal(v1.pairs, 4);
  assert.ok(Math.abs(v1.meanDiff - 0.6) < 1e-12);
  assert.ok(Math.abs(v1.ci95[0] - (0.6 - h1)) < 1e-3 && Math.abs(v1.ci95[1] - (0.6 + h1)) < 1e-3);
  assert.equal(v1.withinNoise, false);
  // Unpaired, c1's own interval overlaps c0's: only the pairing shows that c1 is worse.
  assert.ok(byKey.c1.summary.ci95[0] < byKey.c0.summary.ci95[1]);
  // c2 − c0 = 0.3, −0.2, −0.3, 0.4: mean 0.05, s² = (0.0625·2 + 0.1225·2)/3 = 0.37/3, interval ∋ 0.
  const s2 = Math.sqrt(0.37 / 3), h2 = T975[3] * s2 / 2;
  const v2 = byKey.c2.versusBest!;
  assert.ok(Math.abs(v2.meanDiff - 0.05) < 1e-12);
  assert.ok(Math.abs(v2.ci95[0] - (0.05 - h2)) < 1e-3 && Math.abs(v2.ci95[1] - (0.05 + h2)) < 1e-3);
  assert.equal(v2.withinNoise, true);
  // c3 has one finished point: no std, no interval, cannot tell; three missing.
  assert.equal(byKey.c3.summary.folds, 1);
  assert.ok(Number.isNaN(byKey.c3.summary.std));
  assert.equal(byKey.c3.versusBest!.withinNoise, null);
  assert.equal(byKey.c3.missing, 3);
  // c4 never finished: last, no comparison.
  assert.equal(byKey.c4.summary.folds, 0);
  assert.equal(byKey.c4.versusBest, undefined);
  const text = compareText({ sweepId: "s", target: "soh", metric: "rmse" }, rows);
  assert.match(text, /c2 .* within noise of best \(Δ \+0\.0500/);
  assert.match(text, /c1 .* differs from best \(Δ \+0\.600 \[\+0\.416, \+0\.784\]\)/);
  assert.match(text, /c3 .* cannot tell \(1 paired repeats\)/);
  assert.match(text, /c4 .* no finished point/);
  const csv = compareCsv(rows).trim().split("\n");
  assert.equal(csv.length, 6);
  assert.equal(csv[0].split(",")[0], "rank");
  assert.equal(csv[1].split(",").slice(0, 5).join(","), "1,c0,c0,4,2.5");
});

Deno.test("compare: for R² higher is better, so the ranking flips", () => {
  const rows = compareConfigs(configs.slice(0, 3), values.filter((v) => v.config !== "c3"), () => 4, false);
  assert.deepEqual(rows.map((r) => r.config), ["c1", "c2", "c0"]);
});
