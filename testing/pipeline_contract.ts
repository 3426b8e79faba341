/**
 * Contract suite for pipeline plugins, run on the built-in synthetic LG M50T dataset (Expt 5, with
 * 0.1C curves), one check per method: `fit` reads only the training View; `transform` gives valid samples
 * in the declared layout, and a cell's samples do not depend on which other cells are transformed with it;
 * `state()` gives values the core can write; `restore()` of them (through the same encoding as a run's state
 * files, in memory) reproduces the transform.
 */
import { createPlugin, type LoadedPlugin, loadPlugin } from "../core/loader.ts";
import type { DatasetInstance, FittedPipeline, PluginContext } from "../core/plugin.ts";
import { decodePluginState, type EncodedState, encodePluginState, stampOf } from "../core/plugin_state.ts";
import { indicesOfCells, type SampleSet, selectSamples } from "../core/sample.ts";
import { restrictToCells } from "../core/view.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** The synthetic dataset pipelines are checked on (generated once into the cache). */
export async function contractDataset(ctx: PluginContext): Promise<DatasetInstance> {
  const m50t = await loadPlugin("m50t", "dataset");
  return await createPlugin(m50t, { experiment: "5", synthetic: { seed: 7, curves: true } }, ctx, "data");
}

function sameSamples(a: SampleSet, b: SampleSet): boolean {
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  return a.n === b.n && a.steps === b.steps && a.featureNames.join() === b.featureNames.join() &&
    eq(a.x, b.x) && eq(a.y, b.y) && eq(a.yMask, b.yMask) && eq(a.t, b.t) && eq(a.lengths, b.lengths) &&
    a.meta.cellKey.join() === b.meta.cellKey.join();
}

/** Runs the pipeline contract. */
export async function pipelineContract(
  loaded: LoadedPlugin<"pipeline">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const data = await contractDataset(ctx);
  const cells = (await data.cells()).map((c) => c.cellKey);
  const train = cells.slice(0, 5), test = cells.slice(5, 7);
  const pipeline = await createPlugin(loaded, options, ctx, "pipeline");
  const stamp = stampOf(loaded.definition);
  let encoded: EncodedState | undefined;
  let fitted: FittedPipeline | undefined;
  let together: SampleSet | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    expect(v !== undefined, `no ${what} to check (an earlier check failed)`);
    return v;
  };
  return await runChecks({
    "fit(): reads only the training View and returns a fitted pipeline": async () => {
      const f = await pipeline.fit(restrictToCells(data, train));
      expect(
        typeof f?.transform === "function" && typeof f?.state === "function",
        "fit() did not return an object with transform() and state()",
      );
      fitted = f;
    },
    "transform(): valid samples of the view's cells, in the declared layout": async () => {
      together = await need(fitted, "fitted pipeline").transform(restrictToCells(data, test));
      expect(together.n > 0, "no samples for the test cells");
      expect(
        pipeline.produces === "tabular" ? together.steps === 1 : together.steps >= 1,
        `layout ${pipeline.produces}, T = ${together.steps}`,
      );
      expect(together.meta.cellKey.every((k) => test.includes(k)), "samples of cells outside the view");
    },
    "transform(): a cell's samples do not depend on the other cells transformed with it": async () => {
      const all = need(together, "samples");
      for (const cell of test) {
        const alone = await fitted!.transform(restrictToCells(data, [cell]));
        const part = selectSamples(all, indicesOfCells(all, [cell]));
        expect(sameSamples(alone, part), `cell ${cell}: samples differ alone vs with ${test.join(", ")}`);
      }
    },
    "state(): the fitted pipeline as JSON values and typed arrays": async () => {
      const state = await need(fitted, "fitted pipeline").state();
      expect(typeof state === "object" && state !== null, `state() gave ${state}, expected an object`);
      encoded = await encodePluginState(stamp, state);
    },
    "restore(): the state, written and read as a run does, reproduces the transform": async () => {
      const expected = need(together, "samples");
      const state = await decodePluginState(need(encoded, "state"), stamp, "(in memory)/state.json");
      const restored = await pipeline.restore(state);
      expect(
        sameSamples(await restored.transform(restrictToCells(data, test)), expected),
        "samples after restore() differ from the fitted pipeline's",
      );
    },
  });
}
