import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import { createLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";
import type { ForecasterInstance } from "../../../plugins/models/sequence_forecaster.ts";
import { type AclaConfig, type AclaParams, buildAcla, forwardAcla, planAcla } from "../../../lib/ode/mod.ts";
import { ParamStore } from "../../../lib/train/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { gradientCheck, maskedSquaredError } from "../../lib/nn/gradient_check.ts";
import { assertAnchoredForecast } from "../../fixtures/forecast_checks.ts";
import aclaModel from "../../../plugins/models/acla.ts";
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
const training = quickTraining(60);
const small = {
  embed: 8,
  channels: 8,
  hidden: 8,
  latent: 3,
  augment: 2,
  dynamics_hidden: [8],
  decoder_hidden: 8,
};
const newModel = async (options: unknown = {}) =>
  await createLocal("model", "models/acla.ts", { ...small, ...options as object }) as ForecasterInstance;

/** A tiny anchored network: inputs [feature, time, y_anchor, tau] (channels 1, 2, 3). */
function tinyNet(seed: number) {
  const cfg: AclaConfig = {
    inputDim: 4,
    embed: 4,
    heads: 2,
    channels: 3,
    kernel: 2,
    hidden: 3,
    latent: 2,
    augment: 1,
    dynamicsHidden: [3],
    decoderHidden: 3,
    outputs: 1,
    timeChannel: 1,
    anchor: { yAnchor: 2, tau: 3 },
    solver: "rk4",
    stepsPerInterval: 2,
  };
  const store = new ParamStore();
  return { cfg, store, p: buildAcla(store, cfg, new SeededRandom(seed)) };
}

/** Inputs of B = 2 rows, T = 5 steps, origin at step `origin` (tau ≤ 0 up to it). */
function inputs(origin: number, featureAfter = 0): tf.Tensor3D {
  const rows: number[][][] = [0, 1].map((i) =>
    [0, 1, 2, 3, 4].map((s) => [
      s <= origin ? 0.3 * s - i : featureAfter,
      0.4 * s,
      0.2 + 0.1 * i,
      0.4 * (s - origin),
    ])
  );
  return tf.tensor3d(rows);
}

/** The forward pass on its schedule, planned from the inputs read back (as the plugin plans from host arrays). */
async function forwardPlanned(p: AclaParams, cfg: AclaConfig, x: tf.Tensor3D, mask: tf.Tensor2D) {
  const [rows, steps, width] = x.shape;
  const schedule = await planAcla(p, cfg, {
    x: await x.data(),
    stepMask: await mask.data(),
    rows,
    steps,
    width,
  });
  return forwardAcla(p, cfg, x, mask, schedule);
}

Deno.test("acla network: the initial state depends on the observed prefix only; later steps change nothing", async () => {
  const { cfg, store, p } = tinyNet(3);
  const mask = tf.ones([2, 5]) as tf.Tensor2D;
  const a = await forwardPlanned(p, cfg, inputs(2, 0), mask);
  const b = await forwardPlanned(p, cfg, inputs(2, 7), mask);
  assert.deepEqual(Array.from(a.y.dataSync()), Array.from(b.y.dataSync()));
  // Up to the origin the output is the anchor (τ = 0 → dec(z(0)) − dec(z₀) = 0); later it moves.
  const y = a.y.dataSync();
  for (const s of [0, 1, 2]) assert.ok(Math.abs(y[s] - 0.2) < 1e-6, `step ${s}: ${y[s]}`);
  assert.ok(Math.abs(y[4] - 0.2) > 1e-6);
  // A prefix value does reach the forecast.
  const edited = tf.add(
    inputs(2, 0),
    tf.tensor3d([[[1, 0, 0, 0], ...Array(4).fill([0, 0, 0, 0])], Array(5).fill([0, 0, 0, 0])]),
  );
  assert.notDeepEqual(
    Array.from((await forwardPlanned(p, cfg, edited as tf.Tensor3D, mask)).y.dataSync()),
    Array.from(y),
  );
  store.dispose();
});

Deno.test("acla gradients match central finite differences (rk4, augmented state)", async () => {
  const { cfg, store, p } = tinyNet(11);
  const x = inputs(2, 0), mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]);
  const y = tf.randomNormal([2, 5, 1], 0, 1, "float32", 2);
  // The schedule depends on the inputs only (rk4 on wasm: no plan), so one serves every perturbation.
  const schedule = await planAcla(p, cfg, {
    x: await x.data(),
    stepMask: await mask.data(),
    rows: 2,
    steps: 5,
    width: 4,
  });
  const worst = await gradientCheck(
    store.list(),
    () => maskedSquaredError(forwardAcla(p, cfg, x, mask, schedule).y, y, mask),
    { samples: 24, seed: 6, step: 3e-3 },
  );
  assert.ok(worst < 2e-2, `worst relative error ${worst}`);
  store.dispose();
});

