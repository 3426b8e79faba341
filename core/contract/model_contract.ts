/**
 * Contract suite every model plugin must pass: fit on a small tabular set, predict the right shape with
 * finite values, refit with a fixed iteration count, and identical predictions after save → load.
 */
import { createPlugin, type LoadedPlugin } from "../loader.ts";
import type { PluginContext } from "../plugin.ts";
import { resolveTrainingSettings } from "../../lib/nn/training_settings.ts";
import { createRng } from "../rng.ts";
import { createSampleSet, padSequences, type SampleSet } from "../sample.ts";
import { type CheckResult, expect, runChecks, scratchDir } from "./checks.ts";

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
  let first: Float32Array | undefined;
  const fitCtx = { rng: createRng(1), log: ctx.log, training: resolveTrainingSettings({ epochs: 5 }) };
  return await runChecks({
    "declares accepted layouts": () => {
      expect(
        Array.isArray(model.accepts?.layouts) && model.accepts.layouts.length > 0,
        "accepts.layouts is empty",
      );
    },
    "fit then predict gives N·T·K finite values": async () => {
      await model.fit(train, val, fitCtx);
      const p = await model.predict(test);
      const shape = [test.n, test.steps, 1];
      expect(p.yShape.join() === shape.join(), `yShape is [${p.yShape}], expected [${shape}]`);
      expect(
        p.y.length === test.n * test.steps && p.mask.length === p.y.length,
        "y/mask length differ from N·T·K",
      );
      expect(p.y.every((v, i) => !p.mask[i] || Number.isFinite(v)), "a predicted value is not finite");
      first = p.y;
    },
    "refit with fixed iterations works without validation": async () => {
      const again = await createPlugin(loaded, options, ctx, "model");
      await again.fit(train, undefined, { ...fitCtx, iterations: 3 });
      const p = await again.predict(test);
      expect(p.y.every((v, i) => !p.mask[i] || Number.isFinite(v)), "refit predictions are not finite");
    },
    "save → load gives identical predictions": async () => {
      if (!first) return;
      const dir = await scratchDir(ctx);
      try {
        await model.save(dir);
        const loadedModel = await createPlugin(loaded, options, ctx, "model");
        await loadedModel.load(dir);
        const p = await loadedModel.predict(test);
        expect(
          p.y.every((v, i) => Object.is(v, first![i])),
          "predictions after load differ from before save",
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
