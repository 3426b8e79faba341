import assert from "node:assert/strict";
import { restrictToCells } from "../../../core/view.ts";
import type { DatasetInstance, PipelineInstance } from "../../../core/plugin.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { summaryDataset } from "../../fixtures/summary_dataset.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";
import latentOdeSeq from "../../../plugins/pipelines/latent_ode_seq.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

const pipeline = (options: unknown = {}) =>
  createLocal("pipeline", "pipelines/latent_ode_seq.ts", options) as Promise<PipelineInstance>;
const ALL = ["s/A", "s/B", "s/C"];
/** The feature list the mechanics tests were written against (the defaults now add conditions). */
const BASIC = { features: ["time", "chamber_temperature_K", "r_rel"] };

/** The fixture with cell s/C cut after RPT 2 and s/B's SOH missing at RPT 2. */
function raggedDataset(): DatasetInstance {
  const base = summaryDataset();
  return {
    ...base,
    async table(name, keys) {
      const t = await base.table(name, keys);
      const cell = t.columns.cellKey as string[], rpt = t.columns.rpt as Float64Array;
      const keep = cell.map((c, i) => !(c === "s/C" && rpt[i] > 2));
      const columns: typeof t.columns = {};
      for (const [k, col] of Object.entries(t.columns)) {
        columns[k] = Array.isArray(col)
          ? col.filter((_, i) => keep[i])
          : (col as Float64Array).filter((_, i) => keep[i]);
      }
      const soh = columns.soh as Float64Array,
        c2 = columns.cellKey as string[],
        r2 = columns.rpt as Float64Array;
      c2.forEach((c, i) => c === "s/B" && r2[i] === 2 && (soh[i] = NaN));
      return { length: c2.length, columns };
    },
  };
}

function stepValues(set: SampleSet, i: number) {
  const T = set.steps, F = set.featureNames.length, K = set.targetNames.length, L = set.lengths[i];
  return {
    x: Array.from(set.x.subarray(i * T * F, (i * T + L) * F)),
    y: Array.from(set.y.subarray(i * T * K, (i * T + L) * K)),
    yMask: Array.from(set.yMask.subarray(i * T * K, (i * T + L) * K)),
    t: Array.from(set.t.subarray(i * T, i * T + L)),
    rpt: Array.from(set.meta.rpt.subarray(i * T, i * T + L)),
  };
}

Deno.test("latent_ode_seq: one sequence per cell in RPT order, scaled relative days, carried-forward r_rel", async () => {
  const data = summaryDataset();
  const fitted = await (await pipeline({ ...BASIC, standardize: false })).fit(restrictToCells(data, ALL));
  const set = await fitted.transform(restrictToCells(data, ALL));
  assert.deepEqual([set.n, set.steps, set.featureNames], [3, 5, ["time", "chamber_temperature_K", "r_rel"]]);
  const a = stepValues(set, 0);
  assert.deepEqual(a.rpt, [0, 1, 2, 3, 4]);
  assert.deepEqual(a.t.map((v) => Math.round(v * 1e6) / 1e6), [0, 0.14, 0.28, 0.42, 0.56]);
  // s/A: r0 = 0.025, +0.0002 per RPT, measured on even RPTs only → r_rel = 1, 1, (0.0254/0.025), same, …
  const rRel = [0, 1, 2, 3, 4].map((s) => a.x[s * 3 + 2]);
  const expected = [1, 1, 0.0254 / 0.025, 0.0254 / 0.025, 0.0258 / 0.025];
  rRel.forEach((v, s) => assert.ok(Math.abs(v - expected[s]) < 1e-6, `step ${s}: ${v}`));
  assert.ok(Math.abs(a.x[2 * 3 + 1] - 283.15) < 1e-3);
  assert.deepEqual(a.y.map((v) => Math.round(v * 1e6) / 1e6), [1, 0.99, 0.98, 0.97, 0.96]);
  assert.deepEqual(set.meta.extra?.time_unit, ["days", "days", "days"]);
});

