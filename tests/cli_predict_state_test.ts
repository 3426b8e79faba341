/**
 * A run's fitted pipeline and model are states the core wrote (`folds/<fold>/pipeline|model/state.json`
 * + `state.bin`, no plugin files), `predict --run` restores them as a user runs it, and a run folder made
 * before states existed (plugin-written JSON files) is one `error:` line saying to rerun — no stack trace.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { realRoot } from "./fixtures/real_copy.ts";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

Deno.test("run writes stamped states; predict restores them; a run of an older BatteryML says rerun", async () => {
  const out = await projectOutputDir();
  try {
    const runOut = join(out.rel, "out");
    const run = await batteryml([
      "run",
      "--json",
      "data=m50t_real",
      `data.root=${realRoot()}`,
      "model=linear",
      "tracking=null",
      `output.dir=${runOut}`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    const folds = join(out.abs, "out", "runs", summary.runId, "folds");
    const [fold] = [...Deno.readDirSync(folds)].map((e) => e.name);
    for (const part of ["pipeline", "model"]) {
      const files = [...Deno.readDirSync(join(folds, fold, part))].map((e) => e.name).sort();
      assert.deepEqual(files, ["state.bin", "state.json"], `${part}: only the core's state files`);
    }
    const stamp = JSON.parse(Deno.readTextFileSync(join(folds, fold, "model", "state.json")));
    assert.deepEqual([stamp.kind, stamp.plugin, stamp.format], ["model", "linear", 1]);

    const predict = () =>
      batteryml(["predict", "--run", summary.runId, "--output-dir", runOut, "--cells", "1/D", "--json"]);
    const restored = await predict();
    assert.equal(restored.code, 0, restored.stderr);
    // The restored pipeline and model give the run's own test predictions for 1/D, digit for digit.
    const predictions = Deno.readTextFileSync(join(out.abs, "out", "runs", summary.runId, "predictions.csv"));
    const yPredCol = predictions.split("\n")[0].split(",").indexOf("y_pred");
    const runRows = predictions.trim().split("\n").slice(1).map((l) => l.split(","))
      .filter((c) => c.includes("1/D")).map((c) => Number(c[yPredCol]));
    const predicted = (JSON.parse(restored.stdout).predictions as { yPred: number }[]).map((p) => p.yPred);
    assert.equal(runRows.length, 14, "the run scored 14 RPTs of cell 1/D");
    assert.deepEqual(
      predicted.map((v) => Number(v.toPrecision(12))),
      runRows.map((v) => Number(v.toPrecision(12))),
    );

    // What an older BatteryML left in the fold: each plugin's own JSON file.
    for (const part of ["pipeline", "model"]) {
      for (const f of ["state.json", "state.bin"]) Deno.removeSync(join(folds, fold, part, f));
    }
    Deno.writeTextFileSync(join(folds, fold, "pipeline", "summary_set.json"), '{"mean":[],"std":[]}\n');
    Deno.writeTextFileSync(join(folds, fold, "model", "linear.json"), '{"coef":[[1]]}\n');
    const old = await predict();
    assert.equal(old.code, 1, old.stdout);
    const errors = old.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(errors.length, 1, old.stderr);
    assert.match(errors[0], /made by an older BatteryML .*rerun the experiment/);
    assert.ok(errors[0].includes(join(fold, "pipeline", "state.json")), errors[0]);
    assert.ok(!/\n\s+at /.test(old.stderr), `no stack trace: ${old.stderr}`);
  } finally {
    await out.dispose();
  }
});
