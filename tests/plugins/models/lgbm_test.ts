import nodeAssert from "node:assert/strict";
import lgbm, { lgbmOptions } from "../../../plugins/models/lgbm.ts";
import {
  definitionProblems,
  type FitContext,
  instanceProblems,
  type PluginContext,
} from "../../../core/plugin.ts";
import { createSampleSet, type SampleSet } from "../../../core/sample.ts";
import { createRng } from "../../../core/rng.ts";
import { boosterFromJson, type BoosterJson } from "../../../lib/gbdt/mod.ts";
import { progressRecorder } from "../../fixtures/progress_recorder.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

const quiet = { info() {}, warn() {}, debug() {} };

function pluginContext(): PluginContext {
  return { seed: 1, rng: createRng(1), log: quiet, cacheDir: "artifacts/cache" };
}

function fitContext(extra: Partial<FitContext> = {}): FitContext {
  return { rng: createRng(2), log: quiet, training: resolveTrainingSettings(), ...extra };
}

/** Two targets: a = 3·x0 + x1², b = step on x1 (masked on every 4th sample); x2 is noise. */
function samples(n: number, seed: number): SampleSet {
  const rng = createRng(seed);
  const f = 3,
    x = new Float32Array(n * f),
    y = new Float32Array(n * 2),
    yMask = new Uint8Array(n * 2).fill(1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) x[i * f + j] = rng.uniform();
    y[i * 2] = 3 * x[i * f] + x[i * f + 1] ** 2 + 0.05 * rng.normal();
    y[i * 2 + 1] = x[i * f + 1] > 0.5 ? 1 : 0;
    if (i % 4 === 0) {
      y[i * 2 + 1] = 1e6; // must never be read: the target is masked here
      yMask[i * 2 + 1] = 0;
    }
  }
  return createSampleSet({
    featureNames: ["x0", "x1", "noise"],
    targetNames: ["a", "b"],
    x,
    y,
    yMask,
    meta: {
      cellKey: Array.from({ length: n }, (_, i) => `1/${"ABCD"[i % 4]}`),
      chamberC: new Float64Array(n).fill(25),
    },
  });
}

async function create(options: Record<string, unknown>) {
  const parsed = lgbmOptions.parse(options);
  return await lgbm.create(parsed, pluginContext());
}

Deno.test("lgbm plugin: a valid model definition defaulted like LightGBM", () => {
  nodeAssert.deepEqual(definitionProblems(lgbm), []);
  const defaults = lgbmOptions.parse({});
  // LightGBM's documented defaults (Parameters page: learning_rate 0.1, early_stopping_round 0 = off, …).
  nodeAssert.deepEqual(defaults, {
    num_iterations: 100,
    learning_rate: 0.1,
    num_leaves: 31,
    max_depth: -1,
    min_data_in_leaf: 20,
    min_sum_hessian_in_leaf: 1e-3,
    lambda_l1: 0,
    lambda_l2: 0,
    min_gain_to_split: 0,
    feature_fraction: 1,
    bagging_fraction: 1,
    bagging_freq: 0,
    max_bin: 255,
    min_data_in_bin: 3,
    early_stopping_round: 0,
    objective: "regression",
  });
  nodeAssert.equal(lgbmOptions.safeParse({ num_leaves: 1 }).success, false);
  nodeAssert.equal(lgbmOptions.safeParse({ max_bin: 300 }).success, false);
  nodeAssert.equal(lgbmOptions.safeParse({ numLeaves: 8 }).success, false, "unknown keys are rejected");
});

Deno.test("lgbm plugin: fit with early stopping, predict, importance, save → load", async () => {
  const model = await create({
    num_iterations: 400,
    learning_rate: 0.2,
    num_leaves: 8,
    min_data_in_leaf: 5,
    early_stopping_round: 20,
  });
  nodeAssert.deepEqual(instanceProblems("model", model), []);
  nodeAssert.deepEqual(model.accepts, { layouts: ["tabular"], loss: false });
  const train = samples(300, 3), val = samples(150, 4), test = samples(100, 5);
  const logged: Array<[Record<string, number>, number]> = [];
  const result = await model.fit(
    train,
    val,
    fitContext({ metrics: (v, step) => void logged.push([v, step]) }),
  );
  nodeAssert.ok(result.bestIteration! > 0 && result.bestIteration! < 400, `best ${result.bestIteration}`);
  nodeAssert.ok(logged.length > 0 && logged.every(([, step]) => step % 10 === 0));
  nodeAssert.ok("train_rmse/a" in logged[0][0] && "val_rmse/a" in logged[0][0]);

  const pred = await model.predict(test);
  nodeAssert.deepEqual(pred.yShape, [100, 1, 2]);
  nodeAssert.ok(pred.mask.every((m) => m === 1));
  let se = 0;
  for (let i = 0; i < 100; i++) se += (pred.y[i * 2] - test.y[i * 2]) ** 2;
  nodeAssert.ok(Math.sqrt(se / 100) < 0.2, `target a RMSE ${Math.sqrt(se / 100)}`);
  // Target b never saw the masked 1e6 values: predictions stay within [0, 1].
  for (let i = 0; i < 100; i++) nodeAssert.ok(pred.y[i * 2 + 1] > -0.2 && pred.y[i * 2 + 1] < 1.2);

  const gain = model.importance!();
  nodeAssert.deepEqual(Object.keys(gain), ["x0", "x1", "noise"]);
  nodeAssert.ok(gain.x0 > gain.noise && gain.x1 > gain.noise);

  const restored = await create({});
  await restored.restore(await throughFiles(lgbm, await model.state()));
  nodeAssert.deepEqual(Array.from((await restored.predict(test)).y), Array.from(pred.y));
  nodeAssert.deepEqual(restored.importance!(), gain);
});

