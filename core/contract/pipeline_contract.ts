/**
 * Contract suite for pipeline plugins, run on the built-in synthetic LG M50T dataset (Expt 5, with
 * 0.1C curves): fit on training cells only; a cell's samples do not depend on which other cells are
 * transformed with it; save → load reproduces the transform; the layout matches what it declares.
 */
import { createPlugin, type LoadedPlugin, loadPlugin } from "../loader.ts";
import type { DatasetInstance, PluginContext } from "../plugin.ts";
import { indicesOfCells, type SampleSet, selectSamples } from "../sample.ts";
import { restrictToCells } from "../view.ts";
import { type CheckResult, expect, runChecks, scratchDir } from "./checks.ts";

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
  const fitted = await pipeline.fit(restrictToCells(data, train));
  const together = await fitted.transform(restrictToCells(data, test));
  return await runChecks({
    "samples are valid and match the declared layout": () => {
      expect(together.n > 0, "no samples for the test cells");
      expect(
        pipeline.produces === "tabular" ? together.steps === 1 : together.steps >= 1,
        `layout ${pipeline.produces}, T = ${together.steps}`,
      );
      expect(together.meta.cellKey.every((k) => test.includes(k)), "samples of cells outside the view");
    },
    "a cell's samples do not depend on the other cells transformed with it": async () => {
      for (const cell of test) {
        const alone = await fitted.transform(restrictToCells(data, [cell]));
        const part = selectSamples(together, indicesOfCells(together, [cell]));
        expect(sameSamples(alone, part), `cell ${cell}: samples differ alone vs with ${test.join(", ")}`);
      }
    },
    "save → load reproduces the transform": async () => {
      const dir = await scratchDir(ctx);
      try {
        await fitted.save(dir);
        const reloaded = await pipeline.load(dir);
        expect(
          sameSamples(await reloaded.transform(restrictToCells(data, test)), together),
          "samples differ after load",
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
