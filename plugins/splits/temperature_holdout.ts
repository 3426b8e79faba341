/**
 * `temperature_holdout`: train on some chamber temperatures, test on others (default train 10 + 40 °C,
 * test 25 °C) — does a model interpolate to a temperature it never saw? Cells at other temperatures are in
 * neither set. One fold.
 */
import { z } from "zod";
import { DataError, defineSplit } from "../../mod.ts";
import type { CellInfo } from "../../mod.ts";

/** Options of temperature_holdout. */
export const temperatureHoldoutOptions = z.object({
  train: z.array(z.number()).min(1).default([10, 40]),
  test: z.array(z.number()).min(1).default([25]),
}).strict().refine((o) => !o.train.some((t) => o.test.includes(t)), {
  message: "a temperature cannot be in both train and test",
  path: ["test"],
});

/** Parsed options of temperature_holdout. */
export type TemperatureHoldoutOptions = z.infer<typeof temperatureHoldoutOptions>;

const definition = defineSplit<TemperatureHoldoutOptions>({
  kind: "split",
  name: "temperature_holdout",
  version: "0.1.0",
  apiVersion: 1,
  description: "Train on some chamber temperatures (default 10, 40 °C), test on others (default 25 °C)",
  options: temperatureHoldoutOptions,
  create(o) {
    return {
      folds(cells) {
        const pool = cells.filter((c) => o.train.includes(c.chamberC));
        const test = cells.filter((c) => o.test.includes(c.chamberC));
        const found = [...new Set(cells.map((c) => c.chamberC))].sort((a, b) => a - b).join(", ") || "none";
        if (pool.length === 0) {
          throw new DataError("no training cells", {
            expected: `cells at ${o.train.join(", ")} °C`,
            found: `temperatures ${found}`,
          });
        }
        if (test.length === 0) {
          throw new DataError("no test cells", {
            expected: `cells at ${o.test.join(", ")} °C`,
            found: `temperatures ${found}`,
          });
        }
        // valStream null: validation is drawn from the split's stream itself, as before the core drew it.
        return [{
          name: `train_${o.train.join("_")}C_test_${o.test.join("_")}C`,
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
