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
  await assert.rejects(model.fit(set, undefined, fitCtx), /feature 'r' is missing \(NaN\).*cell a\/2/);
});
