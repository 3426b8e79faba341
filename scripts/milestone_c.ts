/**
 * Milestone C: Neural ODE against LSTM-attention on SOH trajectories, temperature holdout (train 10 and
 * 40 °C, test 25 °C), forecasting from the first 4 RPTs (`evaluation.observe={rpts: 4}`: the models see
 * only that prefix of each test cell and the metrics count only the later steps). Synthetic Expt 5 by
 * default (generated like milestone A); a `data=…` override picks other data instead:
 *
 *   deno task milestone-c [--models=lstm_attn,neural_ode] [overrides…]
 *   deno task milestone-c data=m50t_real data.experiment=1
 *
 * A model whose plugin does not load is skipped with the reason. Prints a comparison table (RMSE, MAE,
 * R², overall and per temperature) with baselines computed from the same test cells' observed prefixes on
 * the same scored steps (persistence of the last value; linear extrapolation of the last two RPTs and of
 * the whole prefix; the training cells' fade over the same stretch interpolated in 1/T and the anchored
 * √t fit of lib/baselines), and writes per-model figures in days since the first RPT: measured vs
 * forecast trajectories, the neural ODE's latent trajectories, LSTM-attention's attention heatmap.
 */
import { dirname, join } from "node:path";
import {
  buildReport,
  builtinNames,
  composeConfig,
  createLogger,
  loadPlugin,
  observedPrefix,
  openRun,
  runExperiment,
  type RunSummary,
  terminalProgress,
  writeFileAtomic,
} from "../mod.ts";
import type { ModelInstance, Prediction, PredictionRow, SampleSet, TargetReport } from "../mod.ts";
import { type ForecastAnchors, forecastAnchors } from "../lib/sequence/mod.ts";
import {
  attentionHeatmap,
  categoricalColor,
  Plot,
  type RenderedFigure,
  renderFigure,
} from "../lib/plot/mod.ts";
import { BASELINE_NAMES as PHYSICAL_BASELINES, baselineForecasts } from "../lib/baselines/mod.ts";
import type { LstmAttnInstance } from "../plugins/models/lstm_attn.ts";
import type { LatentTrajectories } from "../plugins/models/neural_ode.ts";
import { ensureDemoData } from "./demo.ts";

/** Models compared by default. */
export const MILESTONE_C_MODELS = ["neural_ode", "lstm_attn"];

/** Observed RPTs of each test cell: the forecast origin. */
const OBSERVED_RPTS = 4;

/**
 * Settings of milestone C; command-line overrides come after and win. The training settings suit a
 * handful of training cells (six in the synthetic Expt 5 holdout, four of them in the inner fit): a
 * constant learning rate, weight decay to keep the small networks smooth between the training
 * temperatures, and early stopping on the inner validation cells (one per training temperature), which
 * picks the epochs of the refit.
 */
export const MILESTONE_C_DEFAULTS = [
  "split=temperature_holdout",
  `evaluation.observe={rpts: ${OBSERVED_RPTS}}`,
  "training.epochs=400",
  "training.weight_decay=0.001",
  "training.schedule=constant",
  "training.patience=100",
];

/**
 * Learning rates tried for each model. The one with the lowest inner-validation loss (summed over folds)
 * is kept — model selection on the training cells only, never on the test cells. A
 * `training.learning_rate=…` override on the command line skips the search.
 */
export const LEARNING_RATES = [0.003, 0.01, 0.02];

/** The data overrides: the synthetic Expt 5 unless the command line picks a data config (`data=…`). */
async function dataOverrides(overrides: readonly string[]): Promise<string[]> {
  if (overrides.some((o) => /^data=/.test(o))) return [];
  return ["data=m50t", `+data.root=${await ensureDemoData()}`, "+data.experiment='5'"];
}

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

/** The full overrides of one model's run. */
function runOverrides(
  model: string,
  base: readonly string[],
  overrides: readonly string[],
  lr?: number,
): string[] {
  return [
    ...base,
    ...MILESTONE_C_DEFAULTS,
    ...(lr !== undefined ? [`training.learning_rate=${lr}`] : []),
    ...modelOverrides(model),
    ...overrides,
  ];
}

/** Inner-validation loss of a run, summed over folds (NaN when a fold had no validation cells). */
function validationLoss(s: RunSummary): number {
  return s.folds.reduce((sum, f) => sum + (f.validationLoss ?? NaN), 0);
}

