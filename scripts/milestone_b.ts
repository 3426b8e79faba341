/**
 * Milestone B: ICA peak features of the 0.1C curves → gradient-boosted trees → honest holdout metrics →
 * TreeSHAP explanations of the holdout predictions, with figures.
 *
 *   deno task milestone-b [overrides…]     e.g. data=m50t_real split=loco
 *
 * The runner does the experiment in its fixed order. Afterwards each fold's saved pipeline and model are
 * loaded back from the run folder, the fold's test cells transformed, and every test prediction explained
 * with exact path-dependent TreeSHAP (lib/shap). Its value function conditions on the training data
 * through the trees' covers, so the baseline E[f] comes from the training cells only, never from the
 * explained rows. Figures (ICA, SHAP beeswarm, waterfall, importance, SOH trajectories) go to `figures/`.
 */
import { join } from "node:path";
import {
  composeConfig,
  createLogger,
  createPlugin,
  createRng,
  type DatasetInstance,
  loadPlugin,
  type PluginContext,
  type PluginEntry,
  type PluginKind,
  restrictToCells,
  runExperiment,
  type RunStep,
  type RunSummary,
  type SampleSet,
} from "../mod.ts";
import { boosterFromJson, type BoosterJson } from "../lib/gbdt/mod.ts";
import { writeFileAtomic } from "../lib/io/atomic_write.ts";
import { ensembleFromBooster } from "../lib/shap/from_gbdt.ts";
import { meanAbsShap, rankFeatures } from "../lib/shap/importance.ts";
import { predictEnsemble } from "../lib/shap/tree_model.ts";
import { treeShap } from "../lib/shap/tree_shap.ts";
import { curveFeatures, icaCurve, type IcaOptions } from "../lib/signal/ica.ts";
import { shapBeeswarm } from "../lib/plot/beeswarm.ts";
import { icaFigure } from "../lib/plot/ica_figure.ts";
import { importanceBars } from "../lib/plot/importance_bars.ts";
import type { RenderedFigure } from "../lib/plot/render.ts";
import { sohTrajectories } from "../lib/plot/soh_trajectories.ts";
import { shapWaterfall } from "../lib/plot/waterfall.ts";
import icaPeaks, { icaOptionsOf, type IcaPeaksOptions } from "../plugins/pipelines/ica_peaks.ts";
import { formatResults } from "./milestone_a.ts";

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
}

