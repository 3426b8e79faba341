/**
 * Milestone B: ICA peak features of the 0.1C curves → gradient-boosted trees → honest holdout metrics →
 * TreeSHAP explanations of the holdout predictions, with figures.
 *
 *   deno task milestone-b [overrides…]     e.g. data=m50t_real split=loco
 *
 * The runner does the experiment in its fixed order. Afterwards each fold's saved pipeline and model are
 * loaded back from the run folder, the fold's test cells transformed, and every test prediction explained:
 * exact path-dependent TreeSHAP for trees (the baseline E[f] comes from the training cells through the
 * trees' covers), model-agnostic SHAP over a background of training rows for other models — never from
 * the explained rows. Figures (ICA, SHAP beeswarm, waterfall, importance, SOH trajectories) go to `figures/`.
 */
import { join } from "node:path";
import {
  composeConfig,
  createLogger,
  createRng,
  createSampleSet,
  type DatasetInstance,
  type OpenedRun,
  openRun,
  type PluginEntry,
  type Rng,
  runExperiment,
  type RunSummary,
  type SampleSet,
  selectSamples,
  terminalProgress,
  writeFileAtomic,
} from "../mod.ts";
import type { Explanation, ModelInstance } from "../mod.ts";
import { csvLine } from "../lib/io/mod.ts";
import { explainModelAgnostic, meanAbsShap, rankFeatures } from "../lib/shap/mod.ts";
import { curveFeatures, icaCurve, type IcaOptions } from "../lib/signal/mod.ts";
import {
  icaFigure,
  importanceBars,
  type RenderedFigure,
  shapBeeswarm,
  shapWaterfall,
  sohTrajectories,
} from "../lib/plot/mod.ts";
import icaPeaks, { icaOptionsOf, type IcaPeaksOptions } from "../plugins/pipelines/ica_peaks.ts";
import { formatResults } from "./milestone_a.ts";
import { narrateStep, runTitle } from "./narrate.ts";

/** Default groups of milestone B; command-line overrides come after and win. */
export const MILESTONE_B_DEFAULTS = ["data=synthetic_curves", "pipeline=ica_peaks", "model=lgbm"];

/** SHAP values of every test sample of every fold, per target, with the rows they explain. */
export interface HoldoutShap {
  featureNames: string[];
  targetNames: string[];
  /** Feature rows explained (n·F), in fold order. */
  x: Float64Array;
  n: number;
  cellKeys: string[];
  rpts: number[];
  /** Per target: SHAP values (n·F) and per-row base values (each fold's model has its own E[f]). */
  shap: Record<string, { values: Float64Array; base: Float64Array }>;
  /** Largest |Σφ + E[f] − f(x)| seen: the local-accuracy check, printed. */
  maxLocalError: number;
  /** Which explainer produced the values. */
  method: string;
}

/** Runs milestone B with the given overrides, printing each step; returns the run summary and SHAP. */
export async function milestoneB(
  overrides: string[],
  print: (line: string) => void = console.log,
): Promise<{ summary: RunSummary; shap: HoldoutShap }> {
  const composed = await composeConfig({ overrides: [...MILESTONE_B_DEFAULTS, ...overrides] });
  const c = composed.config;
  print(runTitle("Milestone B", composed));
  const log = createLogger({ quiet: true });
  const summary = await runExperiment({
    composed,
    log,
    progress: terminalProgress(),
    onStep: (s) => print(narrateStep(s)),
  });
  for (const [target, report] of Object.entries(summary.report)) print(formatResults(target, report));
  const run = await openRun(summary.runId, { outputDir: c.output.dir, log });
  const dataset = run.dataset;
  const shap = await explainHoldout(run, createRng(c.experiment.seed));
  print(
    `7. explain   ${shap.n} test samples with ${shap.method}; local accuracy max |Σφ + E[f] − f(x)| = ${
      shap.maxLocalError.toExponential(1)
    }`,
  );
  for (const target of shap.targetNames) print(formatShapImportance(shap, target));
  const figures = await makeFigures(summary, dataset, shap, c.pipeline);
  for (const [name, fig] of Object.entries(figures)) {
    await writeFileAtomic(join(summary.runDir, "figures", `${name}.svg`), fig.svg);
    await writeFileAtomic(join(summary.runDir, "figures", `${name}.png`), fig.png);
  }
  print(`8. figures   ${Object.keys(figures).join(", ")} → ${join(summary.runDir, "figures")}`);
  const shapCsv = join(summary.runDir, "shap_values.csv");
  await writeFileAtomic(shapCsv, shapValuesCsv(shap));
  print(`   SHAP values as data (base value, SHAP and feature value per row) → ${shapCsv}`);
  return { summary, shap };
}

/**
 * Every explained row as data: target, cell, RPT, the base value E[f], one `shap_<feature>` column per
 * feature and the feature values under their own names (empty = missing). With pandas:
 * `shap.Explanation(values=df.filter(like="shap_").values, base_values=df.base_value.values,
 * data=df[features].values, feature_names=features)`.
 */
