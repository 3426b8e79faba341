/**
 * `cross_experiment`: train on the cells of some experiments, test on others (e.g. train Expt 1, test
 * Expt 5) — does a model transfer across ageing protocols? One fold.
 */
import { z } from "zod";
import { DataError, defineSplit } from "../../mod.ts";
import type { CellInfo } from "../../mod.ts";

/** Options of cross_experiment. */
export const crossExperimentOptions = z.object({
  train: z.array(z.string().min(1)).min(1),
  test: z.array(z.string().min(1)).min(1),
}).strict().refine((o) => !o.train.some((e) => o.test.includes(e)), {
  message: "an experiment cannot be in both train and test",
  path: ["test"],
});

/** Parsed options of cross_experiment. */
export type CrossExperimentOptions = z.infer<typeof crossExperimentOptions>;

const definition = defineSplit<CrossExperimentOptions>({
  kind: "split",
  name: "cross_experiment",
  version: "0.1.0",
  apiVersion: 1,
  description: "Train on some experiments' cells, test on others'",
  options: crossExperimentOptions,
  create(o) {
    return {
      folds(cells) {
        const pool = cells.filter((c) => o.train.includes(c.experiment));
        const test = cells.filter((c) => o.test.includes(c.experiment));
        const found = [...new Set(cells.map((c) => c.experiment))].join(", ") || "none";
        if (pool.length === 0) {
          throw new DataError("no training cells", {
            expected: `cells of experiments ${o.train.join(", ")}`,
            found: `experiments ${found}`,
          });
        }
        if (test.length === 0) {
          throw new DataError("no test cells", {
            expected: `cells of experiments ${o.test.join(", ")}`,
            found: `experiments ${found}`,
          });
        }
        // valStream null: validation is drawn from the split's stream itself, as before the core drew it.
        return [{
          name: `train_${o.train.join("+")}_test_${o.test.join("+")}`,
          train: keysOf(pool),
          test: keysOf(test),
          valStream: null,
        }];
      },
    };
  },
});

/** Sorted cellKeys of some cells. */
function keysOf(cells: readonly CellInfo[]): string[] {
  return cells.map((c) => c.cellKey).sort();
}

export default definition;