Deno.test("lgbm plugin: ctx.iterations trains exactly that many rounds (refit)", async () => {
  const model = await create({ num_iterations: 400, early_stopping_round: 5, min_data_in_leaf: 5 });
  const result = await model.fit(samples(200, 6), samples(100, 7), fitContext({ iterations: 12 }));
  nodeAssert.equal(result.bestIteration, 12);
  const saved = await model.state() as unknown as { boosters: BoosterJson[] };
  nodeAssert.ok(saved.boosters.every((b) => b.trees.length === 12));
});

Deno.test("lgbm plugin: rejects sequences and mismatched features", async () => {
  const model = await create({ num_iterations: 3, min_data_in_leaf: 2 });
  const seq = createSampleSet({
    featureNames: ["x0"],
    targetNames: ["a"],
    steps: 2,
    x: new Float32Array(4),
    y: new Float32Array(4),
    meta: { cellKey: ["1/A", "1/B"], chamberC: new Float64Array(2) },
  });
  await nodeAssert.rejects(model.fit(seq, undefined, fitContext()), /tabular/);
  await model.fit(samples(50, 8), undefined, fitContext());
  const other = { ...samples(10, 9), featureNames: ["x0", "x1", "other"] };
  await nodeAssert.rejects(model.predict(other), /features/);
});

Deno.test("lgbm plugin: explain gives TreeSHAP values per target with Σφ + base = the float64 prediction", async () => {
  const model = await create({ num_iterations: 30, learning_rate: 0.2, num_leaves: 8, min_data_in_leaf: 5 });
  const train = samples(200, 11);
  // NaN in training for x2 (learned default direction) …
  for (let i = 0; i < train.n; i += 9) train.x[i * 3 + 2] = NaN;
  await model.fit(train, undefined, fitContext());
  const test = samples(40, 12);
  // … and at explain time for x0 too, which had none in training (routed as 0).
  for (let i = 0; i < test.n; i += 5) test.x[i * 3] = NaN;
  for (let i = 2; i < test.n; i += 7) test.x[i * 3 + 2] = NaN;
  const explanation = await model.explain!(test, train);
  nodeAssert.deepEqual(explanation.featureNames, ["x0", "x1", "noise"]);
  nodeAssert.deepEqual(Object.keys(explanation.values), ["a", "b"]);

  // Float64 predictions of the same boosters, through the saved model (predict() rounds to float32).
  {
    const saved = await throughFiles(lgbm, await model.state()) as unknown as { boosters: BoosterJson[] };
    const rows = { rows: test.n, cols: 3, values: Float64Array.from(test.x) };
    const float32 = (await model.predict(test)).y;
    ["a", "b"].forEach((target, k) => {
      const exact = boosterFromJson(saved.boosters[k]).predict(rows);
      const phi = explanation.values[target];
      nodeAssert.equal(phi.length, test.n * 3);
      for (let i = 0; i < test.n; i++) {
        const sum = explanation.base[target] + phi[i * 3] + phi[i * 3 + 1] + phi[i * 3 + 2];
        nodeAssert.ok(Math.abs(sum - exact[i]) <= 1e-9, `${target} row ${i}: ${sum} vs ${exact[i]}`);
        nodeAssert.ok(Math.abs(exact[i] - float32[i * 2 + k]) <= 1e-6 * Math.max(1, Math.abs(exact[i])));
      }
    });
  }
  // The noise feature matters least for target a.
  const meanAbs = (j: number) => {
    let s = 0;
    for (let i = 0; i < test.n; i++) s += Math.abs(explanation.values.a[i * 3 + j]);
    return s / test.n;
  };
  nodeAssert.ok(meanAbs(0) > meanAbs(2), `|φ| x0 ${meanAbs(0)} vs noise ${meanAbs(2)}`);
  const other = { ...samples(5, 13), featureNames: ["x0", "x1", "other"] };
  await nodeAssert.rejects(model.explain!(other, train), /features/);
});

Deno.test("lgbm plugin: each target's boosting rounds are reported to the fit's progress sink", async () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => ({ done: i + 1, status: undefined }));
  // Refit: exactly 12 rounds per target, one line per target.
  const refit = progressRecorder();
  const model = await create({ num_iterations: 400, min_data_in_leaf: 5 });
  await model.fit(
    samples(200, 6),
    undefined,
    fitContext({ iterations: 12, label: "f/refit", progress: refit }),
  );
  nodeAssert.deepEqual(refit.tasks.map((t) => [t.label, t.total, t.options.unit]), [
    ["lgbm f/refit a", 12, "rounds"],
    ["lgbm f/refit b", 12, "rounds"],
  ]);
  for (const t of refit.tasks) {
    nodeAssert.deepEqual(t.updates, range(12));
    nodeAssert.deepEqual(t.finished, [{ status: "best iteration 12" }]);
  }
  // Early stopping: the line ends `early_stopping_round` (5) rounds after the best one, out of 400.
  const inner = progressRecorder();
  await (await create({ num_iterations: 400, early_stopping_round: 5, min_data_in_leaf: 5 }))
    .fit(samples(200, 6), samples(100, 7), fitContext({ progress: inner }));
  for (const t of inner.tasks) {
    nodeAssert.equal(t.total, 400);
    const rounds = t.updates.length;
    nodeAssert.deepEqual(t.updates, range(rounds));
    const best = Number(/^best iteration (\d+) · stopped early$/.exec(t.finished[0].status ?? "")?.[1]);
    nodeAssert.equal(rounds, best + 5, `${t.label}: ${rounds} rounds, ${t.finished[0].status}`);
  }
});
