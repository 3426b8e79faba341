/**
 * Real LG M50T data (shared/data/m50t): Expt 1 Performance Summaries and the Expt 2,2 cell C RPT0 0.1C
 * curve. These tests fail — never skip — when the folder is missing.
 */
import assert from "node:assert/strict";
import m50t, { m50tOptions } from "../../../../plugins/datasets/m50t.ts";
import { experimentByLabel } from "../../../../lib/m50t/mod.ts";
import { discoverCurves } from "../../../../lib/m50t/mod.ts";
import { loadCurve } from "../../../../lib/m50t/mod.ts";
import { checkDataset } from "../../../../lib/m50t/mod.ts";
import { requireRealData, testContext } from "./helpers.ts";

Deno.test("real Expt 1: 9 cells, 118 rows, SOH 1 at RPT0 and equal to the file's SoH", async () => {
  const root = await requireRealData();
  const ctx = testContext(await Deno.makeTempDir());
  const ds = await m50t.create(m50tOptions.parse({ root, experiment: "1" }), ctx);
  const cells = await ds.cells();
  assert.equal(cells.length, 9);
  assert.deepEqual(cells.map((c) => `${c.cellKey}@${c.chamberC}`).sort(), [
    "1/A@10",
    "1/B@10",
    "1/D@25",
    "1/E@25",
    "1/F@25",
    "1/J@10",
    "1/K@40",
    "1/L@40",
    "1/M@40",
  ]);
  const t = await ds.table("performance_summary", cells.map((c) => c.cellKey));
  assert.equal(t.length, 118);
  const rpt = t.columns.rpt as Float64Array;
  const soh = t.columns.soh as Float64Array;
  const reported = t.columns.soh_reported as Float64Array;
  const days = t.columns.days as Float64Array;
  for (let i = 0; i < t.length; i++) {
    if (rpt[i] === 0) {
      assert.equal(soh[i], 1);
      assert.equal(days[i], 0);
    }
    assert.ok(Math.abs(soh[i] - reported[i]) <= 1e-4, `row ${i}: soh ${soh[i]} vs file ${reported[i]}`);
  }
  assert.equal(ctx.log.warnings.length, 0);
  // Chamber temperature comes from the file name, the measured one is separate.
  const chamber = t.columns.chamber_temperature_K as Float64Array;
  assert.ok(chamber.every((k) => [283.15, 298.15, 313.15].includes(k)));
  assert.ok(t.columns.cell_temperature_K instanceof Float64Array);
  assert.ok(Object.keys(await ds.fingerprint()).length === 9);
});

Deno.test("real 0.1C curve, Expt 2,2 cell C RPT0: 34,661 rows, 4.8137 Ah", async () => {
  const root = await requireRealData();
  const files = await discoverCurves(root, experimentByLabel("2,2"), "C", "0.1C");
  assert.deepEqual(files.map((f) => f.rpt), [0]);
  const c = await loadCurve({ file: files[0].path, cellKey: "2,2/C", rpt: 0 });
  assert.equal(c.time_s.length, 34661);
  assert.ok(Math.abs(Math.max(...c.charge_Ah) - 4.8137) < 5e-5);
  assert.ok(Math.abs(c.current_A[0] + 0.5) < 1e-3, "mA converted to A");
  assert.ok(Math.abs(c.temperature_K![0] - (24.66901 + 273.15)) < 1e-9, "°C converted to K");
});

Deno.test("real data check: Expt 1 complete (2024 headers), Expt 2,2 lacks its summaries", async () => {
  const root = await requireRealData();
  const r = await checkDataset(root);
  const e1 = r.experiments.find((e) => e.label === "1")!;
  assert.equal(e1.cells.length, 9);
  assert.equal(e1.rows, 118);
  assert.ok(e1.cells.every((c) => c.problems.length === 0 && c.spelling === "2024"));
  const e22 = r.experiments.find((e) => e.label === "2,2")!;
  assert.equal(e22.curves, 1);
  assert.equal(r.ok, false);
});
