import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createLogger } from "../../../core/log.ts";
import type { ObserveSetting, TrainingSettings } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";
import { createSampleSet, type SampleSet } from "../../../core/sample.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import { ParamStore, selectBackend } from "../../../lib/train/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { type LatentOdeBatch, LatentOdeNet, type OdeOpOptions } from "../../../lib/ode/mod.ts";
import neuralOde from "../../../plugins/models/neural_ode.ts";
import { assertAnchoredForecast } from "../../fixtures/forecast_checks.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

await selectBackend("wasm");
const log = createLogger({ quiet: true });
const pluginCtx = { seed: 1, rng: createRng(1), log, cacheDir: "artifacts/cache" };

/** y = exp(−k·t) per sample, k a feature; uneven per-sample times and lengths (padding at the end). */
function decaySet(n: number, seed: number): SampleSet {
  const T = 8, rng = createRng(seed);
  const x = new Float32Array(n * T), y = new Float32Array(n * T), t = new Float32Array(n * T);
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = 0.5 + rng.uniform();
    lengths[i] = 6 + (i % 3);
    let time = 0;
    for (let s = 0; s < T; s++) {
      x[i * T + s] = k;
      t[i * T + s] = s < lengths[i] ? time : 0;
      y[i * T + s] = s < lengths[i] ? Math.exp(-k * time) : 0;
      time += 20 + 30 * rng.uniform();
    }
  }
  // Times in days (~0..300): the model scales them.
  for (let i = 0; i < t.length; i++) t[i] /= 100;
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < T; s++) if (s < lengths[i]) y[i * T + s] = Math.exp(-x[i * T] * t[i * T + s]);
  }
  return createSampleSet({
    featureNames: ["rate"],
    targetNames: ["soh"],
    steps: T,
    x,
    y,
    t,
    lengths,
    meta: { cellKey: Array.from({ length: n }, (_, i) => `e/${i}`), chamberC: new Float64Array(n).fill(25) },
  });
}

/** Validated options (the schema is synchronous). */
function parse(raw: Record<string, unknown>) {
  return (neuralOde.options["~standard"].validate(raw) as { value: never }).value;
}

const fitCtx = (
  { observe, ...training }: Partial<TrainingSettings> & { observe?: ObserveSetting },
) => ({ rng: createRng(1), log, training: resolveTrainingSettings(training), observe });
const TRAIN: Partial<TrainingSettings> = {
  epochs: 150,
  batch_size: 16,
  learning_rate: 1e-2,
  schedule: "constant",
  patience: 0,
  weight_decay: 0,
};

function rmse(a: Float32Array, b: Float32Array, mask: Uint8Array): number {
  let s = 0, n = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) (s += (a[i] - b[i]) ** 2, n++);
  return Math.sqrt(s / n);
}

Deno.test("neural_ode learns exponential decay trajectories on per-sample time grids; state → restore is identical", async () => {
  const train = decaySet(12, 1), test = decaySet(4, 2);
  const model = await neuralOde.create(
    parse({ solver: "rk4", latent_dim: 4, hidden: 16, encoder: "mlp" }),
    pluginCtx,
  );
  await model.fit(train, undefined, fitCtx(TRAIN));
  const p = await model.predict(test);
  assert.deepEqual(p.yShape, [4, 8, 1]);
  const err = rmse(p.y, test.y, p.mask);
  assert.ok(err < 0.05, `test RMSE ${err}`);
  assert.equal(p.mask[7], 0, "padding is masked");
  const lat = model.latents()!;
  assert.deepEqual(lat.shape, [4, 8, 4]);
  const again = await neuralOde.create(
    parse({ solver: "rk4", latent_dim: 4, hidden: 16, encoder: "mlp" }),
    pluginCtx,
  );
  await again.restore(await throughFiles(neuralOde, await model.state()));
  const q = await again.predict(test);
  assert.ok(q.y.every((v, i) => Object.is(v, p.y[i])), "predictions after restore differ");
});

Deno.test("neural_ode with observe: only the observed prefix feeds the encoder", async () => {
  // The core stamps the observed prefix on every set it hands a model; tests building sets do it too.
  const train = withObservedPrefix(decaySet(6, 3), { rpts: 3 });
  const model = await neuralOde.create(
    parse({ solver: "euler", latent_dim: 3, hidden: 8 }),
    pluginCtx,
  );
  await model.fit(train, undefined, fitCtx({ ...TRAIN, epochs: 2, observe: { rpts: 3 } }));
  const base = await model.predict(train);
  const later = { ...train, y: train.y.slice() }, early = { ...train, y: train.y.slice() };
  for (let i = 0; i < train.n; i++) {
    later.y[i * 8 + 4] += 0.5;
    early.y[i * 8 + 1] += 0.5;
  }
  assert.deepEqual(
    (await model.predict(later)).y,
    base.y,
    "a target after the prefix changed the prediction",
  );
  assert.notDeepEqual((await model.predict(early)).y, base.y, "the observed prefix was not used");
});

