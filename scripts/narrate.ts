/** What the milestone scripts print while the runner works: one line per lifecycle step, numbered. */
import type { ComposedConfig, RunStep } from "../mod.ts";

/** "<title> — data / split / pipeline / model  (config <hash8>)". */
export function runTitle(title: string, composed: ComposedConfig): string {
  const c = composed.config;
  return `${title} — ${c.data.use} / ${c.split.use} / ${c.pipeline.use} / ${c.model.use}  (config ${
    composed.hash.slice(0, 8)
  })`;
}

/** One line describing a lifecycle step with its real numbers. */
export function narrateStep(s: RunStep): string {
  const d = s.detail as Record<string, unknown>;
  const fold = s.fold ? `[${s.fold}] ` : "";
  switch (s.step) {
    case "load":
      return `1. load      ${d.cells} cells from dataset '${d.dataset}'`;
    case "split": {
      const f = d.first as { train: string[]; val: string[]; test: string[] };
      return `2. split     ${d.folds} fold(s); first: train ${f.train.join(" ")} | val ${
        f.val.join(" ") || "–"
      } | test ${f.test.join(" ")}`;
    }
    case "pipeline":
      return `3. ${fold}pipeline fitted on the ${(d.fittedOn as string[]).length} training cells only`;
    case "samples":
      return `4. ${fold}samples   train ${d.train}${d.val !== undefined ? `, val ${d.val}` : ""}; features ${
        (d.features as string[]).join(", ")
      }; target ${(d.targets as string[]).join(", ")}`;
    case "train":
      return `5. ${fold}train     early stopping on validation → best iteration ${d.bestIteration ?? "n/a"}`;
    case "refit":
      return `   ${fold}refit     on train ∪ val (${d.cells} cells, ${d.samples} samples${
        d.iterations ? `, ${d.iterations} iterations` : ""
      })`;
    case "predict":
      return `   ${fold}predict   ${d.samples} samples of ${d.cells} test cell(s)`;
    case "report":
      return "6. results";
  }
}
