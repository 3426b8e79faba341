import assert from "node:assert/strict";
import { join } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { LeakageError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment, type RunStep } from "../../core/run.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { TINY_CELLS, tinySoh } from "../fixtures/plugins/tiny_dataset.ts";
import { runInProcess } from "../../core/loader.ts";

// The tracker fixtures record into this process's memory: they run in-process (tests/sandbox/ covers sandboxes).
runInProcess(
  new URL("../fixtures/plugins/broken_tracker.ts", import.meta.url).href,
  new URL("../fixtures/plugins/minimal_tracker.ts", import.meta.url).href,
);

Deno.test("the runner keeps the lifecycle order, predicts the training mean with dummy, and writes the run", async () => {
  const configDir = await makeConfigDir();
  const composed = await composeConfig({ configDir, overrides: ["tracking=local_fast"] });
  const steps: RunStep[] = [];
  const summary = await runExperiment({
    composed,
    log: createRecordingLogger(),
    onStep: (s) => steps.push(s),
  });
  assert.equal(summary.status, "FINISHED");
  assert.deepEqual(
    steps.map((s) => s.step),
    ["load", "split", "pipeline", "samples", "train", "refit", "predict", "report"],
  );
  // Refit on train ∪ val = the 10 and 40 °C cells: the dummy predicts their mean SOH over 5 RPTs.
  const trainCells = TINY_CELLS.filter(([, c]) => c !== 25);
  const sohs = trainCells.flatMap(([, , rate]) => [0, 1, 2, 3, 4].map((r) => tinySoh(rate, r)));
  const mean = sohs.reduce((a, b) => a + b, 0) / sohs.length;
  const test = TINY_CELLS.filter(([, c]) => c === 25).flatMap(([, , rate]) =>
    [0, 1, 2, 3, 4].map((r) => tinySoh(rate, r))
  );
  const rmse = Math.sqrt(
    test.reduce((a, y) => a + (Math.fround(mean) - Math.fround(y)) ** 2, 0) / test.length,
  );
  assert.ok(
    Math.abs(summary.report.soh.overall.rmse - rmse) < 1e-7,
    `${summary.report.soh.overall.rmse} vs ${rmse}`,
  );
  assert.deepEqual(Object.keys(summary.report.soh.perCell), ["t/C", "t/D"]);
  assert.deepEqual(Object.keys(summary.report.soh.perTemperature), ["25degC"]);

  const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
  assert.equal(manifest.configHash, composed.hash);
  assert.equal(manifest.status, "FINISHED");
  assert.equal(manifest.seed, 7);
  assert.deepEqual(manifest.plugins.map((p: { role: string }) => p.role), [
    "data",
    "split",
    "pipeline",
    "model",
    "tracking.0",
  ]);
  assert.deepEqual(manifest.inputs, { "tiny://cells": "0".repeat(64) });
  const csv = (await Deno.readTextFile(join(summary.runDir, "predictions.csv"))).trim().split("\n");
  assert.equal(csv[0], "fold,cellKey,chamberC,rpt,t,target,y_true,y_pred");
  assert.equal(csv.length, 1 + test.length);
  const modelState = JSON.parse(
    await Deno.readTextFile(join(summary.runDir, "folds", "holdout", "model", "state.json")),
  );
  assert.deepEqual(
    [modelState.kind, modelState.plugin],
    ["model", "dummy"],
    "the core wrote the model's state",
  );
  const metrics = JSON.parse(await Deno.readTextFile(join(summary.runDir, "metrics.json")));
  assert.equal(metrics.at(-1).values["test/soh/rmse"], summary.report.soh.overall.rmse);
});

Deno.test("a pipeline reading a test cell fails with LeakageError and the manifest records FAILED", async () => {
  const configDir = await makeConfigDir();
  const composed = await composeConfig({ configDir, overrides: ["+pipeline.peek=t/C"] });
  const err = await runExperiment({ composed, log: createRecordingLogger() }).then(() => undefined, (e) => e);
  assert.ok(err instanceof LeakageError, String(err));
  assert.match(err.message, /'t\/C' is outside this view/);
  const runs = await Array.fromAsync(Deno.readDir(join(composed.config.output.dir, "runs")));
  const manifest = JSON.parse(
    await Deno.readTextFile(join(composed.config.output.dir, "runs", runs[0].name, "manifest.json")),
  );
  assert.equal(manifest.status, "FAILED");
});

Deno.test("a failing tracker warns once and the run still finishes", async () => {
  const configDir = await makeConfigDir({
    "tracking/broken.yaml": `use: ${
      new URL("../fixtures/plugins/broken_tracker.ts", import.meta.url).href
    }\n`,
  });
  const composed = await composeConfig({ configDir, overrides: ["tracking=[broken, local]"] });
  const log = createRecordingLogger();
  const summary = await runExperiment({ composed, log });
  assert.equal(summary.status, "FINISHED");
  assert.equal(log.lines.filter((l) => l.includes("tracker 'broken' failed")).length, 1);
  assert.ok(await Deno.stat(join(summary.runDir, "metrics.json")));
});

