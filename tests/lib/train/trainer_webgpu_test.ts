/**
 * The trainer's bookkeeping on WebGPU, where a step reads nothing back and the epoch's losses and norms are
 * read once: an interruption mid-epoch saves a checkpoint (the pending steps' numbers included) and a
 * resume ends with exactly the weights and history of an uninterrupted run; early stopping restores the
 * best weights; a non-finite loss still names its epoch and batch. Synchronous reads throw throughout.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { readAll, trainModel, type TrainOptions } from "../../../lib/train/mod.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { TrainingInterrupted } from "../../../lib/train/_interrupt.ts";
import { GPU_TEST as GPU, onWebGpu } from "../../fixtures/webgpu.ts";

/** y = 2·x0 − x1 + 0.5 on 40 points, a linear model and its options (as trainer_test.ts). */
function linearProblem(settings: Record<string, unknown> = {}) {
  const n = 40;
  const xs = new Float32Array(n * 2), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = Math.sin(i), xs[2 * i + 1] = Math.cos(3 * i);
    ys[i] = 2 * xs[2 * i] - xs[2 * i + 1] + 0.5;
  }
  const x = tf.tensor2d(xs, [n, 2]), y = tf.tensor2d(ys, [n, 1]);
  const w = tf.variable(tf.zeros([2, 1])), b = tf.variable(tf.zeros([1]));
  const opts: TrainOptions = {
    params: [w, b],
    nTrain: n,
    lossFn: (batch) =>
      tf.tidy(() => {
        const idx = tf.tensor1d(batch, "int32");
        const pred = tf.add(tf.matMul(tf.gather(x, idx) as tf.Tensor2D, w), b);
        return tf.mean(tf.square(tf.sub(pred, tf.gather(y, idx))));
      }) as tf.Scalar,
    settings: resolveTrainingSettings({
      epochs: 6,
      batch_size: 8,
      learning_rate: 0.05,
      optimizer: "adamw",
      schedule: "cosine_restarts",
      restart_period: 4,
      grad_clip: 0.5,
      ...settings,
    }),
    seed: 3,
  };
  const values = async () => (await readAll([w, b])).flatMap((a) => Array.from(a));
  const valLoss = async () => 1 / (1 + (await values())[0]);
  return { opts, values, valLoss };
}

Deno.test({
  ...GPU,
  name: "webgpu: interrupt mid-epoch → checkpoint → resume gives the uninterrupted run's weights and history",
  fn: () =>
    onWebGpu(async () => {
      const reference = linearProblem();
      const refResult = await trainModel({ ...reference.opts, valLoss: reference.valLoss });
      const expected = await reference.values();
      const dir = await Deno.makeTempDir({ prefix: "batteryml-gpu-ckpt-" });
      try {
        const first = linearProblem();
        const controller = new AbortController();
        let batches = 0;
        await assert.rejects(
          trainModel({
            ...first.opts,
            valLoss: first.valLoss,
            lossFn: (batch) => {
              if (++batches === 13) controller.abort(); // epoch 3, batch 3 of 5
              return first.opts.lossFn(batch);
            },
            signal: controller.signal,
            checkpoint: { dir, resume: true },
          }),
          TrainingInterrupted,
        );
        const second = linearProblem();
        const resumed = await trainModel({
          ...second.opts,
          valLoss: second.valLoss,
          checkpoint: { dir, resume: true },
        });
        assert.deepEqual(await second.values(), expected);
        assert.deepEqual(resumed.history, refResult.history);
        assert.ok(refResult.history.train_loss[5] < refResult.history.train_loss[0] / 2, "it trained");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});

Deno.test({
  ...GPU,
  name: "webgpu: early stopping stops after `patience` epochs and restores the best weights",
  fn: () =>
    onWebGpu(async () => {
      const p = linearProblem({ epochs: 50, patience: 3 });
      let epoch = 0;
      const snapshots: number[][] = [];
      const result = await trainModel({
        ...p.opts,
        valLoss: async () => {
          epoch++;
          snapshots.push(await p.values());
          return Math.abs(epoch - 4) + 1;
        },
      });
      assert.equal(result.bestEpoch, 4);
      assert.equal(result.epochsRun, 7);
      assert.deepEqual(await p.values(), snapshots[3]);
    }),
});

Deno.test({
  ...GPU,
  name: "webgpu: a non-finite loss is an error naming the epoch and batch where it appeared",
  fn: () =>
    onWebGpu(async () => {
      const v = tf.variable(tf.scalar(1));
      let step = 0;
      await assert.rejects(
        trainModel({
          params: [v],
          nTrain: 4,
          // Finite for the first two batches, then 1/0.
          lossFn: () => tf.div(tf.square(v), ++step > 2 ? 0 : 1) as tf.Scalar,
          settings: resolveTrainingSettings({ epochs: 1, batch_size: 1 }),
          seed: 1,
        }),
        /training loss is Infinity at epoch 1, batch 3/,
      );
    }),
});
