/**
 * openRun reopens a finished run: its manifest and folds, and per fold the restored pipeline and model.
 * Known answer: the run's own predictions.csv — predicting its test cells again through the reopened fold
 * must give the same rows to the last digit (same cells, steps and values, written the same way), for a
 * tree model, a linear model over many folds and a sequence forecast (observed prefix stamped on reload).
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { openRun } from "../../core/open_run.ts";
import { predictionsCsv } from "../../core/report.ts";
import { runExperiment } from "../../core/run.ts";

const CONFIGS = resolve(import.meta.dirname!, "../../configs");

/** The reopened run's rows for exactly the (fold, cell, RPT, target) keys the run scored, in its order. */
async function repredicted(runId: string, outputDir: string, scoredCsv: string): Promise<string> {
  const run = await openRun(runId, { outputDir, log: createRecordingLogger() });
  const rows = [];
  for (const { name } of run.folds) {
    const fold = await run.fold(name);
    rows.push(...(await fold.predict(await fold.samples())).rows);
  }
  const byKey = new Map(rows.map((r) => [`${r.fold}|${r.cellKey}|${r.rpt}|${r.target}`, r]));
  const keys = scoredCsv.trim().split("\n").slice(1).map((line) => {
    const [fold, cellKey, , rpt, , target] = line.split(",");
    return `${fold}|${cellKey}|${rpt}|${target}`;
  });
  return predictionsCsv(keys.map((k) => {
    const row = byKey.get(k);
    assert.ok(row, `the reopened run did not predict ${k}`);
    return row;
  }));
}

for (
  const [what, overrides] of [
    ["lgbm, temperature holdout", ["model=lgbm", "model.num_iterations=30"]],
    ["linear, leave one cell out", ["model=linear", "split=loco"]],
    // A forecast: the reopened test set must carry the same observed prefix the run stamped on it.
    ["lstm_attn forecasting from 4 RPTs", [
      "model=lstm_attn",
      "pipeline=latent_ode_seq",
      "evaluation.observe={rpts: 4}",
      "training.epochs=3",
      "model.prefix_draws=2",
    ]],
  ] as const
) {
  Deno.test(`openRun (${what}): predicting the test cells again reproduces predictions.csv exactly`, async () => {
    const out = await Deno.makeTempDir({ prefix: "open_run_" });
    try {
      const composed = await composeConfig({
        configDir: CONFIGS,
        overrides: ["tracking=[]", `output.dir=${out}`, ...overrides],
      });
      const summary = await runExperiment({ composed, log: createRecordingLogger() });
      const run = await openRun(summary.runId, { outputDir: out, log: createRecordingLogger() });
      assert.equal(run.manifest.status, "FINISHED");
      assert.equal(run.manifest.configHash, summary.configHash);
      assert.deepEqual(run.folds.map((f) => f.name), summary.folds.map((f) => f.name));
      const scored = await Deno.readTextFile(join(summary.runDir, "predictions.csv"));
      assert.ok(scored.split("\n").length > 10, "the run scored rows");
      assert.equal(await repredicted(summary.runId, out, scored), scored);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
}

Deno.test("openRun: an unknown run or fold, or a run that did not finish, is a ConfigError naming it", async () => {
  const out = await Deno.makeTempDir({ prefix: "open_run_" });
  try {
    await assert.rejects(
      openRun("no-such-run", { outputDir: out, log: createRecordingLogger() }),
      (e) =>
        e instanceof ConfigError && e.message.includes(join(out, "runs", "no-such-run", "manifest.json")),
    );
    const composed = await composeConfig({
      configDir: CONFIGS,
      overrides: ["tracking=[]", `output.dir=${out}`, "model=dummy"],
    });
    const summary = await runExperiment({ composed, log: createRecordingLogger() });
    const run = await openRun(summary.runId, { outputDir: out, log: createRecordingLogger() });
    const manifestFile = join(summary.runDir, "manifest.json");
    const finished = await Deno.readTextFile(manifestFile);
    await Deno.writeTextFile(manifestFile, finished.replace('"status": "FINISHED"', '"status": "FAILED"'));
    await assert.rejects(
      openRun(summary.runId, { outputDir: out, log: createRecordingLogger() }),
      (e) => e instanceof ConfigError && /is FAILED, not FINISHED/.test(e.message),
    );
    await assert.rejects(
      run.fold("nope"),
      (e) =>
        e instanceof ConfigError && /has no fold 'nope' \(its folds: train_10_40C_test_25C\)/.test(e.message),
    );
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