Deno.test("acla forecasting: changing steps after the observed prefix does not change predictions", async () => {
  const model = await newModel();
  await assertSeesOnlyPrefix(model, training);
  const maps = model.attention()!;
  assert.deepEqual(maps.shape, [4, 2, 6, 6]);
  // No step attends past the origin (step 1): the prefix attention's keys are the observed steps.
  for (let r = 0; r < 4 * 2 * 6; r++) {
    for (let c = 2; c < 6; c++) assert.ok(maps.weights[r * 6 + c] < 1e-6, `row ${r} attends step ${c}`);
  }
});

Deno.test("acla anchored forecast: starts at the last observed value and follows the prefix; state → restore identical", async () => {
  const P = 3, test = withObservedPrefix(decaySequences(4, 8), { rpts: P });
  const model = await newModel();
  await model.fit(withObservedPrefix(decaySequences(12, 7), { rpts: P }), undefined, {
    rng: createRng(3),
    log,
    training,
    observe: { rpts: P },
  });
  await assertAnchoredForecast(model, test, P);
  const again = await newModel();
  await again.restore(await throughFiles(aclaModel, await model.state()));
  assert.deepEqual((await again.predict(test)).y, (await model.predict(test)).y);
});

Deno.test("acla: a forward pass on a schedule planned for other inputs is refused", async () => {
  const { cfg, store, p } = tinyNet(5);
  const mask = tf.ones([2, 5]) as tf.Tensor2D;
  const x = inputs(2, 0);
  const schedule = await planAcla(p, cfg, {
    x: await x.data(),
    stepMask: await mask.data(),
    rows: 2,
    steps: 5,
    width: 4,
  });
  const three = tf.concat([x, tf.slice(x, [0, 0, 0], [1, 5, 4])], 0) as tf.Tensor3D;
  assert.throws(
    () => forwardAcla(p, cfg, three, tf.ones([3, 5]) as tf.Tensor2D, schedule),
    /acla: the schedule is for 2×5 inputs, the forward pass got 3×5/,
  );
  store.dispose();
});

Deno.test("acla anchor_baseline=fade_rate: the baseline enters the forecast and survives state → restore", async () => {
  const stamp = (set: ReturnType<typeof fadeSequences>) => withObservedPrefix(set, { rpts: 2 });
  const train = stamp(fadeSequences(9, 1)), test = stamp(fadeSequences(3, 2));
  const fit = async (anchor_baseline: string) => {
    const model = await newModel({ anchor_baseline });
    await model.fit(train, undefined, {
      rng: createRng(3),
      log,
      training: { ...training, epochs: 2 },
      observe: { rpts: 2 },
    });
    return model;
  };
  const lastValue = await fit("last_value"), fadeRate = await fit("fade_rate");
  const p = await fadeRate.predict(test);
  assert.notDeepEqual(p.y, (await lastValue.predict(test)).y);
  const again = await newModel({ anchor_baseline: "fade_rate" });
  await again.restore(await throughFiles(aclaModel, await fadeRate.state()));
  assert.deepEqual((await again.predict(test)).y, p.y);
});
