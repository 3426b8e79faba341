import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "./wasm_backend.ts";
import { trainModel, type TrainOptions } from "../../../lib/train/trainer.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { TrainingInterrupted } from "../../../lib/train/_interrupt.ts";

await wasmReady;

/** y = 2·x0 − x1 + 0.5 on 40 points; returns a fresh linear model and its training options. */
function linearProblem(settings: Record<string, unknown> = {}) {
  const n = 40;
  const xs = new Float32Array(n * 2), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = Math.sin(i), xs[2 * i + 1] = Math.cos(3 * i);
    ys[i] = 2 * xs[2 * i] - xs[2 * i + 1] + 0.5;
  }
  const x = tf.tensor2d(xs, [n, 2]), y = tf.tensor2d(ys, [n, 1]);
  const w = tf.variable(tf.zeros([2, 1])), b = tf.variable(tf.zeros([1]));
  const predict = (rows: tf.Tensor2D) => tf.add(tf.matMul(rows, w), b);
  const opts: TrainOptions = {
    params: [w, b],
    nTrain: n,
    lossFn: (batch) =>
      tf.tidy(() => {
        const idx = tf.tensor1d(batch, "int32");
        return tf.mean(tf.square(tf.sub(predict(tf.gather(x, idx) as tf.Tensor2D), tf.gather(y, idx))));
      }) as tf.Scalar,
    settings: resolveTrainingSettings({
      epochs: 30,
      batch_size: 8,
      learning_rate: 0.05,
      schedule: "constant",
      ...settings,
    }),
    seed: 3,
  };
  const values = () => [...w.dataSync(), ...b.dataSync()];
  return { opts, values, w, b, x, y, predict };
}

Deno.test("trainer fits a linear function and reports sample-weighted epoch losses", async () => {
  const p = linearProblem();
  const result = await trainModel(p.opts);
  assert.equal(result.epochsRun, 30);
  assert.equal(result.bestEpoch, 30);
  assert.ok(result.history.train_loss[29] < 0.01 * result.history.train_loss[0]);
  const [w0, w1, b] = p.values();
  assert.ok(Math.abs(w0 - 2) < 0.05 && Math.abs(w1 + 1) < 0.05 && Math.abs(b - 0.5) < 0.05, `${[w0, w1, b]}`);
});

Deno.test("epoch loss weights each batch by batchWeight", async () => {
  // lossFn returns the batch's first index; weights = index + 1 → weighted mean is Σ(i(i+1))/Σ(i+1).
  const v = tf.variable(tf.scalar(0));
  const n = 5;
  const result = await trainModel({
    params: [v],
    nTrain: n,
    lossFn: (batch) => tf.add(tf.mul(v, 0), batch[0]) as tf.Scalar,
    batchWeight: (batch) => batch[0] + 1,
    settings: resolveTrainingSettings({ epochs: 1, batch_size: 1, grad_clip: 0 }),
    seed: 1,
  });
  const expected = [0, 1, 2, 3, 4].reduce((a, i) => a + i * (i + 1), 0) / 15;
  assert.ok(Math.abs(result.history.train_loss[0] - expected) < 1e-9);
});

Deno.test("early stopping stops after `patience` epochs and restores the best weights", async () => {
  const p = linearProblem({ epochs: 50, patience: 3 });
  // A validation loss that is best at epoch 4 and worse afterwards.
  let epoch = 0;
  const snapshots: number[][] = [];
  const result = await trainModel({
    ...p.opts,
    valLoss: () => {
      epoch++;
      snapshots.push(p.values());
      return Math.abs(epoch - 4) + 1;
    },
  });
  assert.equal(result.bestEpoch, 4);
  assert.equal(result.epochsRun, 7);
  assert.ok(result.stoppedEarly);
  assert.deepEqual(p.values(), snapshots[3]);
});

Deno.test("a fixed epoch count (refit) runs exactly that many epochs", async () => {
  const p = linearProblem({ epochs: 50 });
  const result = await trainModel({ ...p.opts, epochs: 6 });
  assert.equal(result.epochsRun, 6);
});

Deno.test("interrupt mid-epoch → checkpoint → resume gives the same final weights", async () => {
  const settings = { epochs: 6, optimizer: "adamw", schedule: "cosine_restarts", restart_period: 4 };
  const reference = linearProblem(settings);
  const refResult = await trainModel({ ...reference.opts, valLoss: () => 1 / (1 + reference.values()[0]) });
  const expected = reference.values();

  const dir = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
  try {
    const first = linearProblem(settings);
    const controller = new AbortController();
    let batches = 0;
    const lossFn = first.opts.lossFn;
    await assert.rejects(
      trainModel({
        ...first.opts,
        valLoss: () => 1 / (1 + first.values()[0]),
        lossFn: (batch) => {
          if (++batches === 13) controller.abort(); // epoch 3, batch 3 of 5
          return lossFn(batch);
        },
        signal: controller.signal,
        checkpoint: { dir, resume: true },
      }),
      TrainingInterrupted,
    );
    const second = linearProblem(settings); // fresh weights: everything must come from the checkpoint
    const resumed = await trainModel({
      ...second.opts,
      valLoss: () => 1 / (1 + second.values()[0]),
      checkpoint: { dir, resume: true },
    });
    assert.deepEqual(second.values(), expected);
    assert.deepEqual(resumed.history, refResult.history);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a non-finite loss is an error naming the epoch and batch", async () => {
  const v = tf.variable(tf.scalar(1));
  await assert.rejects(
    trainModel({
      params: [v],
      nTrain: 2,
      lossFn: () => tf.div(v, 0) as tf.Scalar,
      settings: resolveTrainingSettings({ epochs: 1 }),
      seed: 1,
    }),
    /epoch 1, batch 1/,
  );
});
