/** The m50t dataset plugin on the synthetic dataset: contract shape, cells, tables, curves, fingerprints. */
import assert from "node:assert/strict";
import { definitionProblems, instanceProblems } from "../../../../core/plugin.ts";
import { DataError } from "../../../../core/errors.ts";
import m50t, { m50tOptions } from "../../../../plugins/datasets/m50t.ts";
import { testContext } from "./helpers.ts";

Deno.test("m50t synthetic: cells with chamber temperatures from the study, canonical tables, curves", async () => {
  assert.deepEqual(definitionProblems(m50t), []);
  const cache = await Deno.makeTempDir();
  try {
    const ctx = testContext(cache);
    const ds = await m50t.create(
      m50tOptions.parse({ experiment: "2,2", synthetic: { seed: 3, curves: true } }),
      ctx,
    );
    assert.deepEqual(instanceProblems("dataset", ds), []);
    const cells = await ds.cells();
    assert.deepEqual(cells.map((c) => `${c.cellKey}@${c.chamberC}`), [
      "2,2/A@10",
      "2,2/B@10",
      "2,2/C@25",
      "2,2/D@25",
      "2,2/E@40",
      "2,2/F@40",
    ]);
    const t = await ds.table("performance_summary", ["2,2/C", "2,2/E"]);
    assert.equal(t.length, 26);
    for (
      const name of [
        "cellKey",
        "experiment",
        "cell",
        "rpt",
        "chamber_temperature_K",
        "days",
        "charge_throughput_Ah",
        "capacity_c10_Ah",
        "soh",
        "lli",
        "lam_pe",
        "lam_ne",
        "r_0p1s_ohm",
        "cell_temperature_K",
      ]
    ) {
      assert.ok(name in t.columns, `column ${name}`);
    }
    const r = t.columns.r_0p1s_ohm as Float64Array;
    const rpt = t.columns.rpt as Float64Array;
    rpt.forEach((k, i) => assert.equal(Number.isNaN(r[i]), k % 2 === 1, "resistance on even RPTs only"));
    assert.equal(ctx.log.warnings.length, 0, ctx.log.warnings.join("\n"));
    const perSet = await ds.table("summary_per_set", ["2,2/A"]);
    assert.equal(perSet.length, 12);
    const curves = await ds.curves("2,2/C", { kind: "0.1C", direction: "discharge" });
    assert.deepEqual(curves.map((c) => c.rpt), Array.from({ length: 13 }, (_, i) => i));
    const cap = (t.columns.capacity_c10_Ah as Float64Array)[0];
    assert.ok(Math.abs(curves[0].charge_Ah.at(-1)! - cap) < 0.002, "curve end ≈ the summary's C/10 capacity");
    await assert.rejects(ds.table("nope", ["2,2/C"]), DataError);
    await assert.rejects(ds.table("performance_summary", ["C"]), /unknown cell/);
    await assert.rejects(ds.curves("2,2/C", { kind: "0.1C", direction: "charge" }), DataError);
    const fp = await ds.fingerprint();
    // Every cell's Performance Summary is read (and checked) at create, then 1 per-set file, 13 curves.
    assert.equal(Object.keys(fp).length, 6 + 1 + 13);
    assert.ok(Object.values(fp).every((h) => /^[0-9a-f]{64}$/.test(h)));
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
