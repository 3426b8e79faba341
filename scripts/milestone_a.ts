/**
 * Milestone A: summary features → gradient-boosted trees → honest evaluation, printed step by step.
 *
 *   deno task milestone-a [overrides…]     e.g. data=m50t_real split=loco model=linear
 *
 * The runner does the work in its fixed order; this script only narrates it with the real numbers and
 * adds the parity plot (predicted vs measured, coloured by chamber temperature).
 */
import {
  composeConfig,
  createLogger,
  runExperiment,
  runFigures,
  type RunSummary,
  type TargetReport,
  terminalProgress,
} from "../mod.ts";
import { narrateStep, runTitle } from "./narrate.ts";

/** Default groups of milestone A; command-line overrides come after and win. */
export const MILESTONE_A_DEFAULTS = ["pipeline=summary_set", "model=lgbm"];

/** Runs milestone A with the given overrides, printing each step; returns the run summary. */
export async function milestoneA(overrides: string[], print = console.log): Promise<RunSummary> {
  const composed = await composeConfig({ overrides: [...MILESTONE_A_DEFAULTS, ...overrides] });
  print(runTitle("Milestone A", composed));
  const summary = await runExperiment({
    composed,
    log: createLogger({ quiet: true }),
    progress: terminalProgress(),
    onStep: (s) => print(narrateStep(s)),
    figures: (rows) => Promise.resolve(runFigures(rows)),
  });
  for (const [target, report] of Object.entries(summary.report)) print(formatResults(target, report));
  print(formatImportance(summary));
  print(`run folder: ${summary.runDir}`);
  return summary;
}

function fmt(v: number, digits = 4): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** The results table of one target: overall, per temperature, per cell (and across folds). */
export function formatResults(target: string, r: TargetReport): string {
  const row = (name: string, m: TargetReport["overall"]) =>
    `   ${name.padEnd(12)} ${fmt(m.rmse).padStart(8)} ${fmt(m.mae).padStart(8)} ${
      fmt(m.mape, 2).padStart(8)
    } ${fmt(m.r2, 3).padStart(8)} ${fmt(m.max_error).padStart(8)} ${String(m.n).padStart(5)}`;
  const lines = [
    `   target ${target}`,
    `   ${"".padEnd(12)} ${"RMSE".padStart(8)} ${"MAE".padStart(8)} ${"MAPE %".padStart(8)} ${
      "R²".padStart(8)
    } ${"max err".padStart(8)} ${"n".padStart(5)}`,
    row("overall", r.overall),
    ...Object.entries(r.perTemperature).map(([t, m]) => row(t, m)),
    ...Object.entries(r.perCell).map(([c, m]) => row(`cell ${c}`, m)),
  ];
  if (r.acrossFolds) {
    const a = r.acrossFolds.rmse;
    lines.push(
      `   RMSE over ${a.folds} folds: mean ${fmt(a.mean)} ± ${fmt(a.std)} (95 % t-interval ${
        fmt(a.ci95[0])
      } – ${fmt(a.ci95[1])})`,
    );
  }
  return lines.join("\n");
}

/** Top features by the model's importance (gain for trees), summed over folds. */
export function formatImportance(summary: RunSummary, top = 5): string {
  const total: Record<string, number> = {};
  for (const f of summary.folds) {
    for (const [k, v] of Object.entries(f.importance ?? {})) total[k] = (total[k] ?? 0) + v;
  }
  const ranked = Object.entries(total).sort((a, b) => b[1] - a[1]).slice(0, top);
  if (ranked.length === 0) return "   (the model reports no feature importance)";
  const sum = Object.values(total).reduce((a, b) => a + b, 0) || 1;
  return [
    "   top features by importance:",
    ...ranked.map(([k, v], i) => `   ${i + 1}. ${k.padEnd(28)} ${(100 * v / sum).toFixed(1)} %`),
  ].join("\n");
}

if (import.meta.main) {
  try {
    await milestoneA(Deno.args);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