Deno.test("a tracker with only start, metrics and end records a whole run; nothing fails or warns", async () => {
  const fixture = new URL("../fixtures/plugins/minimal_tracker.ts", import.meta.url).href;
  const { MINIMAL_CALLS } = await import(fixture);
  MINIMAL_CALLS.length = 0;
  const configDir = await makeConfigDir({ "tracking/minimal.yaml": `use: ${fixture}\n` });
  const composed = await composeConfig({ configDir, overrides: ["tracking=[minimal]"] });
  const log = createRecordingLogger();
  const summary = await runExperiment({ composed, log });
  assert.equal(summary.status, "FINISHED");
  assert.deepEqual(log.lines.filter((l) => l.includes("tracker")), [], "no tracker warning");
  assert.equal(MINIMAL_CALLS[0], "start");
  assert.equal(MINIMAL_CALLS.at(-1), "end");
  assert.ok(MINIMAL_CALLS.includes("metrics"), MINIMAL_CALLS.join());
  const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
  assert.deepEqual(manifest.trackerFailures, {});
});

Deno.test("without validation cells the model is fitted once, on the training cells", async () => {
  const configDir = await makeConfigDir();
  const composed = await composeConfig({ configDir, overrides: ["evaluation.val_per_temperature=0"] });
  const steps: string[] = [];
  const summary = await runExperiment({
    composed,
    log: createRecordingLogger(),
    onStep: (s) => steps.push(s.step),
  });
  assert.deepEqual(steps, ["load", "split", "samples", "refit", "predict", "report"]);
  assert.equal(summary.folds[0].val.length, 0);
});

Deno.test("a combination that cannot work is refused before any data is read", async () => {
  const configDir = await makeConfigDir();
  const loss = await composeConfig({ configDir, overrides: ["loss=mse"] });
  await assert.rejects(
    runExperiment({ composed: loss, log: createRecordingLogger() }),
    /loss.*'dummy' takes no loss/,
  );
  const layout = await composeConfig({ configDir, overrides: ["model=lstm_attn"] });
  await assert.rejects(
    runExperiment({ composed: layout, log: createRecordingLogger() }),
    /'lstm_attn' accepts sequence samples, pipeline 'tiny_pipeline' produces tabular/,
  );
  // Refused before the run folder exists: nothing was half-written.
  assert.equal(await Deno.stat(join(loss.config.output.dir, "runs")).then(() => true, () => false), false);
});

Deno.test("each fit of a run checkpoints into its own folder, and re-running resumes to the same predictions", async () => {
  const configDir = await makeConfigDir({ "model/mlp.yaml": "use: mlp\nhidden: [4]\n" });
  const ckpt = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
  const overrides = [
    "model=mlp",
    `+model.checkpoint_dir=${ckpt}`,
    "training.epochs=4",
    "training.backend=wasm",
  ];
  const first = await runExperiment({
    composed: await composeConfig({ configDir, overrides }),
    log: createRecordingLogger(),
  });
  const folders = (await Array.fromAsync(Deno.readDir(join(ckpt, "holdout")))).map((e) => e.name).sort();
  assert.deepEqual(folders, ["inner", "refit"]);
  const again = await runExperiment({
    composed: await composeConfig({ configDir, overrides }),
    log: createRecordingLogger(),
  });
  assert.equal(again.report.soh.overall.rmse, first.report.soh.overall.rmse);
});

Deno.test("evaluation.refit=false predicts with the inner fit: the dummy's mean excludes the validation cell", async () => {
  const configDir = await makeConfigDir();
  const composed = await composeConfig({ configDir, overrides: ["evaluation.refit=false"] });
  const steps: string[] = [];
  const summary = await runExperiment({
    composed,
    log: createRecordingLogger(),
    onStep: (s) => steps.push(s.step),
  });
  assert.deepEqual(steps, ["load", "split", "pipeline", "samples", "train", "predict", "report"]);
  // The core validated on one training cell per temperature: the inner fit saw only the other two.
  const { train, val } = summary.folds[0];
  assert.equal(val.length, 2);
  const inner = TINY_CELLS.filter(([k]) => train.includes(k));
  assert.equal(inner.length, 2);
  const sohs = inner.flatMap(([, , rate]) => [0, 1, 2, 3, 4].map((r) => tinySoh(rate, r)));
  const mean = Math.fround(sohs.reduce((a, b) => a + b, 0) / sohs.length);
  const csv = (await Deno.readTextFile(join(summary.runDir, "predictions.csv"))).trim().split("\n").slice(1);
  for (const line of csv) assert.ok(Math.abs(Number(line.split(",")[7]) - mean) < 1e-7, line);
});