/** Runs `model` once per learning rate and keeps the run with the lowest inner-validation loss. */
async function selectByValidation(
  model: string,
  base: readonly string[],
  overrides: readonly string[],
  print: (line: string) => void,
): Promise<{ summary: RunSummary; overrides: string[] }> {
  if (overrides.some((o) => o.startsWith("training.learning_rate="))) {
    const all = runOverrides(model, base, overrides);
    return { summary: await runModel(all), overrides: all };
  }
  let best: { summary: RunSummary; overrides: string[]; loss: number } | undefined;
  const tried: string[] = [];
  for (const lr of LEARNING_RATES) {
    const all = runOverrides(model, base, overrides, lr);
    const summary = await runModel(all);
    const loss = validationLoss(summary);
    tried.push(`${lr}: ${fmt(loss, 5)}`);
    if (!best || loss < best.loss || !Number.isFinite(best.loss)) best = { summary, overrides: all, loss };
  }
  print(`   ${model}: inner-validation loss by learning rate — ${tried.join(", ")}`);
  return best!;
}

/** Runs one model's experiment (the model is named in `overrides`); returns its summary. */
async function runModel(overrides: string[]): Promise<RunSummary> {
  return await runExperiment({
    composed: await composeConfig({ overrides }),
    log: createLogger({ quiet: true }),
    progress: terminalProgress(),
  });
}

/** One fold of a finished run, reloaded: the test cells' samples, the model's forecast and the model. */
interface ReloadedFold {
  fold: string;
  /** The fold's training cells (train ∪ validation: the refit's), for the fade-rate baseline. */
  train: SampleSet;
  test: SampleSet;
  observed: Int32Array;
  prediction: Prediction;
  model: ModelInstance;
}

/** Reopens every fold of a finished run (`openRun`) and forecasts its test cells again, as the run did. */
async function reloadFolds(summary: RunSummary): Promise<ReloadedFold[]> {
  // runDir is <output.dir>/runs/<id>.
  const outputDir = dirname(dirname(summary.runDir));
  const run = await openRun(summary.runId, { outputDir, log: createLogger({ quiet: true }) });
  const out: ReloadedFold[] = [];
  for (const { name } of run.folds) {
    const { fold, model, samples } = await run.fold(name);
    const test = await samples();
    // The fold's training cells (train ∪ validation: the refit's), for the fade-rate baseline.
    const train = await samples([...new Set([...fold.train, ...fold.val])]);
    const prediction = await model.predict(test);
    out.push({ fold: name, train, test, observed: observedPrefix(test), prediction, model });
  }
  return out;
}

/** Days per unit of `t` of sample i (the pipeline's time scale), or NaN when time is not in days. */
function daysPerUnit(set: SampleSet, i: number): number {
  const unit = set.meta.extra?.time_unit as string[] | undefined;
  const scale = set.meta.extra?.time_scale as Float64Array | undefined;
  if (unit && unit[i] !== "days") return NaN;
  return scale ? scale[i] : 1;
}

/** Naive forecasts a researcher puts beside neural ones, from each test cell's observed prefix alone. */
export const BASELINES: Record<string, (a: ForecastAnchors, at: number, tau: number) => number> = {
  /** The last observed value, held (persistence). */
  persistence: (a, at) => a.yAnchor[at],
  /** The line through the last two observed values, extended. */
  linear_last2: (a, at, tau) => a.yAnchor[at] + a.rateRecent[at] * tau,
  /** The least-squares line through the whole observed prefix, extended from the last observed value. */
  linear_prefix: (a, at, tau) => a.yAnchor[at] + a.rateOverall[at] * tau,
};

/** Rows of the baselines' forecasts on exactly the steps the runner scored (after the observed prefix). */
export function baselineRows(folds: readonly ReloadedFold[]): Record<string, PredictionRow[]> {
  const names = [...Object.keys(BASELINES), ...PHYSICAL_BASELINES.filter((b) => b !== "persistence")];
  const out: Record<string, PredictionRow[]> = Object.fromEntries(names.map((b) => [b, []]));
  for (const { fold, train, test: set, observed } of folds) {
    const anchors = forecastAnchors(set, observed);
    // lib/baselines: the training cells' fade interpolated in 1/T and the anchored √t fit (persistence is
    // the same as above).
    const physical = baselineForecasts(train, set, observed);
    const T = set.steps, K = set.targetNames.length;
    for (let i = 0; i < set.n; i++) {
      for (let s = observed[i]; s < set.lengths[i]; s++) {
        for (let k = 0; k < K; k++) {
          const at = (i * T + s) * K + k;
          if (!set.yMask[at] || !Number.isFinite(anchors.yAnchor[i * K + k])) continue;
          const row = {
            fold,
            cellKey: set.meta.cellKey[i],
            chamberC: set.meta.chamberC[i],
            rpt: set.meta.rpt[i * T + s],
            t: set.t[i * T + s],
            target: set.targetNames[k],
            yTrue: set.y[at],
          };
          for (const [name, forecast] of Object.entries(BASELINES)) {
            out[name].push({
              ...row,
              yPred: forecast(anchors, i * K + k, set.t[i * T + s] - anchors.tAnchor[i]),
            });
          }
          for (const name of PHYSICAL_BASELINES) {
            if (name !== "persistence") out[name].push({ ...row, yPred: physical[name][at] });
          }
        }
      }
    }
  }
  return out;
}

