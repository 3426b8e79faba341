/**
 * Contract suite every model plugin must pass, one check per method: fit on a small set reports a usable
 * result, predict gives the right shape with finite values, a refit with a fixed iteration count works,
 * state() gives values the core can write, restore() of them — through the same encoding as a run's
 * state files, in memory — gives bit-identical predictions, and the optional explain/importance give
 * finite values of the set's features.
 */
import { createPlugin, type LoadedPlugin } from "../core/loader.ts";
import type { Explanation, FitResult, PluginContext, Prediction } from "../core/plugin.ts";
import { decodePluginState, type EncodedState, encodePluginState, stampOf } from "../core/plugin_state.ts";
import { resolveTrainingSettings } from "../lib/training_settings.ts";
import { createRng } from "../core/rng.ts";
import { createSampleSet, padSequences, type SampleSet } from "../core/sample.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** A small tabular regression set: y = 1 − 0.02·x0 + 0.01·x1 over 4 cells. */
export function contractSampleSet(seed = 7, n = 64): SampleSet {
  const rng = createRng(seed);
  const x = new Float32Array(n * 2), y = new Float32Array(n);
  const cellKey: string[] = [], chamberC = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = rng.uniform() * 10;
    x[2 * i + 1] = rng.uniform() * 5;
    y[i] = 1 - 0.02 * x[2 * i] + 0.01 * x[2 * i + 1];
    cellKey.push(`c/${i % 4}`);
    chamberC[i] = [10, 25, 40, 25][i % 4];
  }
  return createSampleSet({
    featureNames: ["x0", "x1"],
    targetNames: ["soh"],
    x,
    y,
    meta: { cellKey, chamberC, rpt: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 4)) },
  });
}

/** Six short SOH sequences of unequal length (4–9 steps), one feature, with a missing target. */
export function contractSequenceSet(seed = 7, n = 6): SampleSet {
  const rng = createRng(seed);
  const seqs = Array.from({ length: n }, (_, i) => {
    const len = 4 + ((i * 5 + seed) % 6);
    const rate = 0.01 + 0.02 * rng.uniform();
    const t = Array.from({ length: len }, (_, s) => s * 0.1);
    const y = t.map((ti) => 1 - rate * 10 * ti);
    if (i === 0) y[2] = NaN; // a missing target must be masked, never zero-filled
    return {
      cellKey: `c/${i}`,
      chamberC: [10, 25, 40][i % 3],
      x: t.map((ti) => ti),
      y,
      t,
      rpt: t.map((_, s) => s),
    };
  });
  return padSequences(seqs, ["time"], ["soh"]);
}