export function shapValuesCsv(shap: HoldoutShap): string {
  const F = shap.featureNames.length;
  const lines = [
    csvLine([
      "target",
      "cellKey",
      "rpt",
      "base_value",
      ...shap.featureNames.map((f) => `shap_${f}`),
      ...shap.featureNames,
    ]),
  ];
  for (const target of shap.targetNames) {
    const { values, base } = shap.shap[target];
    for (let i = 0; i < shap.n; i++) {
      lines.push(csvLine([
        target,
        shap.cellKeys[i],
        shap.rpts[i],
        base[i],
        ...values.subarray(i * F, (i + 1) * F),
        ...shap.x.subarray(i * F, (i + 1) * F),
      ]));
    }
  }
  return lines.join("\n") + "\n";
}

/** Background rows for model-agnostic SHAP: at most this many, drawn (seeded) from the training cells. */
const BACKGROUND_ROWS = 64;

/**
 * Reopens each fold's pipeline and model (`openRun`), transforms its test cells and explains every prediction:
 * with the model's own `explain` when it has one (exact TreeSHAP for `lgbm`), else model-agnostic SHAP
 * (exact Shapley for ≤ 10 features, KernelSHAP above) over a background drawn from the fold's training
 * cells — never from the explained rows. Local accuracy |Σφ + base − f(x)| is checked against `predict`.
 */
async function explainHoldout(run: OpenedRun, rng: Rng): Promise<HoldoutShap> {
  const parts: { set: SampleSet; values: Float64Array[]; base: number[] }[] = [];
  let maxLocalError = 0, method = "";
  for (const { name } of run.folds) {
    const { fold, model, samples } = await run.fold(name);
    const set = await samples();
    const training = await samples([...fold.train, ...fold.val]);
    const background = selectSamples(
      training,
      rng.sample([...Array(training.n).keys()], Math.min(BACKGROUND_ROWS, training.n)),
    );
    const explained = model.explain
      ? await model.explain(set, background)
      : await agnostic(model, set, background, rng);
    method = model.explain ? "the model's own explainer (TreeSHAP for trees)" : "model-agnostic SHAP";
    const prediction = await model.predict(set);
    const F = set.featureNames.length, K = set.targetNames.length;
    const values: Float64Array[] = [], base: number[] = [];
    set.targetNames.forEach((target, k) => {
      const v = explained.values[target];
      for (let i = 0; i < set.n; i++) {
        const sum = v.subarray(i * F, (i + 1) * F).reduce((a, b) => a + b, 0);
        maxLocalError = Math.max(
          maxLocalError,
          Math.abs(sum + explained.base[target] - prediction.y[i * K + k]),
        );
      }
      values.push(v);
      base.push(explained.base[target]);
    });
    parts.push({ set, values, base });
  }
  if (parts.length === 0) throw new Error("the run has no folds to explain");
  return { ...joinParts(parts, maxLocalError), method };
}

/** Model-agnostic SHAP of a model without its own explainer. */
async function agnostic(
  model: ModelInstance,
  set: SampleSet,
  background: SampleSet,
  rng: Rng,
): Promise<Explanation> {
  const F = set.featureNames.length, K = set.targetNames.length;
  const predict = async (rows: Float64Array, n: number) => {
    const batch = createSampleSet({
      featureNames: set.featureNames,
      targetNames: set.targetNames,
      x: Float32Array.from(rows),
      y: new Float32Array(n * K),
      meta: { cellKey: Array(n).fill("shap/row"), chamberC: new Float64Array(n) },
    }, { allowMissingFeatures: true });
    return Float64Array.from((await model.predict(batch)).y);
  };
  const r = await explainModelAgnostic(Float64Array.from(set.x), set.n, {
    predict,
    numFeatures: F,
    numOutputs: K,
    background: Float64Array.from(background.x),
    backgroundRows: background.n,
    random: () => rng.uniform(),
  });
  return {
    featureNames: [...set.featureNames],
    values: Object.fromEntries(set.targetNames.map((t, k) => [t, r.values[k]])),
    base: Object.fromEntries(set.targetNames.map((t, k) => [t, r.base[k]])),
  };
}

function joinParts(
  parts: { set: SampleSet; values: Float64Array[]; base: number[] }[],
  maxLocalError: number,
): Omit<HoldoutShap, "method"> {
  const { featureNames, targetNames } = parts[0].set;
  const n = parts.reduce((a, p) => a + p.set.n, 0);
  const shap: HoldoutShap["shap"] = {};
  targetNames.forEach((target, k) => {
    shap[target] = {
      values: Float64Array.from(parts.flatMap((p) => Array.from(p.values[k]))),
      base: Float64Array.from(parts.flatMap((p) => Array.from({ length: p.set.n }, () => p.base[k]))),
    };
  });
  return {
    featureNames: [...featureNames],
    targetNames: [...targetNames],
    x: Float64Array.from(parts.flatMap((p) => Array.from(p.set.x))),
    n,
    cellKeys: parts.flatMap((p) => p.set.meta.cellKey),
    rpts: parts.flatMap((p) => Array.from(p.set.meta.rpt)),
    shap,
    maxLocalError,
  };
}

