/**
 * `random_by_cell`: a seeded random fraction of the cells is the test set; whole cells only, so no cell's
 * rows are on both sides. At least one cell is tested and at least one trained on.
 */
import { z } from "zod";
import { DataError, defineSplit } from "../../mod.ts";

/** Options of random_by_cell. */
export const randomByCellOptions = z.object({
  test_fraction: z.number().gt(0).lt(1).default(0.2),
}).strict();

/** Parsed options of random_by_cell. */
export type RandomByCellOptions = z.infer<typeof randomByCellOptions>;

const definition = defineSplit<RandomByCellOptions>({
  kind: "split",
  name: "random_by_cell",
  version: "0.1.0",
  apiVersion: 1,
  description: "A seeded random fraction of whole cells as the test set",
  options: randomByCellOptions,
  create(o) {
    return {
      folds(cells, rng) {
        if (cells.length < 2) {
          throw new DataError("too few cells to split", {
            expected: "at least 2 cells",
            found: `${cells.length}`,
          });
        }
        const sorted = [...cells].sort((a, b) => a.cellKey.localeCompare(b.cellKey));
        const nTest = Math.min(cells.length - 1, Math.max(1, Math.round(o.test_fraction * cells.length)));
        const testKeys = new Set(rng.fork("test").sample(sorted.map((c) => c.cellKey), nTest));
        const keys = sorted.map((c) => c.cellKey);
        // The test cells come from the "test" child stream, the core's validation draw from "val".
        return [{
          name: "random_by_cell",
          train: keys.filter((k) => !testKeys.has(k)),
          test: keys.filter((k) => testKeys.has(k)),
          valStream: "val",
        }];
      },
    };
  },
});

export default definition;
