/**
 * Shared by milestones C and D. The rows a forecasting run scored, read back from its predictions.csv, and
 * the physical baselines' forecasts on exactly those rows (lib/baselines): same folds, same cells, same RPTs,
 * same targets. The baselines read each test cell's observed prefix and the fold's training cells (train ∪
 * validation, the refit's cells) through the run's own data and pipeline configuration.
 */
import { join } from "node:path";
import {
  composeConfig,
  createLogger,
  createPlugin,
  createRng,
  loadPlugin,
  restrictToCells,
  type RunSummary,
  type SampleSet,
} from "../../mod.ts";
import { BASELINE_NAMES, baselineForecasts, type BaselineName } from "../../lib/baselines/mod.ts";

/** One scored prediction with its forecast horizon (days since the last observed RPT). */
export interface ScoredRow {
  fold: string;
  cellKey: string;
  chamberC: number;
  rpt: number;
  target: string;
  yTrue: number;
  yPred: number;
}

/** Splits one CSV line (quoted fields may hold commas and doubled quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"', i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") (out.push(field), field = "");
    else field += c;
  }
  return [...out, field];
}

/** The scored rows of a finished run (its predictions.csv). */
export async function readScoredRows(runDir: string): Promise<ScoredRow[]> {
  const [head, ...lines] = (await Deno.readTextFile(join(runDir, "predictions.csv"))).trim().split("\n");
  const cols = csvFields(head);
  const at = (name: string) => {
    const j = cols.indexOf(name);
    if (j < 0) throw new Error(`${runDir}/predictions.csv: no column '${name}' (found ${cols.join(", ")})`);
    return j;
  };
  const j = {
    fold: at("fold"),
    cellKey: at("cellKey"),
    chamberC: at("chamberC"),
    rpt: at("rpt"),
    target: at("target"),
    yTrue: at("y_true"),
    yPred: at("y_pred"),
  };
  return lines.map((line) => {
    const f = csvFields(line);
    return {
      fold: f[j.fold],
      cellKey: f[j.cellKey],
      chamberC: Number(f[j.chamberC]),
      rpt: Number(f[j.rpt]),
      target: f[j.target],
      yTrue: Number(f[j.yTrue]),
      yPred: Number(f[j.yPred]),
    };
  });
}

/** Key of a scored row by fold, cell, RPT and target. */
export const rowKey = (r: { fold: string; cellKey: string; rpt: number; target: string }) =>
  `${r.fold}\u0000${r.cellKey}\u0000${r.rpt}\u0000${r.target}`;

/** What the baselines and the figures need of one fold: its test samples and each step's horizon. */
export interface FoldSamples {
  fold: string;
  train: SampleSet;
  test: SampleSet;
  /** Observed steps per test sample. */
  observed: Int32Array;
  baselines: Record<BaselineName, Float64Array>;
}

/** Days per unit of `t` of sample i (the pipeline's time scale); NaN when time is not in days. */
export function daysPerUnit(set: SampleSet, i: number): number {
  const unit = set.meta.extra?.time_unit as string[] | undefined;
  const scale = set.meta.extra?.time_scale as Float64Array | undefined;
  if (unit && unit[i] !== "days") return NaN;
  return scale ? scale[i] : 1;
}

/**
 * Each fold's samples (pipeline fitted on the fold's training cells, as the run did) and baselines. `run`
 * is a run's summary or its reopened form (`openRun`): only its folds' cells are read.
 */
export async function foldSamples(
  run: Pick<RunSummary, "folds">,
  overrides: string[],
  observeRpts: number,
): Promise<FoldSamples[]> {
  const c = (await composeConfig({ overrides })).config;
  const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
  const { use: dataUse, ...dataOpts } = c.data;
  const { use: pipeUse, ...pipeOpts } = c.pipeline;
  const dataset = await createPlugin(await loadPlugin(dataUse, "dataset"), dataOpts, ctx, "data");
  const pipeline = await createPlugin(await loadPlugin(pipeUse, "pipeline"), pipeOpts, ctx, "pipeline");
  const out: FoldSamples[] = [];
  for (const f of run.folds) {
    const trainCells = [...new Set([...f.train, ...f.val])];
    const fitted = await pipeline.fit(restrictToCells(dataset, trainCells));
    const train = await fitted.transform(restrictToCells(dataset, trainCells));
    const test = await fitted.transform(restrictToCells(dataset, f.test));
    const observed = Int32Array.from(test.lengths, (len) => Math.max(1, Math.min(len, observeRpts)));
    out.push({ fold: f.name, train, test, observed, baselines: baselineForecasts(train, test, observed) });
  }
  return out;
}

/** Per scored row key: days since the forecast origin. */
export function horizons(folds: readonly FoldSamples[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const { fold, test, observed } of folds) {
    const T = test.steps;
    for (let i = 0; i < test.n; i++) {
      const origin = test.t[i * T + observed[i] - 1], scale = daysPerUnit(test, i);
      for (let s = 0; s < test.lengths[i]; s++) {
        for (const target of test.targetNames) {
          const key = rowKey({ fold, cellKey: test.meta.cellKey[i], rpt: test.meta.rpt[i * T + s], target });
          out.set(key, (test.t[i * T + s] - origin) * scale);
        }
      }
    }
  }
  return out;
}

/** The baselines' rows on exactly the scored rows of `scored` (a row a baseline cannot forecast is an error). */
export function baselineRows(
  folds: readonly FoldSamples[],
  scored: readonly ScoredRow[],
): Record<BaselineName, ScoredRow[]> {
  const value = new Map<string, Record<BaselineName, number>>();
  for (const { fold, test, baselines } of folds) {
    const T = test.steps, K = test.targetNames.length;
    for (let i = 0; i < test.n; i++) {
      for (let s = 0; s < test.lengths[i]; s++) {
        test.targetNames.forEach((target, k) => {
          const at = (i * T + s) * K + k;
          const key = rowKey({ fold, cellKey: test.meta.cellKey[i], rpt: test.meta.rpt[i * T + s], target });
          value.set(key, Object.fromEntries(BASELINE_NAMES.map((b) => [b, baselines[b][at]])) as never);
        });
      }
    }
  }
  const out = Object.fromEntries(BASELINE_NAMES.map((b) => [b, [] as ScoredRow[]])) as Record<
    BaselineName,
    ScoredRow[]
  >;
  for (const r of scored) {
    const v = value.get(rowKey(r));
    for (const b of BASELINE_NAMES) {
      if (!v || !Number.isFinite(v[b])) {
        throw new Error(
          `baseline ${b} has no forecast for fold ${r.fold}, cell ${r.cellKey}, RPT ${r.rpt}, ${r.target}`,
        );
      }
      out[b].push({ ...r, yPred: v[b] });
    }
  }
  return out;
}
