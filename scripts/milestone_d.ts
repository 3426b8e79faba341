/**
 * Milestone D: degradation modes (SOH, LLI, LAM_PE, LAM_NE) forecast by Neural ODE, LSTM-attention,
 * CNN-LSTM and ACLA (the last two also as corrections to the fade-rate baseline) beside the physical
 * baselines (persistence; the training cells' fade over the same stretch, interpolated in 1/T; anchored
 * √t), every neural number a mean with a 95 % interval over seeds.
 *
 *   deno task milestone-d [--models=neural_ode,lstm_attn,cnn_lstm,acla,acla@fade_rate] [--seeds=1,2,3,4,5]
 *                         [--splits=temperature_holdout,loco] [--real] [overrides…]
 *
 * Two framings, named apart: *prognosis* — each test cell's first 3 RPTs are observed, only later steps
 * are scored (the neural models and the baselines on exactly the same rows) — and *estimation* — health
 * indicators measured at the same RPT (summary_set; linear and lgbm). Synthetic Expt 1 by default (same
 * cells and temperatures as the real one); `--real` (or BATTERYML_MILESTONE_D_REAL=1) reads the real
 * Expt 1 (`data=m50t_real`). On synthetic data it also estimates the modes from 0.1C-curve ICA features
 * named by electrode transition (synthetic Expt 5 with curves), against the generator's truth.
 * Prints the tables and writes figures (per-mode trajectories with seed bands; ACLA's attention map).
 */
import { dirname, join } from "node:path";
import {
  composeConfig,
  createLogger,
  openRun,
  runExperiment,
  type RunSummary,
  terminalProgress,
} from "../mod.ts";
import { BASELINE_NAMES } from "../lib/baselines/mod.ts";
import type { ForecasterInstance } from "../plugins/models/sequence_forecaster.ts";
import {
  baselineRows,
  foldSamples,
  horizons,
  readScoredRows,
  rowKey,
  type ScoredRow,
} from "./_shared/scored_rows.ts";
import { type TableEntry, targetTable } from "./_shared/seed_table.ts";
import { aclaAttentionFigure, trajectoryFigure, writeFigure } from "./_shared/forecast_figures.ts";

/**
 * Models compared by default; `name@fade_rate` is the model with `model.anchor_baseline=fade_rate` (its
 * forecasts are corrections to the fade-rate baseline instead of changes from the last observed value).
 */
export const MILESTONE_D_MODELS = [
  "neural_ode",
  "lstm_attn",
  "cnn_lstm",
  "acla",
  "cnn_lstm@fade_rate",
  "acla@fade_rate",
];

/** The overrides and table label of a model entry (`plugin` or `plugin@anchor_baseline`). */
function modelEntry(entry: string): { overrides: string[]; label: string; plugin: string } {
  const [plugin, anchor] = entry.split("@");
  return anchor
    ? {
      plugin,
      overrides: [`model=${plugin}`, `model.anchor_baseline=${anchor}`],
      label: `${plugin} (on ${anchor})`,
    }
    : { plugin, overrides: [`model=${plugin}`], label: plugin };
}
/** Seeds of every neural model (≥ 5: a single seed's number is not a result). */
export const MILESTONE_D_SEEDS = [1, 2, 3, 4, 5];
/** Splits by default (LOCO with `--splits=temperature_holdout,loco`: one fold per cell, much longer). */
export const MILESTONE_D_SPLITS = ["temperature_holdout"];
/** Observed RPTs of each test cell: the forecast origin. */
export const OBSERVED_RPTS = 3;
/** The targets: SOH and the three degradation modes. */
export const TARGETS = ["soh", "lli", "lam_pe", "lam_ne"];

/**
 * Training settings for a handful of training cells (as milestone C: constant learning rate, weight
 * decay, early stopping on the inner validation cells), shortened so the default run takes minutes on
 * two cores. Command-line overrides come after and win.
 */
