/**
 * `health_indicators` against values computed by hand from the real Expt 1 Performance Summary text (parsed
 * here independently of the dataset plugin) and, for the partial-window charge, from the synthetic 0.1C
 * curves' own samples.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createLogger } from "../../../core/log.ts";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { createRng } from "../../../core/rng.ts";
import { restrictToCells } from "../../../core/view.ts";
import { IN_CI, REAL_DATA } from "../../fixtures/env.ts";
import { runContract } from "../../../testing/mod.ts";

const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
const SUMMARY = join(REAL_DATA, "Expt 1 - Si-based Degradation/Summary Data/Performance Summary");
const hasReal = await Deno.stat(SUMMARY).then(() => true, () => false);

async function pipeline(options: Record<string, unknown> = {}) {
  return await createPlugin(await loadPlugin("health_indicators", "pipeline"), options, ctx, "pipeline");
}

Deno.test("health_indicators passes the pipeline contract suite", async () => {
  const results = await runContract(await loadPlugin("health_indicators", "pipeline"));
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
});

/** Column `name` of cell A's Performance Summary as numbers (empty → NaN), straight from the CSV text. */
async function cellAColumn(name: string): Promise<number[]> {
  const text = await Deno.readTextFile(join(SUMMARY, "Expt 1 - cell A (10degC) - Processed Data.csv"));
  const [head, ...lines] = text.trim().split("\n");
  const j = head.split(",").indexOf(name);
  assert.ok(j >= 0, `no column ${name}`);
  return lines.map((l) => (l.split(",")[j] === "" ? NaN : Number(l.split(",")[j])));
}

Deno.test({
  name: "real Expt 1 cell A: throughputs, carried-forward mean resistance and mean-voltage shift by hand",
  ignore: !hasReal && !IN_CI,
  async fn() {
    const data = await createPlugin(
      await loadPlugin("m50t", "dataset"),
      { root: REAL_DATA, experiment: "1" },
      ctx,
      "data",
    );
    const p = await pipeline({
      features: [
        "charge_throughput_Ah",
        "energy_throughput_Wh",
        "r_mean_ohm",
        "r_mean_rel",
        "mean_voltage_shift_V",
      ],
    });
    const view = restrictToCells(data, ["1/A"]);
    const set = await (await p.fit(view)).transform(view);
    const q = await cellAColumn("Charge Throughput [A h]"), e = await cellAColumn("Energy Throughput [W h]");
    const r = await cellAColumn("Mean_R (Ohms)");
    assert.equal(set.n, q.length);
    const F = set.featureNames.length;
    const f = (i: number, k: number) => set.x[i * F + k];
    const v1 = e[1] / q[1];
    for (let i = 0; i < set.n; i++) {
      const rMeasured = r[i % 2 === 0 ? i : i - 1]; // odd RPTs carry the even one before them forward
      const shift = i === 0 ? 0 : (e[i] - e[i - 1]) / (q[i] - q[i - 1]) - v1;
      assert.equal(set.meta.rpt[i], i);
      assert.equal(f(i, 0), Math.fround(q[i]));
      assert.equal(f(i, 1), Math.fround(e[i]));
      assert.equal(f(i, 2), Math.fround(rMeasured));
      assert.ok(Math.abs(f(i, 3) - rMeasured / r[0]) < 1e-6, `r_mean_rel at RPT ${i}`);
      assert.ok(Math.abs(f(i, 4) - shift) < 1e-6, `mean_voltage_shift_V at RPT ${i}: ${f(i, 4)} vs ${shift}`);
    }
    // The shift of the last set is large (the cell's knee): 3.685 − 3.372 V.
    assert.ok(f(set.n - 1, 4) > 0.3);
  },
});

Deno.test("window_charge_Ah is the charge between 3.6 and 3.9 V of each RPT's own 0.1C discharge curve", async () => {
  const data = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    {
      experiment: "5",
      synthetic: { seed: 42, curves: true },
    },
    ctx,
    "data",
  );
  const cellKey = (await data.cells())[0].cellKey;
  const view = restrictToCells(data, [cellKey]);
  const p = await pipeline({ features: ["window_charge_Ah", "days"] });
  const set = await (await p.fit(view)).transform(view);
  const curves = await data.curves(cellKey, { kind: "0.1C", direction: "discharge" });
  assert.ok(curves.length >= 2);
  for (const curve of curves) {
    const i = Array.from(set.meta.rpt).indexOf(curve.rpt);
    // Brute force: every sample pair around a crossing of 3.9 V / 3.6 V bounds the charge there.
    const bounds = (level: number) => {
      const qs: number[] = [];
      for (let k = 1; k < curve.voltage_V.length; k++) {
        const a = curve.voltage_V[k - 1] - level, b = curve.voltage_V[k] - level;
        if (a * b < 0) qs.push(curve.charge_Ah[k - 1], curve.charge_Ah[k]);
      }
      return [Math.min(...qs), Math.max(...qs)];
    };
    const [hiMin, hiMax] = bounds(3.9), [loMin, loMax] = bounds(3.6);
    const got = set.x[i * 2];
    assert.ok(got >= loMin - hiMax - 1e-6 && got <= loMax - hiMin + 1e-6, `RPT ${curve.rpt}: ${got}`);
    assert.ok(loMax - hiMin - (loMin - hiMax) < 0.01 * got, "the crossings spread over < 1 % of the window");
  }
  // Capacity fades, so does the window's charge between the first and the last RPT.
  assert.ok(set.x[(set.n - 1) * 2] < set.x[0]);
});

Deno.test("window_charge_Ah on a dataset without curves is a DataError naming the indicator", async () => {
  const data = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    { experiment: "1", synthetic: { seed: 0, curves: false } },
    ctx,
    "data",
  );
  const view = restrictToCells(data, [(await data.cells())[0].cellKey]);
  const p = await pipeline({ features: ["window_charge_Ah"] });
  await assert.rejects(() => p.fit(view), /window_charge_Ah needs 0\.1C discharge curves/);
});

Deno.test("a missing canonical column is a DataError naming it", async () => {
  const data = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    { experiment: "1", synthetic: { seed: 0, curves: false } },
    ctx,
    "data",
  );
  const view = restrictToCells(data, [(await data.cells())[0].cellKey]);
  // The synthetic Performance Summary has no Mean_R column.
  await assert.rejects(
    () => pipeline({ features: ["r_mean_ohm"] }).then((p) => p.fit(view)),
    /r_mean_ohm|is missing/,
  );
});
