import assert from "node:assert/strict";
import { createLogger } from "../../../core/log.ts";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { createRng } from "../../../core/rng.ts";
import { restrictToCells } from "../../../core/view.ts";
import { cellRows, SUMMARY_CELLS, summaryDataset } from "../../fixtures/summary_dataset.ts";
import summarySet from "../../../plugins/pipelines/summary_set.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
const R = 8.314462618;

async function pipeline(options: Record<string, unknown> = {}) {
  return await createPlugin(await loadPlugin("summary_set", "pipeline"), options, ctx, "pipeline");
}

Deno.test("features equal hand-computed values; odd-RPT resistance carries the last measured value forward", async () => {
  const p = await pipeline();
  const ds = summaryDataset();
  const fitted = await p.fit(ds);
  const set = await fitted.transform(restrictToCells(ds, ["s/C"]));
  const F = set.featureNames.length;
  const f = (i: number, name: string) => set.x[i * F + set.featureNames.indexOf(name)];
  const [, c, , r0, dr] = SUMMARY_CELLS[2];
  const T = c + 273.15;
  for (let i = 0; i < set.n; i++) {
    const rpt = set.meta.rpt[i];
    const measured = rpt % 2 === 0 ? rpt : rpt - 1; // never a later RPT
    const r = r0 + dr * measured;
    assert.equal(f(i, "r_0p1s_ohm"), Math.fround(r));
    assert.equal(f(i, "r_rel"), Math.fround(r / r0));
    assert.equal(f(i, "charge_throughput_Ah"), 750 * rpt);
    assert.equal(f(i, "days"), 14 * rpt);
    assert.equal(f(i, "chamber_temperature_K"), Math.fround(T));
    assert.equal(f(i, "arrhenius"), Math.fround(Math.exp(-50_000 / (R * T))));
    assert.equal(f(i, "inv_temperature_1000_per_K"), Math.fround(1000 / T));
    assert.equal(set.y[i], Math.fround(cellRows(SUMMARY_CELLS[2])[rpt].soh));
  }
});

Deno.test("a cell's samples do not depend on which cells are transformed with it", async () => {
  const ds = summaryDataset();
  const fitted = await (await pipeline({ standardize: true })).fit(restrictToCells(ds, ["s/A", "s/C"]));
  const together = await fitted.transform(restrictToCells(ds, ["s/A", "s/B"]));
  const alone = await fitted.transform(restrictToCells(ds, ["s/B"]));
  const rows = together.meta.cellKey.flatMap((k, i) => (k === "s/B" ? [i] : []));
  const F = together.featureNames.length;
  assert.deepEqual(rows.flatMap((i) => [...together.x.subarray(i * F, (i + 1) * F)]), [...alone.x]);
});

Deno.test("standardisation is fitted on the training view only and survives state → restore", async () => {
  const ds = summaryDataset();
  const p = await pipeline({ standardize: true, features: ["days", "charge_throughput_Ah"] });
  const fitted = await p.fit(restrictToCells(ds, ["s/A"]));
  const train = await fitted.transform(restrictToCells(ds, ["s/A"]));
  // Training days 0,14,…,56: mean 28, population std √(14²·2) → standardised values −√2 … √2.
  const days = Array.from({ length: train.n }, (_, i) => train.x[i * 2]);
  assert.ok(Math.abs(days.reduce((a, b) => a + b, 0)) < 1e-5);
  assert.ok(Math.abs(Math.max(...days) - Math.SQRT2) < 1e-5);
  const reloaded = await p.restore(await throughFiles(summarySet, await fitted.state()));
  const other = await reloaded.transform(restrictToCells(ds, ["s/B"]));
  const direct = await fitted.transform(restrictToCells(ds, ["s/B"]));
  assert.deepEqual([...other.x], [...direct.x]);
});

Deno.test("a target missing from the table is an error naming the column and the columns found", async () => {
  const p = await pipeline({ targets: ["lli"] });
  await assert.rejects(
    p.fit(summaryDataset()),
    /column 'lli'.*table 'performance_summary'.*found columns cellKey, rpt/,
  );
});
