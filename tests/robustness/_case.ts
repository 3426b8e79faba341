/**
 * One row of the robustness corpus (issue "Trustworthy runs"): a bad input or a fault, and the outcome
 * class it must have. The class is part of the test name, so `deno test tests/robustness` lists the corpus
 * by class and `scripts/robustness_table.ts` can count it for docs/results.md.
 */

/** What a bad input or fault must lead to. */
export type Outcome =
  /** A clear, typed error naming the place (file/row/column, config key, plugin, fold, cell). */
  | "error"
  /** The run goes on, and the problem is listed (stderr and the manifest). */
  | "warning"
  /** The result equals the one without the fault (e.g. a resumed run, a tracker that was down). */
  | "identical";

/** Areas of the corpus, for the table in docs/results.md. */
export type Area = "data" | "config" | "plugin" | "fault" | "training";

/** Registers one robustness case as a Deno test named `robustness <area> [<outcome>] <name>`. */
export function robustnessCase(
  area: Area,
  outcome: Outcome,
  name: string,
  fn: () => void | Promise<void>,
  options: { sanitizeResources?: boolean; sanitizeOps?: boolean; ignore?: boolean } = {},
): void {
  Deno.test({ name: `robustness ${area} [${outcome}] ${name}`, fn, ...options });
}