/** Runs milestone B with the given overrides, printing each step; returns the run summary and SHAP. */
export async function milestoneB(
  overrides: string[],
  print: (line: string) => void = console.log,
): Promise<{ summary: RunSummary; shap: HoldoutShap }> {
  const composed = await composeConfig({ overrides: [...MILESTONE_B_DEFAULTS, ...overrides] });
  const c = composed.config;
  print(
    `Milestone B — ${c.data.use} / ${c.split.use} / ${c.pipeline.use} / ${c.model.use}  (config ${
      composed.hash.slice(0, 8)
    })`,
  );
  const log = createLogger({ quiet: true });
  const summary = await runExperiment({ composed, log, onStep: (s) => print(narrate(s)) });
  for (const [target, report] of Object.entries(summary.report)) print(formatResults(target, report));
  const ctx: PluginContext = {
    seed: c.experiment.seed,
    rng: createRng(c.experiment.seed),
    log,
    cacheDir: join(c.output.dir, "cache"),
  };
  const dataset = await create(c.data, "dataset", ctx);
  const shap = await explainHoldout(summary, dataset, c.pipeline, ctx);
  print(
    `7. explain   TreeSHAP of ${shap.n} test samples; local accuracy max |Σφ + E[f] − f(x)| = ${
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
  return { summary, shap };
}

async function create<K extends PluginKind>(entry: PluginEntry, kind: K, ctx: PluginContext) {
  const { use, ...options } = entry;
  return await createPlugin(await loadPlugin(use, kind), options, ctx, kind === "dataset" ? "data" : kind);
}

function narrate(s: RunStep): string {
  const d = s.detail as Record<string, unknown>;
  const fold = s.fold ? `[${s.fold}] ` : "";
  switch (s.step) {
    case "load":
      return `1. load      ${d.cells} cells from dataset '${d.dataset}'`;
    case "split":
      return `2. split     ${d.folds} fold(s)`;
    case "pipeline":
      return `3. ${fold}pipeline fitted on ${(d.fittedOn as string[]).length} training cells only`;
    case "samples":
      return `4. ${fold}samples   train ${d.train}${d.val !== undefined ? `, val ${d.val}` : ""}; ${
        (d.features as string[]).length
      } features; target ${(d.targets as string[]).join(", ")}`;
    case "train":
      return `5. ${fold}train     best iteration ${d.bestIteration ?? "n/a"}`;
    case "refit":
      return `   ${fold}refit     on train ∪ val (${d.cells} cells, ${d.samples} samples)`;
    case "predict":
      return `   ${fold}predict   ${d.samples} samples of ${d.cells} test cell(s)`;
    case "report":
      return "6. results (holdout)";
  }
}

/** The runner's folder name for a fold. */
function foldDir(runDir: string, fold: string): string {
  return join(runDir, "folds", fold.replace(/[^A-Za-z0-9_.-]+/g, "_"));
}

/** The lgbm model file of a fold: feature and target names and one booster per target. */
interface LgbmModelFile {
  featureNames: string[];
  targetNames: string[];
  boosters: BoosterJson[];
}

/** Loads each fold's pipeline and model back, transforms its test cells and explains them with TreeSHAP. */
async function explainHoldout(
  summary: RunSummary,
  dataset: DatasetInstance,
  pipelineEntry: PluginEntry,
  ctx: PluginContext,
): Promise<HoldoutShap> {
  const pipeline = await create(pipelineEntry, "pipeline", ctx);
  const parts: { set: SampleSet; values: Float64Array[]; base: number[] }[] = [];
  let maxLocalError = 0, model: LgbmModelFile | undefined;
  for (const fold of summary.folds) {
    const dir = foldDir(summary.runDir, fold.name);
    const fitted = await pipeline.load(join(dir, "pipeline"));
    const set = await fitted.transform(restrictToCells(dataset, fold.test));
    model = JSON.parse(await Deno.readTextFile(join(dir, "model", "model.json"))) as LgbmModelFile;
    if (model.featureNames.join("\u0000") !== set.featureNames.join("\u0000")) {
      throw new Error(`fold ${fold.name}: the saved model's features differ from the pipeline's`);
    }
    const x = Float64Array.from(set.x);
    const values: Float64Array[] = [], base: number[] = [];
    for (const json of model.boosters) {
      const ensemble = ensembleFromBooster(boosterFromJson(json));
      const r = treeShap(ensemble, x, set.n);
      for (let i = 0; i < set.n; i++) {
        const F = set.featureNames.length;
        const sum = r.values.subarray(i * F, (i + 1) * F).reduce((a, b) => a + b, 0);
        maxLocalError = Math.max(maxLocalError, Math.abs(sum + r.base - predictEnsemble(ensemble, x, i * F)));
      }
      values.push(r.values);
      base.push(r.base);
    }
    parts.push({ set, values, base });
  }
  if (!model) throw new Error("the run has no folds to explain");
  return joinParts(parts, model, maxLocalError);
}

function joinParts(
  parts: { set: SampleSet; values: Float64Array[]; base: number[] }[],
  model: LgbmModelFile,
  maxLocalError: number,
): HoldoutShap {
  const n = parts.reduce((a, p) => a + p.set.n, 0);
  const shap: HoldoutShap["shap"] = {};
  model.targetNames.forEach((target, k) => {
    shap[target] = {
      values: Float64Array.from(parts.flatMap((p) => Array.from(p.values[k]))),
      base: Float64Array.from(parts.flatMap((p) => Array.from({ length: p.set.n }, () => p.base[k]))),
    };
  });
  return {
    featureNames: model.featureNames,
    targetNames: model.targetNames,
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
