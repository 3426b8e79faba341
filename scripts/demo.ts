/**
 * The README's main command: generate the synthetic LG M50T Expt 5 summaries under artifacts/data/ (once;
 * deterministic for the seed) and run milestone A on them — temperature holdout, GBDT, parity plot.
 */
import { join } from "node:path";
import { synthesize } from "../lib/m50t/mod.ts";
import { createLogger } from "../mod.ts";
import { milestoneA } from "./milestone_a.ts";

/** Where the demo keeps its generated dataset. */
export const DEMO_DATA = join("artifacts", "data", "m50t-synthetic-seed42");

/** Generates the demo dataset if absent; returns its root. */
export async function ensureDemoData(root = DEMO_DATA): Promise<string> {
  const marker = join(root, ".complete");
  const present = await Deno.stat(marker).then(() => true, () => false);
  if (!present) {
    const t0 = performance.now();
    await synthesize({
      out: root,
      experiments: ["5"],
      seed: 42,
      curves: false,
      log: createLogger({ quiet: true }),
    });
    await Deno.writeTextFile(marker, "synthetic LG M50T, experiment 5, seed 42\n");
    console.log(
      `generated synthetic Expt 5 summaries in ${root} (${((performance.now() - t0) / 1000).toFixed(2)} s)`,
    );
  }
  return root;
}

if (import.meta.main) {
  try {
    const root = await ensureDemoData();
    await milestoneA(["data=m50t", `+data.root=${root}`, "+data.experiment='5'", ...Deno.args]);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
