/**
 * ICA features named by electrode transition, end to end as a user runs them (`deno task batteryml run …`
 * under the task's flags) on the synthetic Expt 5 with 0.1C curves: transition naming (the default) and
 * `pipeline.peak_naming=rank` give different results, and `pipeline.ica_features` merges per-RPT ICA
 * features into latent_ode_seq's sequences and changes a forecaster's result.
 */
import assert from "node:assert/strict";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

async function run(outDir: string, args: string[]) {
  const r = await batteryml([
    "run",
    "data=synthetic_curves",
    ...args,
    "--json",
    "--quiet",
    `output.dir=${outDir}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { report: Record<string, { overall: { rmse: number } }>; runDir: string };
}

Deno.test("run pipeline=ica_peaks: transition naming is the default and gives another result than peak_naming=rank", async () => {
  const out = await projectOutputDir();
  try {
    const rank = await run(out.rel, ["pipeline=ica_peaks", "model=lgbm", "pipeline.peak_naming=rank"]);
    const named = await run(out.rel, ["pipeline=ica_peaks", "model=lgbm"]);
    assert.ok(Number.isFinite(named.report.soh.overall.rmse));
    assert.notEqual(named.report.soh.overall.rmse, rank.report.soh.overall.rmse);
    const manifest = JSON.parse(await Deno.readTextFile(`${named.runDir}/manifest.json`));
    assert.equal(manifest.config.pipeline.peak_naming, "transition");
  } finally {
    await out.dispose();
  }
});

Deno.test("run pipeline=degradation_modes with pipeline.ica_features merges ICA per RPT and changes the forecast", async () => {
  const out = await projectOutputDir();
  try {
    const common = [
      "pipeline=degradation_modes",
      "model=cnn_lstm",
      "evaluation.observe={rpts: 3}",
      "training.epochs=2",
    ];
    const plain = await run(out.rel, common);
    const withIca = await run(out.rel, [...common, "pipeline.ica_features=[total_area_Ah, ne4_voltage_V]"]);
    assert.deepEqual(Object.keys(withIca.report).sort(), ["lam_ne", "lam_pe", "lli", "soh"]);
    assert.notEqual(withIca.report.soh.overall.rmse, plain.report.soh.overall.rmse);
  } finally {
    await out.dispose();
  }
});
