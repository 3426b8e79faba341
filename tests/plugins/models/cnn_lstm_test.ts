import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import { createLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";
import type { ForecasterInstance } from "../../../plugins/models/sequence_forecaster.ts";
import { buildCnnLstm, forwardCnnLstm } from "../../../lib/nn/mod.ts";
import { causalConv, causalConvParams } from "../../../lib/nn/mod.ts";
import { ParamStore } from "../../../lib/train/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { gradientCheck, maskedSquaredError } from "../../lib/nn/gradient_check.ts";
import { assertAnchoredForecast } from "../../fixtures/forecast_checks.ts";
import cnnLstm from "../../../plugins/models/cnn_lstm.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import {
  assertSeesOnlyPrefix,
  decaySequences,
  fadeSequences,
  quickTraining,
} from "./sequence_models_fixtures.ts";

await wasmReady;

const log = createLogger({ quiet: true });
const training = quickTraining(80);
const newModel = async (options: unknown = {}) =>
  await createLocal("model", "models/cnn_lstm.ts", {
    channels: [8],
    hidden: 8,
    heads: 2,
    ...options as object,
  }) as ForecasterInstance;

Deno.test("causal convolution equals the sum of shifted products, by hand", () => {
  const store = new ParamStore();
  const p = causalConvParams(store, "c", 1, 1, 2, new SeededRandom(1));
  p.w.assign(tf.tensor3d([[[2]], [[-1]]])); // out_s = 2·x_s − x_{s−1} + 0.5
  p.b.assign(tf.tensor1d([0.5]));
  const out = causalConv(tf.tensor3d([[[1], [3], [4]]]), p).dataSync();
  assert.deepEqual(Array.from(out), [2.5, 5.5, 5.5]);
  store.dispose();
});

Deno.test("cnn_lstm: a later input never changes an earlier output (causal convolution, LSTM, attention)", () => {
  const store = new ParamStore();
  const cfg = { inputDim: 2, channels: [4], kernel: 3, hidden: 4, heads: 2, causal: true, outputs: 1 };
  const p = buildCnnLstm(store, cfg, new SeededRandom(3));
  const x = tf.randomNormal([1, 5, 2], 0, 1, "float32", 4) as tf.Tensor3D;
  const edited = tf.concat(
    [tf.slice(x, [0, 0, 0], [1, 3, 2]), tf.add(tf.slice(x, [0, 3, 0], [1, 2, 2]), 5)],
    1,
  );
  const mask = tf.ones([1, 5]) as tf.Tensor2D;
  const a = forwardCnnLstm(p, cfg, x, mask).y.dataSync();
  const b = forwardCnnLstm(p, cfg, edited as tf.Tensor3D, mask).y.dataSync();
  assert.deepEqual(Array.from(a.subarray(0, 3)), Array.from(b.subarray(0, 3)));
  assert.notDeepEqual(Array.from(a.subarray(3)), Array.from(b.subarray(3)));
  store.dispose();
});

Deno.test("cnn_lstm gradients match central finite differences", async () => {
  const store = new ParamStore();
  const cfg = { inputDim: 2, channels: [3], kernel: 2, hidden: 2, heads: 1, causal: true, outputs: 1 };
  const p = buildCnnLstm(store, cfg, new SeededRandom(11));
  const x = tf.randomNormal([2, 3, 2], 0, 1, "float32", 1) as tf.Tensor3D;
  const mask = tf.tensor2d([[1, 1, 1], [1, 1, 0]]);
  const y = tf.randomNormal([2, 3, 1], 0, 1, "float32", 2);
  // A small step: a wider one straddles the ReLU's kink for some entries (a one-sided slope, not an error).
  const worst = await gradientCheck(
    store.list(),
    () => maskedSquaredError(forwardCnnLstm(p, cfg, x, mask).y, y, mask),
    { samples: 20, seed: 6, step: 3e-3 },
  );
  assert.ok(worst < 2e-2, `worst relative error ${worst}`);
  store.dispose();
});

Deno.test("cnn_lstm learns a trivial sequence function and reloads to identical predictions", async () => {
  const train = fadeSequences(9, 1), test = fadeSequences(3, 2);
  const model = await newModel();
  const untrained = await newModel();
  await untrained.fit(train, undefined, { rng: createRng(3), log, training: { ...training, epochs: 1 } });
  await model.fit(train, undefined, { rng: createRng(3), log, training });
  const rmse = async (m: ForecasterInstance) => {
    const p = await m.predict(test);
    let s = 0, n = 0;
    for (let j = 0; j < test.y.length; j++) if (test.yMask[j]) (s += (p.y[j] - test.y[j]) ** 2, n++);
    return Math.sqrt(s / n);
  };
  const trained = await rmse(model), before = await rmse(untrained);
  assert.ok(trained < 0.5 * before, `trained RMSE ${trained} vs one epoch ${before}`);
  const again = await newModel();
  await again.restore(await throughFiles(cnnLstm, await model.state()));
  assert.deepEqual((await again.predict(test)).y, (await model.predict(test)).y);
});

Deno.test("cnn_lstm forecasting: steps after the observed prefix are not seen", async () => {
  const model = await newModel();
  await assertSeesOnlyPrefix(model, training);
});

Deno.test("cnn_lstm anchored forecast: starts at the last observed value and follows the prefix", async () => {
  const P = 3, test = withObservedPrefix(decaySequences(4, 8), { rpts: P });
  const model = await newModel();
  await model.fit(withObservedPrefix(decaySequences(12, 7), { rpts: P }), undefined, {
    rng: createRng(3),
    log,
    training: { ...training, epochs: 60 },
    observe: { rpts: P },
  });
  await assertAnchoredForecast(model, test, P);
});
