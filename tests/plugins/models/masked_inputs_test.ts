/**
 * Masked ICA inputs end to end through the real pipeline and models: latent_ode_seq merges transition-named
 * ICA features of the synthetic Expt 5 with two 0.1C curves removed (test cell 5/D's RPT 1, inside the
 * observed prefix of 3 RPTs, so the models read that step; training cell 5/A's RPT 2), so those steps' ICA
 * values are masked (mask column 0). Whatever is put in the masked slots — NaN, a huge number, a negative
 * one — in the training and the test set, cnn_lstm and neural_ode train to the same weights and predict the
 * same values; the same garbage with the mask set to 1 changes the prediction (the test can fail).
 */
import assert from "node:assert/strict";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { createLogger } from "../../../core/log.ts";
import type { DatasetInstance, PluginContext } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { restrictToCells } from "../../../core/view.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";

await wasmReady;

const ICA = ["ne4_voltage_V", "pe1_height_Ah_per_V"];
const TRAIN = ["5/A", "5/B", "5/C"], TEST = ["5/D"];
const log = createLogger({ quiet: true });
const training = resolveTrainingSettings({
  backend: "wasm",
  epochs: 3,
  batch_size: 4,
  learning_rate: 0.01,
  schedule: "constant",
  patience: 0,
});

/** A removed curve: 5/D's RPT 1 (test), 5/A's RPT 2 (training). */
const removed = (key: string, rpt: number) => (key === "5/D" && rpt === 1) || (key === "5/A" && rpt === 2);

/** Train and test sequences (observe 3 RPTs) with the removed curves gone. */
async function sequences(): Promise<{ train: SampleSet; test: SampleSet }> {
  const ctx: PluginContext = { seed: 1, rng: createRng(1), log, cacheDir: "artifacts/cache" };
  const full = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    { experiment: "5", synthetic: { seed: 42, curves: true } },
    ctx,
    "data",
  );
  const data: DatasetInstance = {
    cells: () => full.cells(),
    table: (name, keys) => full.table(name, keys),
    fingerprint: () => full.fingerprint(),
    curves: async (key, q) => (await full.curves(key, q)).filter((c) => !removed(key, c.rpt)),
  };
  const pipe = await createPlugin(
    await loadPlugin("latent_ode_seq", "pipeline"),
    { ica_features: ICA },
    ctx,
    "pipeline",
  );
  const fitted = await pipe.fit(restrictToCells(data, TRAIN));
  const observe = { rpts: 3 };
  return {
    train: withObservedPrefix(await fitted.transform(restrictToCells(data, TRAIN)), observe),
    test: withObservedPrefix(await fitted.transform(restrictToCells(data, TEST)), observe),
  };
}

/** A copy of `set` with `value` in every masked ICA slot (and the masks set to `mask`, if given). */
function withGarbage(set: SampleSet, value: number, mask?: 0 | 1): SampleSet {
  const F = set.featureNames.length, x = set.x.slice();
  let slots = 0;
  for (let row = 0; row < set.n * set.steps; row++) {
    if (row % set.steps >= set.lengths[Math.floor(row / set.steps)]) continue;
    for (const name of ICA) {
      const j = set.featureNames.indexOf(name), m = set.featureNames.indexOf(`${name}_observed`);
      if (x[row * F + m] !== 0) continue;
      x[row * F + j] = value;
      if (mask !== undefined) x[row * F + m] = mask;
      slots++;
    }
  }
  assert.ok(slots > 0, "no masked slot");
  return { ...set, x };
}

const { train, test } = await sequences();

Deno.test("latent_ode_seq: the RPT without a curve has NaN ICA values and mask 0; measured RPTs mask 1", () => {
  const F = test.featureNames.length;
  const j = test.featureNames.indexOf("ne4_voltage_V"),
    m = test.featureNames.indexOf("ne4_voltage_V_observed");
  assert.ok(j >= 0 && m > j);
  for (let s = 0; s < test.lengths[0]; s++) {
    const rpt = test.meta.rpt[s];
    assert.equal(test.x[s * F + m], rpt === 1 ? 0 : 1, `mask at RPT ${rpt}`);
    if (rpt === 1) assert.ok(Number.isNaN(test.x[s * F + j]));
    else assert.ok(Number.isFinite(test.x[s * F + j]));
  }
});

for (
  const [name, options] of [
    ["cnn_lstm", { channels: [4], hidden: 4, heads: 1, prefix_draws: 2 }],
    ["neural_ode", {
      latent_dim: 3,
      hidden: 8,
      encoder_hidden: 4,
      decoder_hidden: 4,
      solver: "rk4",
      prefix_draws: 2,
    }],
  ] as const
) {
  Deno.test(`${name}: whatever sits in a masked ICA slot, training and prediction are the same`, async () => {
    const fit = async (trainSet: SampleSet) => {
      const model = await createPlugin(await loadPlugin(name, "model"), options, {
        seed: 1,
        rng: createRng(1),
        log,
        cacheDir: "artifacts/cache",
      }, "model");
      await model.fit(trainSet, undefined, { rng: createRng(3), log, training, observe: { rpts: 3 } });
      return model;
    };
    const model = await fit(train);
    const base = (await model.predict(test)).y;
    assert.ok(base.every(Number.isFinite));
    for (const garbage of [1e6, -3.5, 0]) {
      assert.deepEqual((await model.predict(withGarbage(test, garbage))).y, base, `test slot = ${garbage}`);
    }
    const retrained = await fit(withGarbage(train, 42));
    assert.deepEqual((await retrained.predict(withGarbage(test, -7))).y, base, "training slots = 42");
    // The same garbage presented as measured (mask 1) is read, and changes the forecast.
    assert.notDeepEqual((await model.predict(withGarbage(test, 1e3, 1))).y, base);
  });
}
