import assert from "node:assert/strict";
import { createLogger } from "../../../core/log.ts";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { runContract } from "../../../testing/mod.ts";
import { createRng } from "../../../core/rng.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { restrictToCells } from "../../../core/view.ts";
import { IN_CI, peerHas, REAL_DATA, runPeerPython } from "../../fixtures/env.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";

const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
const fitCtx = { rng: createRng(1), log: ctx.log, training: resolveTrainingSettings() };
const hasNumpy = await peerHas("numpy");

Deno.test("linear passes the model contract suite", async () => {
  const results = await runContract(await loadPlugin("linear", "model"));
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
});

const NUMPY_LSTSQ = `
import json, sys, numpy as np
d = json.load(sys.stdin)
X = np.array(d["xtrain"]); y = np.array(d["ytrain"]); Xt = np.array(d["xtest"])
mx = X.mean(axis=0); my = y.mean()
beta = np.linalg.lstsq(X - mx, y - my, rcond=None)[0]
print(json.dumps({"pred": ((Xt - mx) @ beta + my).tolist()}))
`;

function rows(set: SampleSet): number[][] {
  const F = set.featureNames.length;
  return Array.from({ length: set.n }, (_, i) => Array.from(set.x.subarray(i * F, (i + 1) * F)));
}

Deno.test({
  name:
    "linear (α = 0) equals numpy's least squares on the real Expt 1 summary features, temperature holdout",
  ignore: !hasNumpy && !IN_CI,
  async fn() {
    const data = await createPlugin(
      await loadPlugin("m50t", "dataset"),
      { root: REAL_DATA, experiment: "1" },
      ctx,
      "data",
    );
    const cells = await data.cells();
    const train = cells.filter((c) => c.chamberC !== 25).map((c) => c.cellKey);
    const test = cells.filter((c) => c.chamberC === 25).map((c) => c.cellKey);
    const pipeline = await createPlugin(await loadPlugin("summary_set", "pipeline"), {}, ctx, "pipeline");
    const fitted = await pipeline.fit(restrictToCells(data, train));
    const trainSet = await fitted.transform(restrictToCells(data, train));
    const testSet = await fitted.transform(restrictToCells(data, test));
    const model = await createPlugin(
      await loadPlugin("linear", "model"),
      { alpha: 0, standardize: false },
      ctx,
      "model",
    );
    await model.fit(trainSet, undefined, fitCtx);
    const ours = (await model.predict(testSet)).y;
    const peer = await runPeerPython(NUMPY_LSTSQ, {
      xtrain: rows(trainSet),
      ytrain: Array.from(trainSet.y),
      xtest: rows(testSet),
    }) as { pred: number[] };
    assert.equal(ours.length, peer.pred.length);
    const worst = Math.max(...peer.pred.map((p, i) => Math.abs(p - ours[i])));
    assert.ok(worst < 1e-6, `max |ours − numpy| = ${worst}`);
  },
});

Deno.test("missing features are refused with the feature and cell named", async () => {
  const model = await createPlugin(await loadPlugin("linear", "model"), {}, ctx, "model");
  const { createSampleSet } = await import("../../../core/sample.ts");
  const set = createSampleSet({
    featureNames: ["r"],
    targetNames: ["soh"],
    x: Float32Array.of(1, NaN),
    y: Float32Array.of(1, 1),
    meta: { cellKey: ["a/1", "a/2"], chamberC: Float64Array.of(10, 10) },
  }, { allowMissingFeatures: true });
  await assert.rejects(
    model.fit(set, undefined, fitCtx),
    /feature 'r' is missing \(NaN\).*cell a\/2.*model\.missing=impute/,
  );
});

/** Six training rows: y = 1 + 2a where `a` is measured, y = 10 where it is missing; `b` is noise-free 0/1. */
async function gappedSet(a: number[], y: number[]) {
  const { createSampleSet } = await import("../../../core/sample.ts");
  const b = a.map((_, i) => i % 2);
  return createSampleSet({
    featureNames: ["a", "b"],
    targetNames: ["soh"],
    x: Float32Array.from(a.flatMap((v, i) => [v, b[i]])),
    y: Float32Array.from(y),
    meta: { cellKey: a.map((_, i) => `c/${i}`), chamberC: new Float64Array(a.length).fill(25) },
  }, { allowMissingFeatures: true });
}

Deno.test("missing: impute fills with the training mean and learns the indicator's effect (closed form)", async () => {
  // Design [a filled with mean(1,2,4,6) = 3.25, b, 1{a missing}]: an exact fit exists, y = 1 + 2a + 0b +
  // 2.5·1{missing} (10 = 1 + 2·3.25 + 2.5), so least squares (α = 0) recovers it and predicts it anywhere.
  const a = [1, 2, NaN, 4, NaN, 6];
  const train = await gappedSet(a, a.map((v) => Number.isNaN(v) ? 10 : 1 + 2 * v));
  const model = await createPlugin(
    await loadPlugin("linear", "model"),
    { alpha: 0, missing: "impute" },
    ctx,
    "model",
  );
  await model.fit(train, undefined, fitCtx);
  const test = await gappedSet([NaN, 5, 0], [0, 0, 0]);
  const expected = [10, 11, 1];
  const p = await model.predict(test);
  expected.forEach((e, i) => assert.ok(Math.abs(p.y[i] - e) < 1e-5, `row ${i}: ${p.y[i]} vs ${e}`));
  const state = await model.state!();
  assert.deepEqual((state as { fill: number[] }).fill.map((v) => Math.fround(v)), [Math.fround(3.25), 0.5]);
  assert.deepEqual((state as { indicators: number[] }).indicators, [0]);
  // The state restores into a fresh instance and predicts the same; the indicator shows in importance.
  const again = await createPlugin(await loadPlugin("linear", "model"), { missing: "impute" }, ctx, "model");
  await again.restore!(structuredClone(state));
  assert.deepEqual(Array.from((await again.predict(test)).y), Array.from(p.y));
  assert.ok("a_missing" in again.importance!());
  // Without imputation the same data is refused (Inf never reaches a model: a SampleSet refuses it).
  const plain = await createPlugin(await loadPlugin("linear", "model"), {}, ctx, "model");
  await assert.rejects(plain.fit(train, undefined, fitCtx), /model\.missing=impute/);
});
