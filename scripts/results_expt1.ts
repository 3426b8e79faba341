/**
 * Real-data baselines for docs/results.md: dummy, linear and lgbm on the real LG M50T Expt 1 summaries
 * (BATTERYML_REAL_DATA), temperature holdout and leave-one-cell-out, printed as Markdown tables.
 *
 *   deno run -A scripts/results_expt1.ts [models…]      (the task `results-expt1` has the narrow flags)
 */
import { resolve } from "node:path";
import {
  composeConfig,
  createLogger,
  type Metrics,
  runExperiment,
  type RunSummary,
  terminalProgress,
} from "../mod.ts";

const REAL = resolve(Deno.env.get("BATTERYML_REAL_DATA") ?? "../shared/data/m50t");
const models = Deno.args.length ? Deno.args : ["dummy", "linear", "lgbm"];
const splits = ["temperature_holdout", "loco"];

const f = (v: number, d = 4) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

async function run(model: string, split: string): Promise<RunSummary> {
  const composed = await composeConfig({
    overrides: [
      "data=m50t_real",
      `data.root=${REAL}`,
      "data.experiment=1",
      `model=${model}`,
      `split=${split}`,
      "pipeline=summary_set",
      "tracking=null",
    ],
  });
  return await runExperiment({ composed, log: createLogger({ quiet: true }), progress: terminalProgress() });
}

const results: Record<string, Record<string, RunSummary>> = {};
for (const split of splits) {
  results[split] = {};
  for (const model of models) results[split][model] = await run(model, split);
}

const row = (name: string, m: Metrics) =>
  `| ${name} | ${f(m.rmse)} | ${f(m.mae)} | ${f(m.mape, 2)} | ${f(m.r2, 3)} | ${f(m.max_error)} | ${m.n} |`;
const header = "| | RMSE | MAE | MAPE % | R² | max error | n |\n|---|---|---|---|---|---|---|";

console.log("### Temperature holdout (train 10 + 40 °C, test 25 °C), target SOH\n");
console.log(header);
for (const model of models) {
  const r = results.temperature_holdout[model].report.soh;
  console.log(row(`**${model}** overall`, r.overall));
  for (const [cell, m] of Object.entries(r.perCell)) console.log(row(`${model} cell ${cell}`, m));
}
console.log("\n### Leave-one-cell-out (9 folds), target SOH\n");
console.log(
  "| model | pooled RMSE | pooled MAE | pooled R² | RMSE mean ± std over folds | 95 % t-interval | 10 °C RMSE | 25 °C RMSE | 40 °C RMSE |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const model of models) {
  const r = results.loco[model].report.soh;
  const a = r.acrossFolds!.rmse;
  const t = (c: string) => f(r.perTemperature[c]?.rmse ?? NaN);
  console.log(
    `| ${model} | ${f(r.overall.rmse)} | ${f(r.overall.mae)} | ${f(r.overall.r2, 3)} | ${f(a.mean)} ± ${
      f(a.std)
    } | ${f(a.ci95[0])} – ${f(a.ci95[1])} | ${t("10degC")} | ${t("25degC")} | ${t("40degC")} |`,
  );
}
console.log("\n#### LOCO per cell (RMSE of the cell's own fold)\n");
console.log(`| cell | ${models.join(" | ")} |\n|---|${models.map(() => "---").join("|")}|`);
for (const cell of Object.keys(results.loco[models[0]].report.soh.perCell)) {
  console.log(
    `| ${cell} | ${models.map((m) => f(results.loco[m].report.soh.perCell[cell].rmse)).join(" | ")} |`,
  );
}
