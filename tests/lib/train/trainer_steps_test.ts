/**
 * The trainer's step budget (the refit repeats the inner fit's optimizer steps, possibly ending
 * mid-epoch) and its checkpoint fingerprint (everything that determines the fit; a mismatch names what
 * differs).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "./wasm_backend.ts";
import { CheckpointMismatchError, trainModel, type TrainOptions } from "../../../lib/train/trainer.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { TrainingInterrupted } from "../../../lib/train/_interrupt.ts";

await wasmReady;

/** A one-parameter problem that counts loss calls and records each batch. */
function countingProblem(nTrain: number, batchSize: number, epochs = 50) {
  const v = tf.variable(tf.scalar(1));
  const batches: number[][] = [];
  const opts: TrainOptions = {
    params: [v],
    nTrain,
    lossFn: (batch) => {
      batches.push(batch);
      return tf.tidy(() => tf.mul(tf.square(v), batch.length)) as tf.Scalar;
    },
    settings: resolveTrainingSettings({
      epochs,
      batch_size: batchSize,
      learning_rate: 0.01,
      schedule: "constant",
    }),
    seed: 9,
  };
  return { opts, batches, v };
}

Deno.test("maxSteps runs exactly that many optimizer steps, ending mid-epoch: 7 steps of 4-batch epochs", async () => {
  // nTrain 10, batch 3 → ceil(10/3) = 4 batches per epoch; 7 steps = one full epoch + 3 batches.
  const p = countingProblem(10, 3);
  const result = await trainModel({ ...p.opts, maxSteps: 7 });
  assert.equal(p.batches.length, 7);
  assert.equal(result.stepsRun, 7);
  assert.equal(result.batchesPerEpoch, 4);
  assert.equal(result.epochsRun, 2);
  assert.equal(result.history.train_loss.length, 2);
  // Epoch 1 covers all 10 samples; the partial epoch 2 covers the first 3 batches of its shuffle (9).
  assert.deepEqual(p.batches.slice(0, 4).flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(p.batches.slice(4).flat().length, 9);
  assert.equal(result.bestSteps, 7); // no validation: the last (partial) epoch is kept
});

Deno.test("bestSteps is the best epoch times the batches per epoch", async () => {
  const p = countingProblem(10, 3, 6);
  let epoch = 0;
  const result = await trainModel({ ...p.opts, valLoss: () => Math.abs(++epoch - 4) });
  assert.equal(result.bestEpoch, 4);
  assert.equal(result.bestSteps, 16);
  assert.equal(result.stepsRun, 24);
});

Deno.test("a step budget interrupted mid-epoch resumes from its checkpoint to the same steps and weights", async () => {
  const reference = countingProblem(10, 3);
  await trainModel({ ...reference.opts, maxSteps: 11 });
  const dir = await Deno.makeTempDir({ prefix: "batteryml-steps-" });
  try {
    const first = countingProblem(10, 3);
    const controller = new AbortController();
    const lossFn = first.opts.lossFn;
    await assert.rejects(
      trainModel({
        ...first.opts,
        maxSteps: 11,
        checkpoint: { dir, resume: true },
        signal: controller.signal,
        lossFn: (batch) => {
          if (first.batches.length === 5) controller.abort(); // epoch 2, batch 2
          return lossFn(batch);
        },
      }),
      TrainingInterrupted,
    );
    const second = countingProblem(10, 3);
    const resumed = await trainModel({ ...second.opts, maxSteps: 11, checkpoint: { dir, resume: true } });
    assert.equal(first.batches.length + second.batches.length, 11 + 0);
    assert.equal(resumed.stepsRun, 11);
    assert.deepEqual([...first.batches, ...second.batches], reference.batches);
    assert.equal(second.v.dataSync()[0], reference.v.dataSync()[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkpoint of another fit is refused, naming what differs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "batteryml-fingerprint-" });
  const identity = (train: string, loss: string) => ({
    model: { name: "m", options: { hidden: [4] } },
    loss: { name: loss, options: {} },
    data: { train, val: null },
    label: "fold/inner",
  });
  try {
    await trainModel({
      ...countingProblem(10, 3, 2).opts,
      checkpoint: { dir, resume: true, identity: identity("a".repeat(64), "mse") },
    });
    const err = await trainModel({
      ...countingProblem(10, 3, 2).opts,
      settings: resolveTrainingSettings({
        epochs: 2,
        batch_size: 3,
        learning_rate: 0.02,
        schedule: "constant",
      }),
      checkpoint: { dir, resume: true, identity: identity("b".repeat(64), "mae") },
    }).then(() => null, (e) => e);
    assert.ok(err instanceof CheckpointMismatchError);
    assert.match(err.message, new RegExp(`checkpoint in ${dir} belongs to another fit`));
    assert.match(
      err.message,
      /training data \(sha256\) 'data\.train' differs \(checkpoint aaaaaaaaaaaa…, this fit bbbbbbbbbbbb…\)/,
    );
    assert.match(err.message, /loss 'loss\.name' differs \(checkpoint "mse", this fit "mae"\)/);
    assert.match(
      err.message,
      /training setting 'settings\.learning_rate' differs \(checkpoint 0\.01, this fit 0\.02\)/,
    );
    assert.equal(err.differences.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkpoint from before fit identities is refused, not resumed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "batteryml-fingerprint-" });
  try {
    await trainModel({ ...countingProblem(10, 3, 2).opts, checkpoint: { dir, resume: true } });
    // The earlier format: settings, epochs, seed, nTrain and shapes only.
    const index = JSON.parse(await Deno.readTextFile(join(dir, "checkpoint.json")));
    const { identity: _i, maxSteps: _m, ...old } = JSON.parse(index.fingerprint);
    await Deno.writeTextFile(
      join(dir, "checkpoint.json"),
      JSON.stringify({ ...index, fingerprint: JSON.stringify(old) }),
    );
    await assert.rejects(
      trainModel({ ...countingProblem(10, 3, 2).opts, checkpoint: { dir, resume: true } }),
      /written by an earlier BatteryML that did not fingerprint data, loss and options/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