Deno.test("latent_ode_seq: unequal lengths are padded and a missing target is masked", async () => {
  const data = raggedDataset();
  const fitted = await (await pipeline({ standardize: false })).fit(restrictToCells(data, ALL));
  const set = await fitted.transform(restrictToCells(data, ALL));
  assert.deepEqual(Array.from(set.lengths), [5, 5, 3]);
  assert.deepEqual(Array.from(set.yMask.subarray(5, 10)), [1, 1, 0, 1, 1]);
  assert.deepEqual(Array.from(set.yMask.subarray(10, 15)), [1, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(set.meta.rpt.subarray(10, 15)), [0, 1, 2, -1, -1]);
});

Deno.test("latent_ode_seq: transforming cells together or one at a time gives identical samples", async () => {
  const data = raggedDataset();
  const fitted = await (await pipeline()).fit(restrictToCells(data, ["s/A", "s/B"]));
  const together = await fitted.transform(restrictToCells(data, ALL));
  for (const [i, key] of ALL.entries()) {
    const alone = await fitted.transform(restrictToCells(data, [key]));
    assert.deepEqual(stepValues(alone, 0), stepValues(together, i), key);
  }
});

Deno.test("latent_ode_seq: standardisation comes from the training View only; state → restore is identical", async () => {
  const data = summaryDataset();
  const fitted = await (await pipeline(BASIC)).fit(restrictToCells(data, ["s/A", "s/B"]));
  const test = await fitted.transform(restrictToCells(data, ["s/C"]));
  // Temperature over the training cells: 283.15 and 298.15 → mean 290.65, std 7.5; s/C is 313.15 K.
  assert.ok(Math.abs(test.x[1] - (313.15 - 290.65) / 7.5) < 1e-4, `${test.x[1]}`);
  // Restored into an instance created with other options: the state's own options win.
  const loaded = await (await pipeline()).restore(await throughFiles(latentOdeSeq, await fitted.state()));
  const again = await loaded.transform(restrictToCells(data, ["s/C"]));
  assert.deepEqual(again.x, test.x);
  assert.deepEqual(again.t, test.t);
});

Deno.test("latent_ode_seq: throughput time axis and max_seq_len", async () => {
  const data = summaryDataset();
  const fitted = await (await pipeline({ time: "charge_throughput_Ah", max_seq_len: 3, standardize: false }))
    .fit(restrictToCells(data, ALL));
  const set = await fitted.transform(restrictToCells(data, ["s/B"]));
  assert.equal(set.steps, 3);
  assert.deepEqual(Array.from(set.t), [0, 0.75, 1.5]);
  assert.deepEqual(set.meta.extra?.time_unit, ["charge_throughput_Ah"]);
});

Deno.test("latent_ode_seq: default conditions are 1000/T, the Arrhenius factor and throughput per day so far", async () => {
  const data = summaryDataset();
  const fitted = await (await pipeline({ standardize: false })).fit(restrictToCells(data, ALL));
  const set = await fitted.transform(restrictToCells(data, ["s/A"]));
  assert.deepEqual(set.featureNames, [
    "time",
    "inv_temperature_1000_per_K",
    "arrhenius",
    "r_rel",
    "throughput_per_day",
  ]);
  const F = 5, x = (s: number, f: number) => set.x[s * F + f];
  assert.ok(Math.abs(x(0, 1) - 1000 / 283.15) < 1e-4, `${x(0, 1)}`);
  const arrhenius = Math.exp(-50_000 / (8.314462618 * 283.15));
  assert.ok(Math.abs(x(0, 2) / arrhenius - 1) < 1e-3, `${x(0, 2)} vs ${arrhenius}`);
  // The fixture cycles 750 Ah per 14 days; nothing is known at the first RPT (no later value borrowed).
  assert.deepEqual([0, 1, 2, 3, 4].map((s) => Math.round(x(s, 4) * 1e4) / 1e4), [
    0,
    53.5714,
    53.5714,
    53.5714,
    53.5714,
  ]);
});
