import { assert, assertEquals, assertThrows } from "./assert.ts";
import { boosterFromJson, boosterToJson, trainGbdt } from "../../../lib/gbdt/mod.ts";
import { friedman, rmse } from "./fixtures.ts";

const sampled = {
  num_iterations: 15,
  num_leaves: 8,
  min_data_in_leaf: 5,
  bagging_fraction: 0.6,
  bagging_freq: 2,
  feature_fraction: 0.5,
};

Deno.test("booster: same seed → identical model with bagging and feature_fraction; other seed differs", () => {
  const data = friedman(300, 3);
  const a = trainGbdt(data, { ...sampled, seed: 7 }).predict(data.x);
  const b = trainGbdt(data, { ...sampled, seed: 7 }).predict(data.x);
  const c = trainGbdt(data, { ...sampled, seed: 8 }).predict(data.x);
  assertEquals(Array.from(a), Array.from(b));
  assert(a.some((v, i) => v !== c[i]), "a different seed should give a different model");
});

Deno.test("booster: a caller-supplied random source drives sampling", () => {
  const data = friedman(300, 3);
  const draws = (seed: number) => {
    let s = seed;
    return () => (s = (s * 16807) % 2147483647) / 2147483647;
  };
  const a = trainGbdt(data, sampled, { random: draws(5) }).predict(data.x);
  const b = trainGbdt(data, sampled, { random: draws(5) }).predict(data.x);
  assertEquals(Array.from(a), Array.from(b));
});

Deno.test("booster: bagging still scores out-of-bag rows (training predictions = predict())", () => {
  const data = friedman(300, 4);
  const trained: number[] = [];
  const booster = trainGbdt(data, { ...sampled, num_iterations: 10 }, {
    wantMetrics: () => true,
    onIteration: (info) => trained.push(info.trainMetric!),
  });
  const last = trained[trained.length - 1];
  const expected = rmse(booster.predict(data.x), data.y);
  // Training uses the labels in float32 (LightGBM's label type): agreement to float32 precision.
  assert(Math.abs(last - expected) < 1e-6 * expected, `train rmse ${last} vs recomputed ${expected}`);
});

Deno.test("booster: save → JSON text → load gives identical predictions, NaN included", () => {
  const data = friedman(300, 5);
  for (let i = 0; i < 300; i += 7) data.x.values[i * 10 + 2] = NaN;
  const booster = trainGbdt(data, { num_iterations: 20, num_leaves: 6, min_data_in_leaf: 3 });
  const loaded = boosterFromJson(JSON.parse(JSON.stringify(boosterToJson(booster))));
  const test = friedman(100, 6);
  test.x.values[5] = NaN;
  test.x.values[12] = Infinity;
  assertEquals(Array.from(loaded.predict(test.x)), Array.from(booster.predict(test.x)));
  assertEquals(Array.from(loaded.predict(test.x, 4)), Array.from(booster.predict(test.x, 4)));
  assertEquals(Array.from(loaded.featureImportance()), Array.from(booster.featureImportance()));
  assertThrows(() => boosterFromJson({ format: "other" }), /batteryml-gbdt/);
});

Deno.test("booster: early stopping keeps the iteration with the best validation score", () => {
  const train = friedman(200, 7, 10, 3), valid = friedman(200, 8, 10, 3);
  const rounds = 300, patience = 10;
  const booster = trainGbdt(train, {
    num_iterations: rounds,
    learning_rate: 0.3,
    num_leaves: 16,
    min_data_in_leaf: 2,
    early_stopping_round: patience,
  }, { valid });
  assert(booster.bestIteration > 0 && booster.trees.length < rounds, "noisy data should stop early");
  assertEquals(booster.trees.length, booster.bestIteration + patience);
  const scores = Array.from(
    { length: booster.trees.length },
    (_, k) => rmse(booster.predict(valid.x, k + 1), valid.y),
  );
  const argmin = scores.indexOf(Math.min(...scores)) + 1;
  assertEquals(booster.bestIteration, argmin);
  assertEquals(Array.from(booster.predict(valid.x)), Array.from(booster.predict(valid.x, argmin)));
});

Deno.test("booster: predict with fewer iterations uses only the first trees", () => {
  const data = friedman(200, 9);
  const booster = trainGbdt(data, { num_iterations: 10, min_data_in_leaf: 5 });
  const zero = booster.predict(data.x, 0);
  assert(zero.every((v) => v === booster.initScore));
  const errors = [1, 5, 10].map((k) => rmse(booster.predict(data.x, k), data.y));
  assert(errors[0] > errors[1] && errors[1] > errors[2], `training error should fall: ${errors}`);
});

Deno.test("booster: informative features get the gain importance", () => {
  const data = friedman(500, 10);
  const gain = trainGbdt(data, { num_iterations: 30, min_data_in_leaf: 5 }).featureImportance("gain");
  const informative = gain.slice(0, 5).reduce((a, b) => a + b, 0);
  const noise = gain.slice(5).reduce((a, b) => a + b, 0);
  assert(informative > 10 * noise, `gain on x0..x4 ${informative}, on noise ${noise}`);
});
