/**
 * `model.missing` of the linear model as a user meets it: the ICA peaks named by transition have gaps (a
 * peak not found at some RPTs), so `model=linear` on them stops with an error that names the way out, and
 * `model.missing=impute` runs — its RMSE recomputed from predictions.csv equals the reported one and beats
 * the dummy model's on the same cells.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

const ICA_RUN = ["run", "data=synthetic_curves", "pipeline=ica_peaks", "--quiet"];

/** RMSE of the soh rows of a run's predictions.csv. */
async function rmseOf(runDir: string): Promise<number> {
  const [header, ...rows] = (await Deno.readTextFile(join(runDir, "predictions.csv"))).trim().split("\n");
  const col = header.split(",");
  const [t, yt, yp] = ["target", "y_true", "y_pred"].map((c) => col.indexOf(c));
  const errors = rows.map((r) => r.split(",")).filter((r) => r[t] === "soh").map((r) => +r[yp] - +r[yt]);
  assert.ok(errors.length > 10, "soh predictions were written");
  return Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
}

Deno.test("model=linear on gapped ICA features: refused naming model.missing=impute; with it, a real fit", async () => {
  const out = await projectOutputDir();
  try {
    const refused = await batteryml([...ICA_RUN, "model=linear", `output.dir=${out.rel}`]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /feature '\w+' is missing \(NaN\).*model\.missing=impute/);

    const fitted = await batteryml([
      ...ICA_RUN,
      "model=linear",
      "model.missing=impute",
      "--json",
      `output.dir=${out.rel}`,
    ]);
    assert.equal(fitted.code, 0, fitted.stderr);
    const { runDir } = JSON.parse(fitted.stdout) as { runDir: string };
    const reported =
      JSON.parse(await Deno.readTextFile(join(runDir, "metrics.json")))[0].values["test/soh/rmse"];
    const rmse = await rmseOf(runDir);
    assert.ok(Math.abs(rmse - reported) < 1e-6, `recomputed ${rmse} vs reported ${reported}`);

    const dummy = await batteryml([...ICA_RUN, "model=dummy", "--json", `output.dir=${out.rel}`]);
    assert.equal(dummy.code, 0, dummy.stderr);
    const dummyRmse = await rmseOf((JSON.parse(dummy.stdout) as { runDir: string }).runDir);
    assert.ok(rmse < dummyRmse / 5, `linear ${rmse} against dummy ${dummyRmse}`);
  } finally {
    await out.dispose();
  }
});
