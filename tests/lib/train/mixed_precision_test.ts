/**
 * Mixed precision in the trainer (lib/train/_precision.ts, _loss_scale.ts) on WebGPU with shader-f16 (Mesa's
 * software adapter here and in CI): a tiny MLP of lib/nn trains to within 1e-2 relative of its float32 loss
 * and not bit-identically (its dense products really are float16); the loss scale follows GradScaler's rule;
 * a gated optimizer step that is off changes nothing; an injected overflow is skipped (weights unchanged,
 * scale halved) and training goes on to converge; interrupt → checkpoint → resume keeps the loss scale.
 * Synchronous reads throw throughout. Elsewhere mixed precision is refused with the reason.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createOptimizer,
  mixedPrecisionSupport,
  ParamStore,
  readAll,
  selectBackend,
  trainModel,
  type TrainOptions,
} from "../../../lib/train/mod.ts";
import { DynamicLossScale } from "../../../lib/train/_loss_scale.ts";
import { TrainingInterrupted } from "../../../lib/train/_interrupt.ts";
import { buildMlp, forwardMlp, halfKernelsAvailable } from "../../../lib/nn/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { GPU_TEST as GPU, onWebGpu as onWebGpuWith } from "../../fixtures/webgpu.ts";

/** On WebGPU (fixtures/webgpu.ts) with the float16 kernels required. */
function onWebGpu(fn: () => Promise<void>): Promise<void> {
  return onWebGpuWith(
    fn,
    () =>
      assert.ok(halfKernelsAvailable(), "the WebGPU device has no shader-f16 (Mesa's llvmpipe offers it)"),
  );
}

/**
 * y = sin(3·x0) − x1² + 0.5 on 40 points, an MLP 2 → 16 → 16 → 1 (ReLU) built with seed 5, and the trainer
 * options; `lossFn` can be wrapped. Fresh weights on every call, so runs start from the same point.
 */
function mlpProblem(settings: Record<string, unknown> = {}) {
  const n = 40;
  const xs = new Float32Array(n * 2), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[2 * i] = Math.sin(0.7 * i), xs[2 * i + 1] = Math.cos(1.3 * i);
    ys[i] = Math.sin(3 * xs[2 * i]) - xs[2 * i + 1] ** 2 + 0.5;
  }
  const x = tf.tensor2d(xs, [n, 2]), y = tf.tensor2d(ys, [n, 1]);
  const store = new ParamStore();
  const cfg = { inputDim: 2, hidden: [16, 16], activation: "relu" as const, outputs: 1 };
  const layers = buildMlp(store, cfg, new SeededRandom(5));
  const opts: TrainOptions = {
    params: store.list(),
    nTrain: n,
    lossFn: (batch) =>
      tf.tidy(() => {
        const idx = tf.tensor1d(batch, "int32");
        const pred = forwardMlp(layers, cfg, tf.gather(x, idx) as tf.Tensor2D);
        return tf.mean(tf.square(tf.sub(pred, tf.gather(y, idx))));
      }) as tf.Scalar,
    settings: resolveTrainingSettings({
      epochs: 8,
      batch_size: 8,
      learning_rate: 0.01,
      optimizer: "adamw",
      schedule: "constant",
      grad_clip: 5,
      backend: "webgpu",
      ...settings,
    }),
    seed: 3,
    backend: "webgpu",
  };
  const values = async () => (await readAll(store.list())).flatMap((a) => Array.from(a));
  const dispose = () => {
    store.dispose();
    tf.dispose([x, y]);
  };
  return { opts, values, dispose };
}

Deno.test("mixed precision is refused on wasm and cpu with the reason, training in float32", async () => {
  await selectBackend("wasm");
  for (const b of ["wasm", "cpu"]) {
    const s = mixedPrecisionSupport(b);
    assert.equal(s.supported, false);
    assert.match(s.message, new RegExp(`the ${b} backend has no float16 kernels .*: training in float32`));
  }
  // Asked about webgpu while tfjs is not on it: no device to have shader-f16.
  assert.equal(mixedPrecisionSupport("webgpu").supported, false);
});

