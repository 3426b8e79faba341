/**
 * What the trainer reports to its progress sink: optimizer steps (batches) of the planned total, the
 * epoch under way and the last epoch's losses, and a final line that says when training stopped early.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "./wasm_backend.ts";
import { trainModel } from "../../../lib/train/trainer.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { progressRecorder } from "../../fixtures/progress_recorder.ts";

await wasmReady;

/** A loss of exactly 0.5 on every batch (the parameter only puts it on the tape). */
function constantLoss(v: tf.Variable) {
  return () => tf.add(tf.mul(v, 0), 0.5) as tf.Scalar;
}

Deno.test("training reports every batch of epochs × ceil(n / batch) with the epoch and losses", async () => {
  const v = tf.variable(tf.scalar(0));
  const progress = progressRecorder();
  // 10 samples in batches of 4 → 3 batches per epoch; 2 epochs → 6 batches.
  await trainModel({
    params: [v],
    nTrain: 10,
    lossFn: constantLoss(v),
    settings: resolveTrainingSettings({ epochs: 2, batch_size: 4, schedule: "constant" }),
    seed: 1,
    progress,
    label: "mlp fold/inner",
  });
  assert.equal(progress.tasks.length, 1);
  const [task] = progress.tasks;
  assert.equal(task.label, "mlp fold/inner");
  assert.equal(task.total, 6);
  assert.deepEqual(task.options, { unit: "batches", initial: 0 });
  const first = "epoch 1/2", second = "epoch 2/2 · loss 0.5000";
  assert.deepEqual(task.updates, [
    { done: 1, status: first },
    { done: 2, status: first },
    { done: 3, status: first },
    { done: 3, status: "epoch 1/2 · loss 0.5000" },
    { done: 4, status: second },
    { done: 5, status: second },
    { done: 6, status: second },
    { done: 6, status: second },
  ]);
  assert.deepEqual(task.finished, [{ status: second }]);
  v.dispose();
});

Deno.test("early stopping finishes the line with 'stopped early'; a step budget is the total", async () => {
  const v = tf.variable(tf.scalar(0));
  const progress = progressRecorder();
  // Validation loss rises after epoch 1: with patience 2, training stops after epoch 3 of 10.
  let epoch = 0;
  await trainModel({
    params: [v],
    nTrain: 4,
    lossFn: constantLoss(v),
    valLoss: () => ++epoch,
    settings: resolveTrainingSettings({ epochs: 10, batch_size: 4, patience: 2, schedule: "constant" }),
    seed: 1,
    progress,
  });
  assert.equal(progress.tasks[0].label, "training");
  assert.equal(progress.tasks[0].total, 10);
  assert.deepEqual(progress.tasks[0].finished, [{
    status: "epoch 3/10 · loss 0.5000 val 3.000 · stopped early",
  }]);

  // The refit's budget of 4 steps with 3 batches per epoch: total 4, ends mid-epoch 2, not "early".
  await trainModel({
    params: [v],
    nTrain: 10,
    lossFn: constantLoss(v),
    settings: resolveTrainingSettings({ epochs: 50, batch_size: 4, schedule: "constant" }),
    maxSteps: 4,
    seed: 1,
    progress,
  });
  assert.equal(progress.tasks[1].total, 4);
  assert.deepEqual(progress.tasks[1].updates.at(-1), { done: 4, status: "epoch 2/2 · loss 0.5000" });
  assert.deepEqual(progress.tasks[1].finished, [{ status: "epoch 2/2 · loss 0.5000" }]);
  v.dispose();
});

Deno.test("a failing fit ends its progress line before the error propagates", async () => {
  const v = tf.variable(tf.scalar(0));
  const progress = progressRecorder();
  await assert.rejects(
    trainModel({
      params: [v],
      nTrain: 4,
      lossFn: () => tf.add(tf.mul(v, 0), NaN) as tf.Scalar,
      settings: resolveTrainingSettings({ epochs: 2, batch_size: 4 }),
      seed: 1,
      progress,
    }),
    /training loss is NaN/,
  );
  assert.deepEqual(progress.tasks[0].finished, [{ status: "failed" }]);
  v.dispose();
});
