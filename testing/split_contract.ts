/** Contract suite for split plugins: folds hold known cells, never test a training cell, leave `val` to the core, and are seeded. */
import { withInnerValidation } from "../core/inner_validation.ts";
import { createPlugin, type LoadedPlugin } from "../core/loader.ts";
import type { CellInfo, PluginContext } from "../core/plugin.ts";
import { createRng } from "../core/rng.ts";
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
  return await runChecks({
    "folds(): { name, train, test } of known cells, test disjoint from train (the run's own check)":
      async () => {
        const folds = await split.folds(cells, createRng(1));
        for (const f of withInnerValidation(folds, cells, () => createRng(1), 1)) {
          expect(f.val.every((k) => !f.test.includes(k)), `fold ${f.name} validates on a test cell`);
        }
      },
    "folds(): the same seed gives the same folds": async () => {
      const a = JSON.stringify(await split.folds(cells, createRng(5)));
      const b = JSON.stringify(await split.folds(cells, createRng(5)));
      expect(a === b, "folds differ for the same seed");
    },
  });
}
