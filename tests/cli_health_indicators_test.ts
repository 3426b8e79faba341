/**
 * `pipeline=health_indicators` end to end as a user runs it (`deno task batteryml run …` under the task's
 * flags): on real Expt 1 the default indicators reach the estimation goal (SOH RMSE ≤ 0.020, temperature
 * holdout, linear) and leaving out the mean-voltage shift changes the result; on the synthetic Expt 5 with
 * curves, adding the partial-window charge changes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";
import { IN_CI, REAL_DATA } from "./fixtures/env.ts";

const hasReal = await Deno.stat(join(REAL_DATA, "Expt 1 - Si-based Degradation")).then(
  () => true,
  () => false,
);

async function run(outDir: string, args: string[]) {
  const r = await batteryml(["run", ...args, "--json", "--quiet", `output.dir=${outDir}`]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { report: Record<string, { overall: { rmse: number; n: number } }> };
}

Deno.test({
  name:
    "run pipeline=health_indicators on real Expt 1: SOH RMSE ≤ 0.020; without the mean-voltage shift it is worse",
  ignore: !hasReal && !IN_CI,
  async fn() {
    const out = await projectOutputDir();
    try {
      const common = [
        "data=m50t_real",
        `data.root=${REAL_DATA}`,
        "split=temperature_holdout",
        "pipeline=health_indicators",
        "model=linear",
      ];
      const all = await run(out.rel, common);
      const without = await run(out.rel, [
        ...common,
        "pipeline.features=[charge_throughput_Ah, energy_throughput_Wh, r_0p1s_ohm, r_rel, chamber_temperature_K, arrhenius, inv_temperature_1000_per_K, days]",
      ]);
      assert.equal(all.report.soh.overall.n, 44); // every RPT of the three 25 °C cells
      assert.ok(all.report.soh.overall.rmse <= 0.020, `RMSE ${all.report.soh.overall.rmse}`);
      assert.ok(without.report.soh.overall.rmse > all.report.soh.overall.rmse);
    } finally {
      await out.dispose();
    }
  },
});

Deno.test("run pipeline=health_indicators on synthetic curves: adding window_charge_Ah changes the result", async () => {
  const out = await projectOutputDir();
  try {
    const common = [
      "data=synthetic_curves",
      "split=temperature_holdout",
      "pipeline=health_indicators",
      "model=linear",
    ];
    const plain = await run(out.rel, [...common, "pipeline.features=[charge_throughput_Ah, r_rel, days]"]);
    const withWindow = await run(out.rel, [
      ...common,
      "pipeline.features=[charge_throughput_Ah, r_rel, days, window_charge_Ah]",
    ]);
    assert.ok(Number.isFinite(withWindow.report.soh.overall.rmse));
    assert.notEqual(withWindow.report.soh.overall.rmse, plain.report.soh.overall.rmse);
  } finally {
    await out.dispose();
  }
});