function netBatch(): LatentOdeBatch {
  const rows = 3, steps = 4, width = 4;
  const rng = new SeededRandom(5);
  return {
    rows,
    steps,
    inputs: Float32Array.from({ length: rows * steps * width }, () => rng.uniform() - 0.5),
    prefix: Int32Array.of(2, 1, 3),
    t: Float32Array.of(0, 0.3, 0.7, 1, 0, 0.5, 0.9, 0, 0, 0.2, 0.4, 0.8),
    lengths: Int32Array.of(4, 3, 4),
  };
}

function netLoss(net: LatentOdeNet, batch: LatentOdeBatch, solve: OdeOpOptions): tf.Scalar {
  const w = tf.tensor3d(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), [3, 4, 1]);
  return tf.sum(tf.mul(net.forward(batch, solve).y, w)) as tf.Scalar;
}

function makeNet(): { net: LatentOdeNet; store: ParamStore } {
  const store = new ParamStore();
  const net = new LatentOdeNet(
    {
      inputWidth: 4,
      targets: 1,
      latent: 3,
      dynamicsHidden: [6, 6],
      encoder: "gru",
      encoderHidden: 5,
      decoderHidden: 5,
    },
    store,
    new SeededRandom(9),
  );
  // Larger dynamics than the default init, so the solve matters to the gradients.
  tf.tidy(() => store.list().forEach((v) => v.assign(tf.mul(v, 2))));
  return { net, store };
}

Deno.test("neural_ode gradients match central finite differences (20 sampled parameters, rk4)", () => {
  const { net, store } = makeNet();
  const batch = netBatch(), solve: OdeOpOptions = { method: "rk4", stepsPerInterval: 2 };
  const params = store.list();
  const { grads } = tf.variableGrads(() => netLoss(net, batch, solve), params);
  const lossAt = () => tf.tidy(() => netLoss(net, batch, { ...solve, differentiable: false }).dataSync()[0]);
  const rng = new SeededRandom(3);
  let checked = 0;
  for (let k = 0; k < 60 && checked < 20; k++) {
    const v = params[Math.floor(rng.uniform() * params.length)];
    const j = Math.floor(rng.uniform() * v.size);
    const g = grads[v.name].dataSync()[j];
    if (Math.abs(g) < 1e-2) continue;
    const values = v.dataSync().slice() as Float32Array,
      keep = values[j],
      eps = 1e-2 * Math.max(1, Math.abs(keep));
    const at = (x: number) => {
      values[j] = x;
      v.assign(tf.tensor(values, v.shape));
      return lossAt();
    };
    const fd = (at(keep + eps) - at(keep - eps)) / (2 * eps);
    at(keep);
    assert.ok(
      Math.abs(fd - g) < 2e-2 * Math.abs(g),
      `${v.name}[${j}]: autodiff ${g}, finite difference ${fd}`,
    );
    checked++;
  }
  assert.ok(checked >= 10, `only ${checked} parameters had usable gradients`);
  store.dispose();
});

Deno.test("neural_ode adjoint gradients equal backprop gradients (dopri5, tight tolerance)", () => {
  const { net, store } = makeNet();
  const batch = netBatch(), params = store.list();
  const solve: OdeOpOptions = { method: "dopri5", rtol: 1e-7, atol: 1e-8 };
  const a = tf.variableGrads(() => netLoss(net, batch, solve), params).grads;
  const b = tf.variableGrads(() => netLoss(net, batch, { ...solve, adjoint: true }), params).grads;
  for (const p of params) {
    const ga = a[p.name].dataSync(), gb = b[p.name].dataSync();
    ga.forEach((v, i) =>
      assert.ok(Math.abs(v - gb[i]) < 1e-4 * Math.max(1, Math.abs(v)), `${p.name}[${i}]: ${v} vs ${gb[i]}`)
    );
  }
  store.dispose();
});

Deno.test("neural_ode anchored forecast: starts at the last observed value and follows the observed prefix", async () => {
  const P = 3, train = withObservedPrefix(decaySet(12, 4), { rpts: P }), test = decaySet(4, 5);
  const model = await neuralOde.create(parse({ solver: "rk4", latent_dim: 4, hidden: 16 }), pluginCtx);
  await model.fit(train, undefined, fitCtx({ ...TRAIN, epochs: 60, observe: { rpts: P } }));
  await assertAnchoredForecast(model, test, P);
});

Deno.test("neural_ode with backend auto trains on wasm and says why (webgpu only when asked by name)", async () => {
  const lines: string[] = [];
  const model = await neuralOde.create(parse({ solver: "euler" }), pluginCtx);
  await model.fit(decaySet(4, 1), undefined, {
    ...fitCtx({ epochs: 1, backend: "auto" }),
    log: { ...log, info: (l: string) => lines.push(l) },
  });
  assert.equal(tf.getBackend(), "wasm");
  assert.ok(lines.some((l) => /neural_ode: tfjs backend: wasm/.test(l)), lines.join("\n"));
});
