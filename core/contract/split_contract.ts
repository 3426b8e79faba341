/** Contract suite for split plugins: folds are disjoint by cell, cover known cells, and are seeded. */
import { createPlugin, type LoadedPlugin } from "../loader.ts";
import type { CellInfo, PluginContext } from "../plugin.ts";
import { createRng } from "../rng.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** Nine cells over three chamber temperatures and two experiments. */
export function contractCells(): CellInfo[] {
  const temps = [10, 10, 10, 25, 25, 25, 40, 40, 40];
  return temps.map((chamberC, i) => ({
    cellKey: `${i < 5 ? "1" : "5"}/${String.fromCharCode(65 + i)}`,
    experiment: i < 5 ? "1" : "5",
    cell: String.fromCharCode(65 + i),
    chamberC,
    metadata: {},
  }));
}

/** Runs the split contract. */
export async function splitContract(
  loaded: LoadedPlugin<"split">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const split = await createPlugin(loaded, options, ctx, "split");
  const cells = contractCells();
  const known = new Set(cells.map((c) => c.cellKey));
  return await runChecks({
    "folds(): known cells, test disjoint from train and val": async () => {
      const folds = await split.folds(cells, createRng(1));
      expect(folds.length > 0, "no folds");
      for (const f of folds) {
        const all = [...f.train, ...f.val, ...f.test];
        expect(all.every((k) => known.has(k)), `fold ${f.name} names an unknown cell`);
        const fit = new Set([...f.train, ...f.val]);
        expect(f.test.every((k) => !fit.has(k)), `fold ${f.name} tests on a training cell`);
        expect(f.val.every((k) => !f.train.includes(k)), `fold ${f.name} validates on a training cell`);
        expect(f.test.length > 0 && f.train.length > 0, `fold ${f.name} has an empty train or test set`);
      }
    },
    "folds(): the same seed gives the same folds": async () => {
      const a = JSON.stringify(await split.folds(cells, createRng(5)));
      const b = JSON.stringify(await split.folds(cells, createRng(5)));
      expect(a === b, "folds differ for the same seed");
    },
  });
}
