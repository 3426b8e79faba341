/**
 * `loco` (leave one cell out): every cell is the test set of one fold, all others train. The core draws
 * each fold's inner-validation cells from the child stream named by the fold, so a fold does not depend
 * on which folds came before it.
 */
import { z } from "zod";
import { defineSplit } from "../../mod.ts";

/** Options of loco. */
export const locoOptions = z.object({}).strict();

/** Parsed options of loco. */
export type LocoOptions = z.infer<typeof locoOptions>;

const definition = defineSplit<LocoOptions>({
  kind: "split",
  name: "loco",
  version: "0.1.0",
  apiVersion: 1,
  description: "Leave one cell out: one fold per cell",
  options: locoOptions,
  create() {
    return {
      folds(cells) {
        const keys = cells.map((c) => c.cellKey).sort();
        return keys.map((test) => ({
          name: `loco/${test}`,
          train: keys.filter((k) => k !== test),
          test: [test],
        }));
      },
    };
  },
});

export default definition;
