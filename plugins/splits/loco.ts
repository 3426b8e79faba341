/**
 * `loco` (leave one cell out): every cell is the test set of one fold, all others train (minus the inner
 * validation cells). Each fold draws its validation cells from its own child stream, so a fold does not
 * depend on which folds came before it.
 */
import { z } from "zod";
import type { PluginDefinition, SplitInstance } from "../../core/plugin.ts";
import { foldOf, valPerTemperature } from "./inner_validation.ts";

/** Options of loco. */
export const locoOptions = z.object({ val_per_temperature: valPerTemperature }).strict();

/** Parsed options of loco. */
export type LocoOptions = z.infer<typeof locoOptions>;

const definition: PluginDefinition<"split", LocoOptions, SplitInstance> = {
  kind: "split",
  name: "loco",
  version: "0.1.0",
  apiVersion: 1,
  description: "Leave one cell out: one fold per cell",
  options: locoOptions,
  create(o) {
    return {
      folds(cells, rng) {
        const sorted = [...cells].sort((a, b) => a.cellKey.localeCompare(b.cellKey));
        return sorted.map((test) => {
          const name = `loco/${test.cellKey}`;
          const pool = sorted.filter((c) => c.cellKey !== test.cellKey);
          return foldOf(name, pool, [test], rng.fork(name), o.val_per_temperature);
        });
      },
    };
  },
};

export default definition;