export const MILESTONE_D_DEFAULTS = [
  `evaluation.observe={rpts: ${OBSERVED_RPTS}}`,
  "pipeline=degradation_modes",
  "training.epochs=150",
  "training.patience=30",
  "training.weight_decay=0.001",
  "training.schedule=constant",
];

/** Data overrides: synthetic Expt 1 unless real or a `data=` override is given. */
function dataOverrides(real: boolean, overrides: readonly string[]): string[] {
  if (overrides.some((o) => /^data[=.]/.test(o))) return [];
  return real ? ["data=m50t_real"] : ["data=synthetic", "data.experiment=['1']"];
}

async function run(overrides: string[]): Promise<RunSummary> {
  return await runExperiment({
    composed: await composeConfig({ overrides }),
    log: createLogger({ quiet: true }),
    progress: terminalProgress(),
  });
}

/** Options of one milestone D run. */
export interface MilestoneDOptions {
  models?: string[];
  seeds?: number[];
  splits?: string[];
  real?: boolean;
  overrides?: string[];
  print?: (line: string) => void;
}

/** What milestone D computed, per split: the table entries (scored rows per seed) and where figures went. */
export interface MilestoneDResult {
  prognosis: Record<string, TableEntry[]>;
  estimation: Record<string, TableEntry[]>;
  figures: string[];
}

