/**
 * Milestone C: Neural ODE against LSTM-attention on SOH trajectories, temperature holdout (train 10 and
 * 40 °C, test 25 °C), forecasting from the first 4 RPTs of each test cell (only the later steps are
 * scored). Synthetic Expt 5 by default (the demo's data); `--real` reads the real Expt 1:
 *
 *   deno task milestone-c [--models=neural_ode,lstm_attn] [--seeds=1,2,3,4,5] [--real] [overrides…]
 *
 * Each model's learning rate is chosen by the sweep configs/sweep/milestone_c_lr.yaml (lib: the sweep
 * package, as `batteryml sweep` + `runs compare --metric validation_loss` run it): every learning rate ×
 * seed is a normal run, and the rate with the lowest mean inner-validation loss over the seeds wins — the
 * validation cells are training cells, never test cells. The chosen rate's runs (one per seed) are the
 * results: each number in the table is the mean and 95 % Student-t interval over the seeds, beside the
 * baselines on exactly the scored steps (persistence, the training cells' fade rate interpolated in 1/T,
 * anchored √t, and two linear extrapolations of the observed prefix). Overrides go to every run
 * (`training.learning_rate=0.01` pins the rate; `training.learning_rate=0.001,0.01` replaces the grid).
 * A model whose plugin does not load is skipped with the reason. Writes the trajectories with seed bands,
 * the neural ODE's latent trajectories and LSTM-attention's attention map.
 */
import { join } from "node:path";
import { composeConfig, loadPlugin, terminalProgress } from "../mod.ts";
import { BASELINE_NAMES } from "../lib/baselines/mod.ts";
import {
  baselineRows,
  type FoldSamples,
  foldSamples,
  horizons,
  readScoredRows,
  rowKey,
  type ScoredRow,
} from "./_shared/scored_rows.ts";
import { type TableEntry, targetTable } from "./_shared/seed_table.ts";
import { trajectoryFigure, writeFigure } from "./_shared/forecast_figures.ts";
import {
  type FinalRun,
  selectByValidation,
  type Selection,
  selectionLines,
} from "./milestone_c/lr_selection.ts";
import { LINEAR_BASELINES, linearBaselineRows } from "./milestone_c/linear_baselines.ts";
import { modelFigures } from "./milestone_c/model_figures.ts";

/** Models compared by default. */
export const MILESTONE_C_MODELS = ["neural_ode", "lstm_attn"];

/**
 * The learning-rate sweep of every model: the settings of milestone C (data, split, observed prefix,
 * training) and the grid and seeds; the model, data and other overrides of the command line come after.
 */
export const MILESTONE_C_SWEEP = "configs/sweep/milestone_c_lr.yaml";

/** The target the table reports. */
const TARGET = "soh";

/** Options of one milestone C run. */
export interface MilestoneCOptions {
  models?: string[];
  /** Seeds (≥ 2: an interval needs two); default: the sweep file's. */
  seeds?: number[];
  /** The real Expt 1 (`data=m50t_real`) instead of the synthetic Expt 5. */
  real?: boolean;
  overrides?: string[];
  print?: (line: string) => void;
}

/** What milestone C computed: per model the selection and its final runs' scored rows, and the table. */
export interface MilestoneCResult {
  selections: Record<string, Selection>;
  entries: TableEntry[];
  figures: string[];
}

/** The sweep arguments of one model: its plugin, the data, the seeds, then the command line's overrides. */
function sweepArgs(model: string, o: MilestoneCOptions): string[] {
  const user = o.overrides ?? [];
  const data = o.real && !user.some((x) => /^data=/.test(x)) ? ["data=m50t_real"] : [];
  const seeds = o.seeds ? [`experiment.seed=${o.seeds.join(",")}`] : [];
  return [`model=${model}`, ...data, ...seeds, ...user];
}

