/**
 * Milestone C: Neural ODE against LSTM-attention on SOH trajectories, temperature holdout (train 10 and
 * 40 °C, test 25 °C), forecasting from the first 4 RPTs (`evaluation.observe={rpts: 4}`: the models see
 * only that prefix of each test cell and the metrics count only the later steps). Synthetic data by
 * default, composed like milestone A.
 *
 *   deno task milestone-c [--models=lstm_attn,neural_ode] [overrides…]
 *
 * A model whose plugin does not load is skipped with the reason. Prints a comparison table (RMSE, MAE,
 * R², overall and per temperature) and writes per-model trajectory figures and an attention heatmap.
 */
import { join } from "node:path";
import {
  builtinNames,
  composeConfig,
  createLogger,
  createPlugin,
  createRng,
  loadPlugin,
  restrictToCells,
  runExperiment,
  type RunSummary,
} from "../mod.ts";
import type { Figure, PredictionRow, TargetReport } from "../mod.ts";
import { writeFileAtomic } from "../lib/io/atomic_write.ts";
import { predictedTrajectories } from "../lib/plot/trajectories_pred.ts";
import { attentionHeatmap } from "../lib/plot/attention.ts";
import type { LstmAttnInstance } from "../plugins/models/lstm_attn.ts";
import { ensureDemoData } from "./demo.ts";

/** Models compared by default. */
export const MILESTONE_C_MODELS = ["neural_ode", "lstm_attn"];

/** Settings of milestone C; command-line overrides come after and win. */
export const MILESTONE_C_DEFAULTS = ["split=temperature_holdout", "evaluation.observe={rpts: 4}"];

/** A plugin's specifier: its built-in name once registered, else the path of its module here. */
function specifierOf(kind: "model" | "pipeline", name: string): string {
  if (builtinNames()[kind].includes(name)) return name;
  return new URL(`../plugins/${kind}s/${name}.ts`, import.meta.url).pathname;
}

/** Overrides selecting config group `kind=name`, with the module path while the name is not built in. */
function groupOverrides(kind: "model" | "pipeline", name: string): string[] {
  const spec = specifierOf(kind, name);
  return spec === name ? [`${kind}=${name}`] : [`${kind}=${name}`, `${kind}.use=${spec}`];
}

function modelOverrides(name: string): string[] {
  return [...groupOverrides("pipeline", "latent_ode_seq"), ...groupOverrides("model", name)];
}