/** Runs the model contract against a loaded definition with the given options. */
export async function modelContract(
  loaded: LoadedPlugin<"model">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const model = await createPlugin(loaded, options, ctx, "model");
  const tabular = model.accepts?.layouts?.includes("tabular") ?? false;
  const make = tabular ? contractSampleSet : contractSequenceSet;
  const train = make(1, tabular ? 64 : 6), val = make(2, tabular ? 16 : 3), test = make(3, tabular ? 16 : 4);
  const fitCtx = { rng: createRng(1), log: ctx.log, training: resolveTrainingSettings({ epochs: 5 }) };
  const stamp = stampOf(loaded.definition);
  let encoded: EncodedState | undefined;
  let fitResult: FitResult | undefined;
  let first: Prediction | undefined;
  const fitted = () => {
    expect(fitResult !== undefined, "the model was not fitted (fit() failed)");
    return model;
  };
  return await runChecks({
    "accepts: declares its sample layouts": () => {
      expect(
        Array.isArray(model.accepts?.layouts) && model.accepts.layouts.length > 0,
        "accepts.layouts is empty",
      );
    },
    "fit(): with validation, reports a usable result": async () => {
      const result = await model.fit(train, val, fitCtx);
      checkFitResult(result);
      fitResult = result;
    },
    "predict(): N·T·K values, finite where the mask says predicted": async () => {
      first = await fitted().predict(test);
      checkPrediction(first, test);
    },
    "fit(): a refit with fixed iterations and no validation predicts finite values": async () => {
      const again = await createPlugin(loaded, options, ctx, "model");
      checkFitResult(await again.fit(train, undefined, { ...fitCtx, iterations: 3 }));
      checkPrediction(await again.predict(test), test);
    },
    "state(): the fitted model as JSON values and typed arrays": async () => {
      const state = await fitted().state();
      expect(typeof state === "object" && state !== null, `state() gave ${state}, expected an object`);
      encoded = await encodePluginState(stamp, state);
    },
    "restore(): the state, written and read as a run does, gives identical predictions": async () => {
      expect(first !== undefined, "no predictions to compare (predict() failed)");
      expect(encoded !== undefined, "no state to restore (state() failed)");
      const restored = await createPlugin(loaded, options, ctx, "model");
      await restored.restore(await decodePluginState(encoded, stamp, "(in memory)/state.json"));
      const p = await restored.predict(test);
      expect(
        p.y.length === first.y.length && p.y.every((v, i) => Object.is(v, first!.y[i])),
        "predictions after restore() differ from the fitted model's",
      );
    },
    "explain() (optional): N·F finite attributions per target, named like the features": async () => {
      if (!model.explain) return;
      checkExplanation(await fitted().explain!(test, train), test);
    },
    "importance() (optional): finite values of known features": () => {
      if (!model.importance) return;
      const imp = fitted().importance!();
      for (const [name, v] of Object.entries(imp)) {
        expect(test.featureNames.includes(name), `importance names '${name}', not a feature`);
        expect(Number.isFinite(v), `importance of '${name}' is ${v}`);
      }
    },
  });
}

function checkFitResult(r: FitResult): void {
  expect(typeof r === "object" && r !== null, `fit() resolved to ${r}, expected a FitResult object`);
  for (const key of ["bestIteration", "optimizerSteps", "batchesPerEpoch", "stepsRun"] as const) {
    const v = r[key];
    expect(v === undefined || (Number.isInteger(v) && v >= 0), `fit() reports ${key} = ${v}`);
  }
  expect(
    r.validationLoss === undefined || Number.isFinite(r.validationLoss),
    `fit() reports validationLoss = ${r.validationLoss}`,
  );
}

function checkPrediction(p: Prediction, set: SampleSet): void {
  const shape = [set.n, set.steps, set.targetNames.length];
  expect(p.yShape?.join() === shape.join(), `yShape is [${p.yShape}], expected [${shape}]`);
  const size = shape[0] * shape[1] * shape[2];
  expect(
    p.y.length === size && p.mask.length === size,
    `y/mask have ${p.y.length}/${p.mask.length} values, expected ${size}`,
  );
  expect(p.mask.some((m) => m !== 0), "nothing is predicted: the mask is all zero");
  const bad = p.y.findIndex((v, i) => p.mask[i] !== 0 && !Number.isFinite(v));
  expect(bad < 0, `predicted value ${bad} is ${p.y[bad]}`);
}

function checkExplanation(e: Explanation, set: SampleSet): void {
  expect(
    e.featureNames.join() === set.featureNames.join(),
    `explain() names features [${e.featureNames}], the set has [${set.featureNames}]`,
  );
  const size = set.n * set.featureNames.length;
  for (const target of set.targetNames) {
    const v = e.values[target];
    expect(v !== undefined, `explain() gives no values for target '${target}'`);
    expect(v.length === size, `explain() gives ${v.length} values for '${target}', expected N·F = ${size}`);
    expect(v.every(Number.isFinite), `explain() gives a non-finite value for '${target}'`);
    expect(Number.isFinite(e.base[target]), `explain() base of '${target}' is ${e.base[target]}`);
  }
}
