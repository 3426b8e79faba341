import { ConfigError } from "../../../core/errors.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import { createLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";
import type { LstmAttnInstance } from "../../../plugins/models/lstm_attn.ts";
import { buildLstmAttention, forwardLstmAttention } from "../../../lib/nn/mod.ts";
import { ParamStore } from "../../../lib/train/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { gradientCheck, maskedSquaredError } from "../../lib/nn/gradient_check.ts";
import { assertAnchoredForecast } from "../../fixtures/forecast_checks.ts";
import lstmAttn from "../../../plugins/models/lstm_attn.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";
import { decaySequences, fadeSequences, quickTraining } from "./sequence_models_fixtures.ts";

await wasmReady;

const log = createLogger({ quiet: true });
const training = quickTraining(80);
const newModel = async (options: unknown = {}) =>
  await createLocal("model", "models/lstm_attn.ts", {
    hidden: 8,
    heads: 2,
    ...options as object,
  }) as LstmAttnInstance;

function withX(set: SampleSet, edit: (x: Float32Array) => void): SampleSet {
  const x = set.x.slice();
  edit(x);
  return { ...set, x };
}

Deno.test("lstm_attn learns a trivial sequence function and reloads to identical predictions", async () => {
  const model = await newModel();
  const history: number[] = [];
  await model.fit(fadeSequences(), undefined, {
    rng: createRng(2),
    log,
    training,
    metrics: (v: Record<string, number>) => void history.push(v.train_loss),
  });
  assert.ok(history.at(-1)! < history[0] / 20, `loss ${history[0]} → ${history.at(-1)}`);
  const test = fadeSequences(3, 9);
  const before = await model.predict(test);
  assert.deepEqual(before.yShape, [3, 6, 1]);
  // Mask = 1 exactly within each length.
  for (let i = 0; i < 3; i++) {
    for (let s = 0; s < 6; s++) assert.equal(before.mask[i * 6 + s], s < test.lengths[i] ? 1 : 0);
  }
  const again = await newModel();
  await again.restore(await throughFiles(lstmAttn, await model.state()));
  assert.deepEqual((await again.predict(test)).y, before.y);
});

Deno.test("causal attention: a later input never changes an earlier output; non-causal BiLSTM does", async () => {
  const set = fadeSequences(3, 4);
  const changeStep4 = (x: Float32Array) => (x[(2 * 6 + 4) * 2] += 5); // sample 2 (length 6), step 4
  for (const causal of [true, false]) {
    const model = await newModel({ causal, bidirectional: true });
    await model.fit(set, undefined, { rng: createRng(3), log, training: { ...training, epochs: 2 } });
    const a = (await model.predict(set)).y, b = (await model.predict(withX(set, changeStep4))).y;
    const earlierSame = [0, 1, 2, 3].every((s) => a[12 + s] === b[12 + s]);
    assert.equal(earlierSame, causal, `causal = ${causal}`);
    assert.notEqual(a[12 + 4], b[12 + 4]);
  }
});

Deno.test("padded steps never influence outputs, and get zero attention", async () => {
  const set = fadeSequences(3, 5); // sample 0 has length 4: steps 4, 5 are padding
  const model = await newModel({ causal: false, bidirectional: true });
  await model.fit(set, undefined, { rng: createRng(3), log, training: { ...training, epochs: 2 } });
  const a = (await model.predict(set)).y;
  const maps = model.attention()!;
  const b = (await model.predict(withX(set, (x) => x.fill(9, 4 * 2, 6 * 2)))).y;
  assert.deepEqual(Array.from(a.subarray(0, 4)), Array.from(b.subarray(0, 4)));
  const [, heads, T] = maps.shape;
  for (let h = 0; h < heads; h++) {
    for (let q = 0; q < 4; q++) {
      const row = maps.weights.subarray(((0 * heads + h) * T + q) * T, ((0 * heads + h) * T + q + 1) * T);
      assert.ok(Math.abs(row.reduce((p, v) => p + v, 0) - 1) < 1e-5);
      assert.ok(row[4] < 1e-7 && row[5] < 1e-7, `padding attended: ${row}`);
    }
  }
});