/** Models of `names` whose plugin loads; the others are reported and skipped. */
async function loadableModels(names: string[], print: (line: string) => void): Promise<string[]> {
  const ok: string[] = [];
  for (const name of names) {
    try {
      await loadPlugin(name, "model");
      ok.push(name);
    } catch (err) {
      print(`   skipping model '${name}': ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return ok;
}

/** The observed RPTs of the runs' forecasts (`evaluation.observe.rpts`), which the baselines must match. */
async function observedRpts(run: FinalRun): Promise<number> {
  const observe = (await composeConfig({ overrides: run.overrides })).config.evaluation.observe;
  if (!observe?.rpts) {
    throw new Error(
      `milestone C forecasts from observed RPTs; run ${run.runId} has evaluation.observe=${
        JSON.stringify(observe)
      }`,
    );
  }
  return observe.rpts;
}

/** Checks that every seed of every model scored the same rows as the reference (baselines are scored on them). */
function checkSameRows(entries: readonly TableEntry[], reference: readonly ScoredRow[]): void {
  const want = reference.map(rowKey).sort().join("\n");
  for (const e of entries) {
    e.seeds.forEach((rows, i) => {
      if (rows.map(rowKey).sort().join("\n") !== want) {
        throw new Error(
          `${e.name}, seed #${
            i + 1
          }: scored other rows than the first run; the table compares like with like`,
        );
      }
    });
  }
}

/** Runs milestone C and prints its table; returns what was computed. */
export async function milestoneC(o: MilestoneCOptions = {}): Promise<MilestoneCResult> {
  const print = o.print ?? console.log;
  if (o.seeds && o.seeds.length < 2) {
    throw new Error(`--seeds: a 95 % interval needs at least 2 seeds, found ${o.seeds.length} (${o.seeds})`);
  }
  print(
    `Milestone C — SOH forecast from the first observed RPTs, temperature holdout, ${
      o.real ? "real Expt 1" : "synthetic Expt 5 unless data= says otherwise"
    }; learning rate chosen per model by ${MILESTONE_C_SWEEP} on the inner validation cells`,
  );
  const result: MilestoneCResult = { selections: {}, entries: [], figures: [] };
  let reference: FinalRun | undefined;
  for (const model of await loadableModels(o.models ?? MILESTONE_C_MODELS, print)) {
    const t0 = performance.now();
    const s = await selectByValidation({
      file: MILESTONE_C_SWEEP,
      args: sweepArgs(model, o),
      progress: terminalProgress(),
    });
    result.selections[model] = s;
    const lr = s.chosen.params["training.learning_rate"];
    print(
      `\n${model}: sweep ${s.sweepId} (${s.comparison.configs.length} configurations × ${s.finalRuns.length} seeds, ${s.ran} run now, ${
        ((performance.now() - t0) / 1000).toFixed(0)
      } s); inner-validation loss, mean [95 % CI] over seeds:`,
    );
    selectionLines(s).forEach((l) => print(`   ${l}`));
    const seeds = await Promise.all(s.finalRuns.map((r) => readScoredRows(r.runDir)));
    result.entries.push({ name: lr ? `${model} (lr ${lr})` : model, seeds });
    reference ??= s.finalRuns[0];
    const first = s.finalRuns[0];
    for (const [name, figure] of Object.entries(await modelFigures(model, first.runDir, first.runId))) {
      const path = await writeFigure(join(first.runDir, "figures"), name, figure);
      result.figures.push(path);
      print(`   ${name} (seed ${first.seed}): ${path}`);
    }
  }
  if (!reference) throw new Error("milestone C: no model to compare");
  const scored = result.entries[0].seeds[0];
  checkSameRows(result.entries, scored);
  const folds = await foldSamples(
    JSON.parse(await Deno.readTextFile(join(reference.runDir, "manifest.json"))),
    reference.overrides,
    await observedRpts(reference),
  );
  const physical = baselineRows(folds, scored), linear = linearBaselineRows(folds, scored);
  const models = Object.fromEntries(result.entries.map((e) => [e.name, e.seeds]));
  for (const b of BASELINE_NAMES) result.entries.push({ name: `baseline: ${b}`, seeds: [physical[b]] });
  for (const b of LINEAR_BASELINES) result.entries.push({ name: `baseline: ${b}`, seeds: [linear[b]] });
  const horizon = horizons(folds);
  print(
    `\n${TARGET} — test cells, the steps after the observed prefix; mean [95 % CI] over seeds (baselines: one value); horizon = days since the last observed RPT`,
  );
  targetTable(result.entries, TARGET, (r) => horizon.get(rowKey(r)) ?? NaN).forEach((l) => print(l));
  result.figures.push(await trajectories(reference, folds, models, print));
  return result;
}

/** The test cells' trajectories against every model's forecast (seed mean, band: range over seeds). */
async function trajectories(
  reference: FinalRun,
  folds: FoldSamples[],
  models: Record<string, ScoredRow[][]>,
  print: (line: string) => void,
): Promise<string> {
  const path = await writeFigure(
    join(reference.runDir, "milestone_c"),
    `trajectories_${TARGET}`,
    trajectoryFigure(TARGET, folds, models),
  );
  print(`   trajectories: ${path}`);
  return path;
}

if (import.meta.main) {
  const flag = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (v: string | undefined) => v?.split(",").filter(Boolean);
  try {
    const unknown = Deno.args.filter((a) => a.startsWith("--") && !/^--(models|seeds)=|^--real$/.test(a));
    if (unknown.length > 0) {
      throw new Error(`unknown flag ${unknown[0]}; expected --models=a,b, --seeds=1,2,… or --real`);
    }
    await milestoneC({
      models: list(flag("models")),
      seeds: list(flag("seeds"))?.map(Number),
      real: Deno.args.includes("--real"),
      overrides: Deno.args.filter((a) => !a.startsWith("--")),
    });
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
