import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import { createLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import { createSampleSet } from "../../../core/sample.ts";
import { contractSampleSet } from "../../../testing/mod.ts";
import { runContract } from "../../../testing/mod.ts";
import type { LossInstance } from "../../../core/plugin.ts";
import { createLocal, loadLocal } from "../../lib/nn/local_plugin.ts";
import { buildMlp, forwardMlp } from "../../../lib/nn/mod.ts";
import { ParamStore } from "../../../lib/train/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { gradientCheck } from "../../lib/nn/gradient_check.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import mlp from "../../../plugins/models/mlp.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

await wasmReady;

const log = createLogger({ quiet: true });
const newMlp = (options: unknown) => createLocal("model", "models/mlp.ts", options);
const training = resolveTrainingSettings({
  backend: "wasm",
  epochs: 60,
  batch_size: 16,
  learning_rate: 0.01,
  schedule: "constant",
  patience: 0,
});

Deno.test("mlp passes the model contract suite", async () => {
  const results = await runContract(await loadLocal("model", "models/mlp.ts"), { hidden: [8] });
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
});

Deno.test("mlp learns a linear function (loss falls > 20×) and reloads to identical predictions", async () => {
  const model = await newMlp({ hidden: [16] });
  const train = contractSampleSet(1, 64), test = contractSampleSet(3, 16);
  const history: number[] = [];
  const fit = await model.fit(train, undefined, {
    rng: createRng(2),
    log,
    training,
    metrics: (v: Record<string, number>) => void history.push(v.train_loss),
  });
  assert.equal(history.length, 60);
  assert.ok(history[59] < history[0] / 20, `loss ${history[0]} → ${history[59]}`);
  assert.equal(fit.bestIteration, 60);
  const before = await model.predict(test);
  const again = await newMlp({ hidden: [16] });
  await again.restore(await throughFiles(mlp, await model.state()));
  assert.deepEqual((await again.predict(test)).y, before.y);
});

Deno.test("mlp takes the loss plugin from ctx.loss and honours masked targets", async () => {
  const train = contractSampleSet(1, 32);
  const masked = createSampleSet({
    ...train,
    yMask: Uint8Array.from(train.yMask, (_, i) => (i % 4 === 0 ? 0 : 1)),
  });
  let calls = 0;
  const loss = await createLocal("loss", "losses/mae.ts") as LossInstance<tf.Tensor>;
  const counting: LossInstance<tf.Tensor> = { compute: (...a) => (calls++, loss.compute(...a)) };
  const model = await newMlp({ hidden: [4] });
  await model.fit(masked, undefined, {
    rng: createRng(2),
    log,
    training: { ...training, epochs: 2 },
    loss: counting,
  });
  assert.equal(calls, 4); // 2 epochs × 2 batches of 16
});

Deno.test("mlp is deterministic for a seed", async () => {
  const run = async () => {
    const model = await newMlp({ hidden: [4] });
    await model.fit(contractSampleSet(1, 32), undefined, {
      rng: createRng(5),
      log,
      training: { ...training, epochs: 3 },
    });
    return (await model.predict(contractSampleSet(3, 8))).y;
  };
  assert.deepEqual(await run(), await run());
});

Deno.test("mlp gradients match central finite differences", async () => {
  const store = new ParamStore();
  const cfg = { inputDim: 3, hidden: [5, 4], activation: "tanh" as const, outputs: 2 };
  const layers = buildMlp(store, cfg, new SeededRandom(3));
  const x = tf.randomNormal([6, 3], 0, 1, "float32", 1) as tf.Tensor2D;
  const y = tf.randomNormal([6, 2], 0, 1, "float32", 2);
  const worst = await gradientCheck(
    store.list(),
    () => tf.mean(tf.square(tf.sub(forwardMlp(layers, cfg, x), y))) as tf.Scalar,
    { samples: 20, seed: 4 },
  );
  assert.ok(worst < 2e-2, `worst relative error ${worst}`);
});
