/**
 * The `run` command's progress lines on stderr: one line per stage, in words ("load:     17 cells,
 * dataset m50t"), never raw JSON. Details a stage adds later still print readably through the generic
 * key/value rendering.
 */

/** A stage the run reports (core/run.ts `RunStep`). */
export interface StepLine {
  step: string;
  fold?: string;
  detail: Record<string, unknown>;
}

/** How a known detail reads: a count with its noun, or a phrase; other keys read "key value". */
const PHRASES: Record<string, (v: unknown) => string> = {
  cells: (v) => plural(v, "cell"),
  dataset: (v) => `dataset ${v}`,
  fittedOn: (v) => `fitted on ${plural(v, "training cell")}`,
  stage: (v) => `(${v} fit)`,
  train: (v) => plural(v, "train sample"),
  trainSamples: (v) => plural(v, "train sample"),
  val: (v) => plural(v, "validation sample"),
  valSamples: (v) => plural(v, "validation sample"),
  samples: (v) => plural(v, "sample"),
  features: (v) => plural(v, "feature"),
  targets: (v) => `${Array.isArray(v) && v.length === 1 ? "target" : "targets"} ${valueText(v)}`,
  bestIteration: (v) => `best iteration ${v}`,
  iterations: (v) => plural(v, "iteration"),
  optimizerSteps: (v) => plural(v, "optimizer step"),
};

/** "5 cells" for a number or a list of five. */
function plural(v: unknown, noun: string): string {
  const n = Array.isArray(v) ? v.length : Number(v);
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Lists longer than this are shown as a count with the first few items. */
const LIST_LIMIT = 4;

/**
 * One line: the fold in brackets, `stage:` padded to a column, then the details in words. The
 * `[fold] stage: ` prefix is kept as it was when the details were JSON, for scripts that follow it.
 */
export function describeStep(s: StepLine): string {
  const fold = s.fold ? `[${s.fold}] ` : "";
  const text = s.step === "split" ? describeSplit(s.detail) : describeDetail(s.detail);
  return `${fold}${`${s.step}:`.padEnd(10)}${text}`;
}

/** `1 fold; first train_10_40C_test_25C: train 10 cells, validation 2 cells, test 5 cells (1/D, …)`. */
function describeSplit(detail: Record<string, unknown>): string {
  const folds = Number(detail.folds);
  const first = detail.first as
    | { name?: string; train?: string[]; val?: string[]; test?: string[] }
    | undefined;
  const head = `${folds} ${folds === 1 ? "fold" : "folds"}`;
  if (!first?.name) return head;
  const parts = [
    `train ${cells(first.train)}`,
    ...(first.val ? [`validation ${cells(first.val)}`] : []),
    `test ${cells(first.test)} (${listText(first.test ?? [])})`,
  ];
  return `${head}; ${folds === 1 ? "" : "first "}${first.name}: ${parts.join(", ")}`;
}

function cells(list: string[] | undefined): string {
  const n = list?.length ?? 0;
  return `${n} ${n === 1 ? "cell" : "cells"}`;
}

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => PHRASES[k]?.(v) ?? `${k} ${valueText(v)}`)
    .reduce((text, part) => !text ? part : part.startsWith("(") ? `${text} ${part}` : `${text}, ${part}`, "");
}

function valueText(v: unknown): string {
  if (Array.isArray(v)) {
    return v.length <= LIST_LIMIT ? v.map(valueText).join(" ") : `${v.length} (${listText(v)})`;
  }
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (v && typeof v === "object") return `(${describeDetail(v as Record<string, unknown>)})`;
  return String(v);
}

/** The first few items of a list, then "…" when there are more. */
function listText(list: readonly unknown[]): string {
  const shown = list.slice(0, LIST_LIMIT).map(valueText).join(", ");
  return list.length > LIST_LIMIT ? `${shown}, …` : shown;
}