/** Models of `names` whose plugin loads; the others are reported and skipped. */
async function loadableModels(names: string[], print: (line: string) => void): Promise<string[]> {
  const ok: string[] = [];
  for (const name of names) {
    try {
      await loadPlugin(specifierOf("model", name), "model");
      ok.push(name);
    } catch (err) {
      print(`   skipping model '${name}': ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return ok;
}

/** Trajectory figures of one run: measured vs predicted target per test cell. */
function trajectoryFigures(model: string, rows: readonly PredictionRow[]): Record<string, Figure> {
  const out: Record<string, Figure> = {};
  for (const target of new Set(rows.map((r) => r.target))) {
    out[`trajectories_${target}`] = predictedTrajectories(rows.filter((r) => r.target === target), {
      xLabel: "time (scaled, days / 100)",
      yLabel: target,
      title: `${model}: ${target} forecast after 4 RPTs, test cells`,
    });
  }
  return out;
}

/** Runs one model; returns its summary. */
async function runModel(model: string, base: string[], overrides: string[]): Promise<RunSummary> {
  const composed = await composeConfig({
    overrides: [...base, ...MILESTONE_C_DEFAULTS, ...modelOverrides(model), ...overrides],
  });
  return await runExperiment({
    composed,
    log: createLogger({ quiet: true }),
    figures: (rows) => Promise.resolve(trajectoryFigures(model, rows)),
  });
}

function fmt(v: number | undefined, digits = 4): string {
  return v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** The comparison table: one row per model and scope (overall, each temperature). */
export function comparisonTable(
  results: Record<string, Record<string, TargetReport>>,
  target = "soh",
): string {
  const lines = [
    `   ${"model".padEnd(12)} ${"scope".padEnd(9)} ${"RMSE".padStart(8)} ${"MAE".padStart(8)} ${
      "R²".padStart(8)
    } ${"n".padStart(5)}`,
  ];
  for (const [model, report] of Object.entries(results)) {
    const r = report[target];
    if (!r) continue;
    const scopes: [string, TargetReport["overall"]][] = [
      ["overall", r.overall],
      ...Object.entries(r.perTemperature),
    ];
    for (const [scope, m] of scopes) {
      lines.push(
        `   ${model.padEnd(12)} ${scope.padEnd(9)} ${fmt(m.rmse).padStart(8)} ${fmt(m.mae).padStart(8)} ${
          fmt(m.r2, 3).padStart(8)
        } ${String(m.n).padStart(5)}`,
      );
    }
  }
  return lines.join("\n");
}

/** Reloads the saved lstm_attn fold, predicts the test cells and draws the first cell's attention. */
async function attentionFigure(summary: RunSummary, base: string[]): Promise<string | undefined> {
  const fold = summary.folds[0];
  if (!fold) return undefined;
  const composed = await composeConfig({
    overrides: [...base, ...MILESTONE_C_DEFAULTS, ...modelOverrides("lstm_attn")],
  });
  const c = composed.config;
  const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
  const { use: dataUse, ...dataOpts } = c.data;
  const { use: pipeUse, ...pipeOpts } = c.pipeline;
  const { use: modelUse, ...modelOpts } = c.model;
  const dataset = await createPlugin(await loadPlugin(dataUse, "dataset"), dataOpts, ctx, "data");
  const pipeline = await createPlugin(await loadPlugin(pipeUse, "pipeline"), pipeOpts, ctx, "pipeline");
  const model = await createPlugin(
    await loadPlugin(modelUse, "model"),
    modelOpts,
    ctx,
    "model",
  ) as LstmAttnInstance;
  const dir = join(summary.runDir, "folds", fold.name.replace(/[^A-Za-z0-9_.-]+/g, "_"));
  const fitted = await pipeline.load(join(dir, "pipeline"));
  await model.load(join(dir, "model"));
  const set = await fitted.transform(restrictToCells(dataset, fold.test.slice(0, 1)));
  await model.predict(set);
  const maps = model.attention();
  if (!maps) return undefined;
  const [, heads, steps] = maps.shape;
  const figure = attentionHeatmap({
    weights: maps.weights.subarray(0, heads * steps * steps),
    heads,
    steps,
    length: maps.lengths[0],
    labels: Array.from(set.meta.rpt.subarray(0, maps.lengths[0])),
    title: `lstm_attn attention, cell ${maps.cellKeys[0]} (rows: predicted RPT)`,
  });
  const path = join(summary.runDir, "figures", "attention.svg");
  await writeFileAtomic(path, figure.svg);
  await writeFileAtomic(path.replace(/\.svg$/, ".png"), figure.png);
  return path;
}

/** Runs milestone C; returns the summaries by model. */
export async function milestoneC(
  models: string[],
  overrides: string[],
  print = console.log,
): Promise<Record<string, RunSummary>> {
  const root = await ensureDemoData();
  const base = ["data=m50t", `+data.root=${root}`, "+data.experiment='5'"];
  print(
    "Milestone C — Neural ODE vs LSTM-attention, SOH forecast from the first 4 RPTs, temperature holdout",
  );
  const usable = await loadableModels(models, print);
  const summaries: Record<string, RunSummary> = {};
  for (const model of usable) {
    const t0 = performance.now();
    summaries[model] = await runModel(model, base, overrides);
    const s = summaries[model];
    print(
      `   ${model}: ${((performance.now() - t0) / 1000).toFixed(1)} s, best epoch ${
        s.folds.map((f) => f.bestIteration ?? "n/a").join("/")
      }, run ${s.runDir}`,
    );
  }
  print(comparisonTable(Object.fromEntries(Object.entries(summaries).map(([m, s]) => [m, s.report]))));
  if (summaries.lstm_attn) {
    const path = await attentionFigure(summaries.lstm_attn, base);
    if (path) print(`   attention heatmap: ${path}`);
  }
  return summaries;
}

if (import.meta.main) {
  const modelArg = Deno.args.find((a) => a.startsWith("--models="));
  const models = modelArg
    ? modelArg.slice("--models=".length).split(",").filter(Boolean)
    : MILESTONE_C_MODELS;
  try {
    await milestoneC(models, Deno.args.filter((a) => a !== modelArg));
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