/** The top features of one target by mean |SHAP| over the holdout samples. */
export function formatShapImportance(shap: HoldoutShap, target: string, top = 8): string {
  const F = shap.featureNames.length;
  const ranked = rankFeatures(shap.featureNames, meanAbsShap(shap.shap[target].values, shap.n, F)).slice(
    0,
    top,
  );
  return [
    `   top features for ${target} by mean |SHAP| (holdout):`,
    ...ranked.map((r, i) => `   ${i + 1}. ${r.name.padEnd(30)} ${r.importance.toExponential(3)}`),
  ].join("\n");
}

async function makeFigures(
  summary: RunSummary,
  dataset: DatasetInstance,
  shap: HoldoutShap,
  pipelineEntry: PluginEntry,
): Promise<Record<string, RenderedFigure>> {
  const F = shap.featureNames.length;
  const figures: Record<string, RenderedFigure> = {};
  const firstCell = shap.cellKeys[0];
  figures[`ica_${firstCell.replace(/[^A-Za-z0-9]+/g, "_")}`] = await cellIcaFigure(
    dataset,
    firstCell,
    await icaSettings(pipelineEntry),
  );
  for (const target of shap.targetNames) {
    const { values, base } = shap.shap[target];
    const label = `${target} (–)`;
    figures[`shap_beeswarm_${target}`] = shapBeeswarm(
      { featureNames: shap.featureNames, shap: values, features: shap.x, n: shap.n },
      { xLabel: `SHAP value (impact on predicted ${label})`, title: `SHAP summary: ${target}, test cells` },
    );
    // The latest RPT of the first test cell: the prediction furthest from the fresh state.
    const rows = shap.cellKeys.flatMap((k, i) => (k === firstCell ? [i] : []));
    const i = rows.reduce((best, r) => (shap.rpts[r] > shap.rpts[best] ? r : best), rows[0]);
    figures[`shap_waterfall_${target}`] = shapWaterfall({
      featureNames: shap.featureNames,
      shap: values.subarray(i * F, (i + 1) * F),
      features: shap.x.subarray(i * F, (i + 1) * F),
      base: base[i],
    }, { xLabel: `predicted ${label}`, title: `Why ${target} of ${firstCell}, RPT ${shap.rpts[i]}` });
    figures[`shap_importance_${target}`] = importanceBars(shap.featureNames, meanAbsShap(values, shap.n, F), {
      xLabel: `mean |SHAP value| (${label})`,
      title: `Feature importance: ${target}, test cells`,
    });
  }
  figures.soh_trajectories = await sohFigure(summary, dataset);
  return figures;
}

/** The run's ica_peaks options with defaults; another pipeline's options fall back to the defaults. */
async function icaSettings(entry: PluginEntry): Promise<IcaPeaksOptions> {
  const { use: _use, ...options } = entry;
  const validate = icaPeaks.options["~standard"].validate;
  const parsed = await validate(options);
  if (parsed.issues === undefined) return parsed.value;
  return (await validate({}) as { value: IcaPeaksOptions }).value;
}

/** ICA of the first, middle and last RPT of one cell, with the pipeline's own ICA settings. */
async function cellIcaFigure(
  dataset: DatasetInstance,
  cellKey: string,
  o: IcaPeaksOptions,
): Promise<RenderedFigure> {
  const ica: IcaOptions = icaOptionsOf(o);
  const curves = (await dataset.curves(cellKey, { kind: o.kind, direction: o.direction })).sort((a, b) =>
    a.rpt - b.rpt
  );
  const picked = [...new Set([0, Math.floor((curves.length - 1) / 2), curves.length - 1])].map((k) =>
    curves[k]
  );
  return icaFigure(
    picked.map((c) => {
      const curve = icaCurve(c.voltage_V, c.charge_Ah, ica);
      return {
        label: `RPT ${c.rpt}`,
        voltage_V: c.voltage_V,
        charge_Ah: c.charge_Ah,
        ica: curve,
        features: curveFeatures(curve, ica),
      };
    }),
    { title: `ICA of cell ${cellKey} (${o.kind} ${o.direction})`, legendTitle: "curve" },
  );
}

/** SOH against days for every cell of the run, coloured by chamber temperature. */
async function sohFigure(summary: RunSummary, dataset: DatasetInstance): Promise<RenderedFigure> {
  const cells = await dataset.cells();
  const keys = summary.folds.length ? cells.map((c) => c.cellKey) : [];
  const t = await dataset.table("performance_summary", keys);
  const chamber = new Map(cells.map((c) => [c.cellKey, c.chamberC]));
  const col = (name: string) => t.columns[name] as Float64Array;
  const points = (t.columns.cellKey as string[]).map((cellKey, i) => ({
    cellKey,
    chamberC: chamber.get(cellKey) ?? NaN,
    days: col("days")[i],
    throughputAh: col("charge_throughput_Ah")[i],
    soh: col("soh")[i],
  }));
  return sohTrajectories(points, { x: "days", title: "SOH of every cell" });
}

if (import.meta.main) {
  try {
    await milestoneB(Deno.args);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
