/**
 * The runner and neural training (issue "Trustworthy runs" items 1 and 8): the configured loss reaches
 * every fit, a loss that needs a time axis is refused on tabular samples before any data is read, and
 * the refit runs exactly the optimizer steps validated by the inner fit, recorded in the manifest.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment } from "../../core/run.ts";
import { runInProcess } from "../../core/loader.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { recorded } from "../fixtures/plugins/recording_loss.ts";

const RECORDING_LOSS = resolve(import.meta.dirname!, "../fixtures/plugins/recording_loss.ts");
// A loss computes on tfjs tensors inside the training step and this one records into our memory: in-process.
runInProcess(RECORDING_LOSS);
const MLP = { "model/mlp.yaml": "use: mlp\nhidden: [4]\n" };

function resetRecording(): void {
  recorded.creates = 0;
  recorded.computes = 0;
  recorded.callers.clear();
}

Deno.test("the configured loss reaches the inner fit and the refit, one instance per run", async () => {
  const configDir = await makeConfigDir(MLP);
  resetRecording();
  const summary = await runExperiment({
    composed: await composeConfig({
      configDir,
      overrides: ["model=mlp", `loss=${RECORDING_LOSS}`, "training.epochs=2", "training.backend=wasm"],
    }),
    log: createRecordingLogger(),
  });
  assert.equal(summary.status, "FINISHED");
  assert.ok(recorded.computes > 0, "the loss plugin was never called: the model trained with its default");
  // Inner fit and refit share the run's one instance (a second one is only created to check the config).
  assert.equal(recorded.callers.size, 1);
});

Deno.test("physics_informed with a tabular pipeline is a ConfigError before any data is read", async () => {
  const configDir = await makeConfigDir(MLP);
  const composed = await composeConfig({ configDir, overrides: ["model=mlp", "loss=physics_informed"] });
  const err = await runExperiment({ composed, log: createRecordingLogger() }).then(
    () => assert.fail("the run was not refused"),
    (e) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  assert.equal(err.keyPath, "loss");
  assert.match(err.message, /'physics_informed' needs sequence samples.*'tiny_pipeline' produces tabular/);
  assert.equal(
    await Deno.stat(join(composed.config.output.dir, "runs")).then(() => true, () => false),
    false,
  );
});

Deno.test("the refit runs the inner fit's optimizer steps (not its epochs) and the manifest says so", async () => {
  // Inner fit: 2 training cells (the core validates on one per temperature) × 5 RPTs = 10 samples, batch 4
  // → 3 batches per epoch; 5 epochs without early stopping (patience 0) plus one validation loss per epoch
  // = 5·3 + 5 loss calls. Refit on 4 cells: 20 samples → 5 batches per epoch; it must run 3·b steps for the
  // best epoch b (not b epochs = 5·b).
  const configDir = await makeConfigDir(MLP);
  resetRecording();
  const summary = await runExperiment({
    composed: await composeConfig({
      configDir,
      overrides: [
        "model=mlp",
        `loss=${RECORDING_LOSS}`,
        "training.epochs=5",
        "training.batch_size=4",
        "training.patience=0",
        "training.backend=wasm",
        "tracking=local_fast",
      ],
    }),
    log: createRecordingLogger(),
  });
  const fold = summary.folds[0];
  const b = fold.bestIteration!;
  assert.ok(Number.isInteger(b) && b >= 1 && b <= 5, `bestIteration ${b}`);
  assert.equal(fold.train.length, 2);
  assert.equal(recorded.computes, 5 * 3 + 5 + 3 * b);
  assert.deepEqual(
    { ...fold.refit, reason: undefined },
    {
      bestIteration: b,
      optimizerSteps: 3 * b,
      innerBatchesPerEpoch: 3,
      refitBatchesPerEpoch: 5,
      refitEpochs: Math.ceil((3 * b) / 5),
      reason: undefined,
    },
  );
  assert.match(fold.refit!.reason, new RegExp(`validated ${3 * b} optimizer steps`));
  const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
  assert.deepEqual(manifest.folds[0].refit, fold.refit);
  // The tracker saw one refit epoch per started epoch, the last one partial when 5 does not divide 3·b.
  const steps = await Deno.readTextFile(join(summary.runDir, "step_metrics.csv"));
  const refitEpochs = steps.split("\n").filter((l) => l.includes("holdout/refit/train_loss")).length;
  assert.equal(refitEpochs, Math.ceil((3 * b) / 5));
});