Deno.test({
  ...GPU,
  name: "webgpu f16: a tiny MLP's losses are within 1e-2 relative of float32's, and not identical",
  fn: () =>
    onWebGpu(async () => {
      const lines: string[] = [];
      const run = async (mixed: boolean) => {
        const p = mlpProblem({ mixed_precision: mixed });
        try {
          const r = await trainModel({ ...p.opts, log: (l) => lines.push(l) });
          return { history: r.history.train_loss, weights: await p.values() };
        } finally {
          p.dispose();
        }
      };
      const f32 = await run(false), f16 = await run(true);
      assert.ok(
        lines.some((l) => /^mixed precision: dense-layer products in float16/.test(l)),
        lines.join("\n"),
      );
      assert.ok(f32.history[7] < f32.history[0] / 3, `float32 trained: ${f32.history}`);
      f32.history.forEach((want, i) => {
        const got = f16.history[i];
        assert.ok(Math.abs(got - want) <= 1e-2 * want, `epoch ${i + 1}: f16 ${got} vs f32 ${want}`);
      });
      assert.notDeepEqual(f16.history, f32.history, "identical losses: float16 was not used");
      assert.notDeepEqual(f16.weights, f32.weights);
    }),
});

Deno.test({
  ...GPU,
  name: "webgpu f16: the loss scale halves on an overflow and doubles after growth_interval finite steps",
  fn: () =>
    onWebGpu(async () => {
      const s = new DynamicLossScale({ init: 1024, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
      const scales: number[] = [];
      for (const finite of [true, true, true, true, false, true, true, true]) {
        const flag = tf.scalar(finite, "bool") as tf.Scalar;
        s.update(flag);
        flag.dispose();
        scales.push((await readAll([s.scale]))[0][0]);
      }
      // 3 finite → ×2; the 4th counts 1; overflow → ×0.5 and the run restarts; 3 more finite → ×2.
      assert.deepEqual(scales, [1024, 1024, 2048, 2048, 1024, 1024, 1024, 2048]);
      const loss = tf.scalar(0.75);
      const scaled = s.scaled(loss as tf.Scalar);
      const [g] = s.unscale([scaled]);
      assert.deepEqual(Array.from((await readAll([scaled, g])).flatMap((a) => Array.from(a))), [1536, 0.75]);
      tf.dispose([loss, scaled, g]);
      s.dispose();
    }),
});

Deno.test({
  ...GPU,
  name: "webgpu: a gated Adam step that is off changes no weight, moment or step count; on, it is Adam's",
  fn: () =>
    onWebGpu(async () => {
      const make = () => [tf.variable(tf.tensor1d([0.5, -1.5])), tf.variable(tf.tensor2d([[2, 3]]))];
      const gated = make(), plain = make();
      const grads = [tf.tensor1d([0.1, -0.2]), tf.tensor2d([[0.3, 0.05]])];
      const g = createOptimizer(gated, { name: "adamw", weightDecay: 0.01 });
      const p = createOptimizer(plain, { name: "adamw", weightDecay: 0.01 });
      const off = tf.scalar(false, "bool") as tf.Scalar, on = tf.scalar(true, "bool") as tf.Scalar;
      const before = await readAll(gated);
      await g.apply(gated, grads, 0.1, off);
      assert.deepEqual(await readAll(gated), before);
      const zeros = () => [0, 1, 2, 3].map(() => new Float32Array(2));
      assert.deepEqual(await g.getState(), { step: 0, slots: zeros() });
      for (let i = 0; i < 3; i++) {
        await g.apply(gated, grads, 0.1, on);
        await p.apply(plain, grads, 0.1);
      }
      const infinite = grads.map((t) => tf.mul(t, Infinity));
      await g.apply(gated, infinite, 0.1, off);
      const [got, want] = [
        (await readAll(gated)).flatMap((a) => [...a]),
        (await readAll(plain)).flatMap((a) => [...a]),
      ];
      // Bias corrections in float32 on the device vs float64 on the host: float32 rounding apart.
      want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-6 * Math.abs(w), `${got[i]} vs ${w}`));
      assert.notDeepEqual(got, before.flatMap((a) => [...a]));
      assert.equal((await g.getState()).step, 3);
      tf.dispose([...gated, ...plain, ...grads, ...infinite, off, on]);
      g.dispose();
      p.dispose();
    }),
});