/** Runs milestone D and prints its tables; returns what was computed. */
export async function milestoneD(o: MilestoneDOptions = {}): Promise<MilestoneDResult> {
  const print = o.print ?? console.log;
  const models = o.models ?? MILESTONE_D_MODELS, seeds = o.seeds ?? MILESTONE_D_SEEDS;
  const user = o.overrides ?? [];
  const base = [...dataOverrides(o.real ?? false, user)];
  const result: MilestoneDResult = { prognosis: {}, estimation: {}, figures: [] };
  print(
    `Milestone D — ${TARGETS.join(", ")} on ${
      o.real ? "real" : "synthetic"
    } Expt 1; ${seeds.length} seeds (${seeds})`,
  );
  for (const split of o.splits ?? MILESTONE_D_SPLITS) {
    const splitBase = [...base, `split=${split}`];
    const entries: TableEntry[] = [];
    let reference: { summary: RunSummary; overrides: string[] } | undefined;
    let aclaRun: { summary: RunSummary; overrides: string[] } | undefined;
    for (const model of models) {
      const { overrides: chosen, label, plugin } = modelEntry(model);
      const seedRows: ScoredRow[][] = [];
      const t0 = performance.now();
      for (const seed of seeds) {
        const overrides = [
          ...splitBase,
          ...MILESTONE_D_DEFAULTS,
          ...chosen,
          `experiment.seed=${seed}`,
          ...user,
        ];
        const summary = await run(overrides);
        seedRows.push(await readScoredRows(summary.runDir));
        reference ??= { summary, overrides };
        if (plugin === "acla") aclaRun ??= { summary, overrides };
      }
      print(
        `   ${split} ${label}: ${seeds.length} seeds in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
      entries.push({ name: label, seeds: seedRows });
    }
    if (!reference) continue;
    const folds = await foldSamples(reference.summary, reference.overrides, OBSERVED_RPTS);
    const baselines = baselineRows(folds, entries[0].seeds[0]);
    for (const b of BASELINE_NAMES) entries.push({ name: `baseline: ${b}`, seeds: [baselines[b]] });
    result.prognosis[split] = entries;
    const horizon = horizons(folds);
    const horizonOf = (r: ScoredRow) => horizon.get(rowKey(r)) ?? NaN;
    for (const target of TARGETS) {
      print(
        `\n${target} — prognosis (first ${OBSERVED_RPTS} RPTs observed; later RPTs scored), ${split}; horizon = days since the last observed RPT`,
      );
      targetTable(entries, target, horizonOf).forEach((l) => print(l));
    }
    const figureDir = join(reference.summary.runDir, "milestone_d");
    const byModel = Object.fromEntries(
      entries.filter((e) => !e.name.startsWith("baseline")).map((e) => [e.name, e.seeds]),
    );
    for (const target of TARGETS) {
      const path = await writeFigure(
        figureDir,
        `trajectories_${split}_${target}`,
        trajectoryFigure(target, folds, byModel),
      );
      result.figures.push(path);
      print(`   figure: ${path}`);
    }
    if (aclaRun) {
      const path = await aclaAttention(aclaRun.summary, figureDir, split);
      if (path) (result.figures.push(path), print(`   figure: ${path}`));
    }
    result.estimation[split] = await estimation(splitBase, user, seeds, print, split);
  }
  if (!o.real && !user.some((x) => /^data[=.]/.test(x))) await curveEstimation(user, print);
  return result;
}

/** ACLA's attention map of the first test cell of the run's first fold (the run reopened, as it predicted). */
async function aclaAttention(summary: RunSummary, dir: string, split: string) {
  // runDir is <output.dir>/runs/<id>.
  const run = await openRun(summary.runId, {
    outputDir: dirname(dirname(summary.runDir)),
    log: createLogger({ quiet: true }),
  });
  const { model, samples } = await run.fold();
  const test = await samples();
  await model.predict(test);
  const maps = (model as ForecasterInstance).attention();
  if (!maps) return undefined;
  const rpts = Array.from(test.meta.rpt.subarray(0, test.lengths[0]), Number);
  return await writeFigure(dir, `acla_attention_${split}`, aclaAttentionFigure(maps, rpts));
}

/** Estimation: health indicators at the same RPT (summary_set) → linear and lgbm, every RPT scored. */
async function estimation(
  splitBase: string[],
  user: string[],
  seeds: number[],
  print: (line: string) => void,
  split: string,
): Promise<TableEntry[]> {
  const entries: TableEntry[] = [];
  const keep = user.filter((x) => !/^(training|model|pipeline|evaluation)\./.test(x));
  for (const model of ["linear", "lgbm"]) {
    const summary = await run([
      ...splitBase,
      "pipeline=summary_set",
      `pipeline.targets=[${TARGETS.join(", ")}]`,
      `model=${model}`,
      `experiment.seed=${seeds[0]}`,
      ...keep,
    ]);
    entries.push({ name: `${model} (estimation)`, seeds: [await readScoredRows(summary.runDir)] });
  }
  for (const target of TARGETS) {
    print(
      `\n${target} — estimation (health indicators at the same RPT; every RPT scored), ${split}, one run each`,
    );
    targetTable(entries, target, () => NaN).forEach((l) => print(l));
  }
  return entries;
}

/** Synthetic only: the modes estimated from transition-named ICA features of the 0.1C curves. */
async function curveEstimation(user: string[], print: (line: string) => void): Promise<void> {
  const keep = user.filter((x) => !/^(training|model|pipeline|evaluation|split)\./.test(x));
  const summary = await run([
    "data=synthetic_curves",
    "split=temperature_holdout",
    "pipeline=ica_peaks",
    "pipeline.peak_naming=transition",
    `pipeline.targets=[${TARGETS.join(", ")}]`,
    "model=lgbm",
    ...keep,
  ]);
  const entries = [{ name: "lgbm on ICA (transition)", seeds: [await readScoredRows(summary.runDir)] }];
  print(
    `\nModes from 0.1C-curve ICA features (synthetic Expt 5, generator's truth as target), temperature holdout`,
  );
  for (const target of TARGETS) {
    print(`   ${target}:`);
    targetTable(entries, target, () => NaN).forEach((l) => print(l));
  }
}

if (import.meta.main) {
  const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (v: string | undefined) => v?.split(",").filter(Boolean);
  const flags = Deno.args.filter((a) => a.startsWith("--"));
  try {
    await milestoneD({
      models: list(flag("models")),
      seeds: list(flag("seeds"))?.map(Number),
      splits: list(flag("splits")),
      real: flags.includes("--real") || Deno.env.get("BATTERYML_MILESTONE_D_REAL") === "1",
      overrides: Deno.args.filter((a) => !a.startsWith("--")),
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