Deno.test("forecasting: only the observed prefix is input; every step within the length is predicted", async () => {
  // The core stamps the observed prefix on every set it hands a model; tests building sets do it too.
  const set = withObservedPrefix(fadeSequences(4, 6), { rpts: 2 });
  const model = await newModel();
  await model.fit(set, undefined, {
    rng: createRng(3),
    log,
    training: { ...training, epochs: 3 },
    observe: { rpts: 2 },
  });
  const a = await model.predict(set);
  // Changing a measured feature or a target after step 1 changes nothing: they are not seen.
  const yEdited = { ...set, y: set.y.map((v, i) => (i % 6 >= 2 ? v + 1 : v)) };
  const xEdited = withX(set, (x) => x.forEach((_, i) => Math.floor(i / 2) % 6 >= 2 && (x[i] += 3)));
  assert.deepEqual((await model.predict(yEdited)).y, a.y);
  assert.deepEqual((await model.predict(xEdited)).y, a.y);
  // An observed target does matter.
  const seen = { ...set, y: set.y.map((v, i) => (i % 6 === 1 ? v - 0.2 : v)) };
  assert.notDeepEqual((await model.predict(seen)).y, a.y);
  for (let i = 0; i < set.n; i++) {
    assert.equal(a.mask.subarray(i * 6, i * 6 + 6).reduce((p, v) => p + v, 0), set.lengths[i]);
  }
});

Deno.test("sequence-to-one predicts only at the last valid step", async () => {
  const set = fadeSequences(3, 7);
  const model = await newModel({ mode: "seq2one", pooling: "mean" });
  await model.fit(set, undefined, { rng: createRng(3), log, training: { ...training, epochs: 2 } });
  const p = await model.predict(set);
  for (let i = 0; i < 3; i++) {
    for (let s = 0; s < 6; s++) assert.equal(p.mask[i * 6 + s], s === set.lengths[i] - 1 ? 1 : 0);
  }
});

Deno.test("early stopping on the validation set reports the best epoch", async () => {
  const model = await newModel();
  const fit = await model.fit(fadeSequences(6, 1), fadeSequences(3, 2), {
    rng: createRng(3),
    log,
    training: { ...training, epochs: 12, patience: 3 },
  });
  assert.ok(fit.bestIteration! >= 1 && fit.bestIteration! <= 12);
  assert.equal(fit.history!.val_loss.length <= 12, true);
});

for (const bidirectional of [false, true]) {
  Deno.test(`LSTM-attention gradients match central finite differences (bidirectional = ${bidirectional})`, async () => {
    const store = new ParamStore();
    const cfg = {
      inputDim: 2,
      hidden: 2,
      heads: 2,
      bidirectional,
      causal: !bidirectional,
      outputs: 1,
      mode: "seq2seq" as const,
      pooling: "last" as const,
    };
    const params = buildLstmAttention(store, cfg, new SeededRandom(11));
    const x = tf.randomNormal([2, 3, 2], 0, 1, "float32", 1) as tf.Tensor3D;
    const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
    const y = tf.randomNormal([2, 3, 1], 0, 1, "float32", 2);
    const worst = await gradientCheck(
      store.list(),
      () => maskedSquaredError(forwardLstmAttention(params, cfg, x, mask).y, y, mask),
      { samples: 20, seed: 6, step: 1e-2 },
    );
    assert.ok(worst < 2e-2, `worst relative error ${worst}`);
  });
}

Deno.test("anchored forecast: starts at the last observed value and follows the observed prefix", async () => {
  const P = 3, test = decaySequences(4, 8);
  const model = await newModel();
  await model.fit(withObservedPrefix(decaySequences(12, 7), { rpts: P }), undefined, {
    rng: createRng(3),
    log,
    training: { ...training, epochs: 60 },
    observe: { rpts: P },
  });
  await assertAnchoredForecast(model, test, P);
});

Deno.test("a checkpoint of a forecast with another observed prefix is refused, naming evaluation.observe", async () => {
  const set = fadeSequences(4, 6);
  const checkpoint_dir = await Deno.makeTempDir({ prefix: "batteryml-observe-ckpt-" });
  try {
    const fitWith = async (rpts: number) =>
      await (await newModel({ checkpoint_dir })).fit(withObservedPrefix(set, { rpts }), undefined, {
        label: "fold/inner",
        rng: createRng(3),
        log,
        training: { ...training, epochs: 1 },
        observe: { rpts },
      });
    await fitWith(2);
    const err = await fitWith(3).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    assert.equal(err.keyPath, "model.checkpoint_dir");
    assert.match(
      err.message,
      /observed prefix \(evaluation\.observe\) 'observe\.rpts' differs \(checkpoint 2, this fit 3\)/,
    );
  } finally {
    await Deno.remove(checkpoint_dir, { recursive: true });
  }
});