Deno.test({
  ...GPU,
  name:
    "webgpu f16: an injected overflow is skipped (weights unchanged, scale halved) and training converges",
  fn: () =>
    onWebGpu(async () => {
      const INJECT_AT = 4; // the 4th optimizer step of epoch 1 (5 steps per epoch)
      // Multiplying one batch's loss by 2^20 makes its scaled gradients (×2^16) pass float16's 65504 at the
      // output layer: the float16 cast of dY gives Inf, as a real overflow does.
      const injected = (p: ReturnType<typeof mlpProblem>) => {
        let step = 0;
        return (batch: number[]) => {
          const loss = p.opts.lossFn(batch);
          if (++step !== INJECT_AT) return loss;
          return tf.tidy(() => tf.mul(loss, 2 ** 20)) as tf.Scalar;
        };
      };
      const upTo = async (steps: number, inject: boolean) => {
        const p = mlpProblem({ mixed_precision: true });
        const reports: { lossScale?: number; skippedSteps?: number }[] = [];
        try {
          await trainModel({
            ...p.opts,
            lossFn: inject ? injected(p) : p.opts.lossFn,
            maxSteps: steps,
            onEpoch: (r) => void reports.push(r),
          });
          return { weights: await p.values(), report: reports.at(-1)! };
        } finally {
          p.dispose();
        }
      };
      const before = await upTo(INJECT_AT - 1, false);
      const skipped = await upTo(INJECT_AT, true);
      assert.deepEqual(skipped.weights, before.weights, "the overflowing step changed the weights");
      assert.equal(skipped.report.skippedSteps, 1);
      assert.equal(skipped.report.lossScale, 65536 / 2);
      assert.equal(before.report.lossScale, 65536);
      const clean = await upTo(INJECT_AT, false);
      assert.notDeepEqual(clean.weights, before.weights, "a normal step changes the weights");

      // The whole run: one skip, the scale stays halved (growth needs 2000 steps), and it converges.
      const p = mlpProblem({ mixed_precision: true, epochs: 10 });
      const reports: { trainLoss: number; lossScale?: number; skippedSteps?: number }[] = [];
      try {
        await trainModel({ ...p.opts, lossFn: injected(p), onEpoch: (r) => void reports.push(r) });
      } finally {
        p.dispose();
      }
      assert.deepEqual(reports.map((r) => r.skippedSteps), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.ok(reports.every((r) => r.lossScale === 32768));
      const losses = reports.map((r) => r.trainLoss);
      assert.ok(losses[9] < losses[1] / 3, `converges after the skip: ${losses}`);
    }),
});

Deno.test({
  ...GPU,
  name: "webgpu f16: interrupt mid-epoch → resume gives the uninterrupted run's weights, history and scale",
  fn: () =>
    onWebGpu(async () => {
      // A small growth interval so the scale changes during the run and must come back from the checkpoint.
      const settings = {
        mixed_precision: true,
        epochs: 4,
        loss_scale_init: 1,
        loss_scale_growth_interval: 3,
      };
      const scales = (rs: { lossScale?: number }[]) => rs.map((r) => r.lossScale);
      const reference = mlpProblem(settings);
      const refReports: { lossScale?: number }[] = [];
      const ref = await trainModel({ ...reference.opts, onEpoch: (r) => void refReports.push(r) });
      const expected = await reference.values();
      reference.dispose();
      // 5 steps per epoch, ×2 after every 3 finite steps: steps 3 | 6, 9 | 12, 15 | 18.
      assert.deepEqual(scales(refReports), [2, 8, 32, 64]);
      const dir = await Deno.makeTempDir({ prefix: "batteryml-f16-ckpt-" });
      try {
        const first = mlpProblem(settings);
        const controller = new AbortController();
        let batches = 0;
        await assert.rejects(
          trainModel({
            ...first.opts,
            lossFn: (batch) => {
              if (++batches === 8) controller.abort(); // epoch 2, batch 3 of 5
              return first.opts.lossFn(batch);
            },
            signal: controller.signal,
            checkpoint: { dir, resume: true },
          }),
          TrainingInterrupted,
        );
        first.dispose();
        const second = mlpProblem(settings);
        const reports: { lossScale?: number }[] = [];
        const resumed = await trainModel({
          ...second.opts,
          checkpoint: { dir, resume: true },
          onEpoch: (r) => void reports.push(r),
        });
        assert.deepEqual(await second.values(), expected);
        assert.deepEqual(resumed.history, ref.history);
        assert.deepEqual(scales(reports), scales(refReports).slice(1));
        second.dispose();
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }),
});