function fmt(v: number | undefined, digits = 4): string {
  return v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "n/a";
}

/** The comparison table: one row per model (or baseline) and scope (overall, each temperature). */
export function comparisonTable(
  results: Record<string, Record<string, TargetReport>>,
  target = "soh",
): string {
  const lines = [
    `   ${"model".padEnd(30)} ${"scope".padEnd(9)} ${"RMSE".padStart(8)} ${"MAE".padStart(8)} ${
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
        `   ${model.padEnd(30)} ${scope.padEnd(9)} ${fmt(m.rmse).padStart(8)} ${fmt(m.mae).padStart(8)} ${
          fmt(m.r2, 3).padStart(8)
        } ${String(m.n).padStart(5)}`,
      );
    }
  }
  return lines.join("\n");
}

/** A point of a trajectory figure: days since the first RPT, value, which cell and which series. */
interface SeriesPoint {
  cellKey: string;
  chamberC: number;
  days: number;
  y: number;
  series: string;
}

/**
 * Measured SOH (dots; the observed prefix filled, the rest hollow) against one model's forecast (solid)
 * and the linear baseline (dotted), each line starting at the last observed value, per test cell.
 */
function trajectoryFigure(model: string, folds: readonly ReloadedFold[], target: string): RenderedFigure {
  const measured: (SeriesPoint & { observed: boolean })[] = [], lines: SeriesPoint[] = [];
  for (const { test: set, observed, prediction } of folds) {
    const k = set.targetNames.indexOf(target), K = set.targetNames.length, T = set.steps;
    const anchors = forecastAnchors(set, observed);
    for (let i = 0; i < set.n; i++) {
      const scale = daysPerUnit(set, i), cellKey = set.meta.cellKey[i], chamberC = set.meta.chamberC[i];
      const days = (s: number) => set.t[i * T + s] * scale;
      const yA = anchors.yAnchor[i * K + k], tA = anchors.tAnchor[i] * scale;
      for (let s = 0; s < set.lengths[i]; s++) {
        const at = (i * T + s) * K + k;
        if (set.yMask[at]) {
          measured.push({
            cellKey,
            chamberC,
            days: days(s),
            y: set.y[at],
            series: "measured",
            observed: s < observed[i],
          });
        }
      }
      if (!Number.isFinite(yA)) continue;
      for (const series of [model, "linear_last2"]) {
        lines.push({ cellKey, chamberC, days: tA, y: yA, series });
        for (let s = observed[i]; s < set.lengths[i]; s++) {
          const at = (i * T + s) * K + k, tau = set.t[i * T + s] - anchors.tAnchor[i];
          const y = series === model ? prediction.y[at] : BASELINES.linear_last2(anchors, i * K + k, tau);
          lines.push({ cellKey, chamberC, days: days(s), y, series });
        }
      }
    }
  }
  // One colour per test cell (Okabe–Ito), one line style per series: cells are told apart by colour,
  // model and baseline by dash, and both are named in the legend rather than in a caption.
  const cells = [...new Map(measured.map((p) => [p.cellKey, p.chamberC])).entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const colorOf = new Map(cells.map(([cell], i) => [cell, categoricalColor(i)]));
  const stroke = (p: SeriesPoint) => colorOf.get(p.cellKey)!;
  const styles = [
    { series: model, dash: "", width: 2, label: `${model} forecast` },
    { series: "linear_last2", dash: "2,3", width: 1.2, label: "linear, last 2 RPTs" },
  ];
  return renderFigure({
    width: 760,
    height: 440,
    marginLeft: 64,
    marginBottom: 44,
    grid: true,
    x: { label: "time since the first RPT (days)" },
    y: { label: `${target} (–)` },
    marks: [
      ...styles.map((st) =>
        Plot.line(lines.filter((p) => p.series === st.series), {
          x: "days",
          y: "y",
          z: "cellKey",
          stroke,
          strokeWidth: st.width,
          strokeDasharray: st.dash || undefined,
        })
      ),
      Plot.dot(measured, {
        x: "days",
        y: "y",
        stroke,
        fill: (p) => (p.observed ? stroke(p) : "white"),
        r: 3,
      }),
    ],
  }, {
    title: `${model}: ${target} forecast after ${OBSERVED_RPTS} observed RPTs, test cells`,
    legendTitle: "cell",
    legend: cells.map(([cell, c]) => ({ label: `${cell} (${c} °C)`, color: colorOf.get(cell)! })),
    extraLegends: [{
      title: "line",
      entries: [
        ...styles.map((st) => ({ label: st.label, color: "#333", line: { dash: st.dash, width: st.width } })),
        { label: "measured (filled: observed)", color: "#333" },
      ],
    }],
  });
}

/** The neural ODE's latent trajectories z(t) of the first test cell, one line per latent dimension. */
function latentFigure(fold: ReloadedFold): RenderedFigure | undefined {
  const latents = (fold.model as { latents?: () => LatentTrajectories | null }).latents?.();
  if (!latents) return undefined;
  const [, , L] = latents.shape, set = fold.test, scale = daysPerUnit(set, 0);
  const points: { days: number; z: number; dim: string }[] = [];
  for (let s = 0; s < latents.lengths[0]; s++) {
    for (let d = 0; d < L; d++) {
      points.push({ days: latents.t[s] * scale, z: latents.z[s * L + d], dim: `z${d}` });
    }
  }
  return renderFigure({
    width: 720,
    height: 400,
    marginLeft: 56,
    marginBottom: 44,
    grid: true,
    color: { legend: false },
    x: { label: "time since the first RPT (days)" },
    y: { label: "latent state (–)" },
    marks: [
      Plot.ruleX([set.t[fold.observed[0] - 1] * scale], { stroke: "#999", strokeDasharray: "2,3" }),
      Plot.line(points, { x: "days", y: "z", stroke: "dim", strokeWidth: 1.5 }),
    ],
  }, {
    title: `neural_ode latent trajectories, cell ${
      set.meta.cellKey[0]
    } (rule: forecast origin; flat before it)`,
  });
}

/** The first test cell's attention maps of lstm_attn (rows: the step predicted). */
function attentionFigure(fold: ReloadedFold): RenderedFigure | undefined {
  const maps = (fold.model as LstmAttnInstance).attention?.();
  if (!maps) return undefined;
  const [, heads, steps] = maps.shape;
  return attentionHeatmap({
    weights: maps.weights.subarray(0, heads * steps * steps),
    heads,
    steps,
    length: maps.lengths[0],
    labels: Array.from(fold.test.meta.rpt.subarray(0, maps.lengths[0])),
    title: `lstm_attn attention, cell ${maps.cellKeys[0]} (rows: predicted RPT)`,
  });
}

async function writeFigure(runDir: string, name: string, figure: RenderedFigure): Promise<string> {
  const path = join(runDir, "figures", `${name}.svg`);
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
  const base = await dataOverrides(overrides);
  print(
    `Milestone C — Neural ODE vs LSTM-attention, SOH forecast from the first ${OBSERVED_RPTS} RPTs, temperature holdout`,
  );
  const usable = await loadableModels(models, print);
  const summaries: Record<string, RunSummary> = {};
  const reports: Record<string, Record<string, TargetReport>> = {};
  let reference: ReloadedFold[] | undefined;
  for (const model of usable) {
    const t0 = performance.now();
    const { summary: s } = await selectByValidation(model, base, overrides, print);
    summaries[model] = s;
    reports[model] = s.report;
    print(
      `   ${model}: ${((performance.now() - t0) / 1000).toFixed(1)} s, best epoch ${
        s.folds.map((f) => f.bestIteration ?? "n/a").join("/")
      }, run ${s.runDir}`,
    );
    const folds = await reloadFolds(s);
    reference ??= folds;
    for (const target of folds[0]?.test.targetNames ?? []) {
      print(
        `     trajectories: ${await writeFigure(
          s.runDir,
          `trajectories_${target}`,
          trajectoryFigure(model, folds, target),
        )}`,
      );
    }
    const latent = folds[0] && latentFigure(folds[0]);
    if (latent) print(`     latent trajectories: ${await writeFigure(s.runDir, "latents", latent)}`);
    const attention = folds[0] && attentionFigure(folds[0]);
    if (attention) print(`     attention heatmap: ${await writeFigure(s.runDir, "attention", attention)}`);
  }
  if (reference) {
    for (const [name, rows] of Object.entries(baselineRows(reference))) {
      if (rows.length) reports[`baseline: ${name}`] = buildReport(rows);
    }
  }
  print(comparisonTable(reports));
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
