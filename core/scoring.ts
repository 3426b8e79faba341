/**
 * Scoring a fold's predictions: the rows of predictions.csv for the steps that were both observed in the
 * data and predicted after the forecast's observed prefix. A prediction that cannot be scored is an
 * error, never a quiet gap in the report: a finished run must mean every test cell was scored.
 */
import { observedLengths } from "../lib/sequence/mod.ts";
import { ConfigError, ModelError } from "./errors.ts";
import type { ExperimentConfig } from "./experiment_schema.ts";
import type { Prediction } from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
import type { SampleSet } from "./sample.ts";

/** What a forecast has seen: the first `rpts` steps or the steps within `days` of the start. */
export type Observe = ExperimentConfig["evaluation"]["observe"];

/** Which fold and model the predictions came from (for error messages). */
export interface ScoringContext {
  fold: string;
  model: string;
  chamber: Map<string, number>;
  observe: Observe;
}

/**
 * Per sample, how many leading steps forecasts observed (scored steps come after them): the same rule
 * the sequence models apply (lib/sequence/observe.ts), so scoring and input never disagree. Tabular samples
 * (T = 1) have no prefix.
 */
export function observedPrefix(set: SampleSet, observe: Observe): Int32Array {
  if (!observe || set.steps === 1) return new Int32Array(set.n);
  return observedLengths(set, observe);
}

/** Rows of predictions.csv; throws ModelError / ConfigError when a test cell cannot be scored. */
export function scoredRows(set: SampleSet, pred: Prediction, ctx: ScoringContext): PredictionRow[] {
  checkShape(set, pred, ctx);
  const K = set.targetNames.length, T = set.steps;
  const observed = observedPrefix(set, ctx.observe);
  const perCell = new Map<string, CellCount>();
  const rows: PredictionRow[] = [];
  for (let i = 0; i < set.n; i++) {
    const cellKey = set.meta.cellKey[i];
    const count = perCell.get(cellKey) ?? { truth: 0, scorable: 0, scored: 0 };
    perCell.set(cellKey, count);
    for (let s = 0; s < set.lengths[i]; s++) {
      for (let k = 0; k < K; k++) {
        const at = (i * T + s) * K + k;
        if (!set.yMask[at]) continue;
        count.truth++;
        if (s < observed[i]) continue;
        count.scorable++;
        if (!pred.mask[at]) continue;
        const rpt = set.meta.rpt[i * T + s];
        if (!Number.isFinite(pred.y[at])) {
          throw new ModelError(
            { model: ctx.model, fold: ctx.fold, cellKey },
            `predicted ${pred.y[at]} for target '${
              set.targetNames[k]
            }' at RPT ${rpt}; expected a finite number`,
          );
        }
        count.scored++;
        rows.push({
          fold: ctx.fold,
          cellKey,
          chamberC: ctx.chamber.get(cellKey) ?? set.meta.chamberC[i],
          rpt,
          t: set.t[i * T + s],
          target: set.targetNames[k],
          yTrue: set.y[at],
          yPred: pred.y[at],
        });
      }
    }
  }
  checkEveryCellScored(perCell, ctx);
  if (rows.length === 0) {
    throw new ModelError(
      { model: ctx.model, fold: ctx.fold },
      `nothing to score: the test set (${set.n} samples) holds no observed target`,
    );
  }
  return rows;
}

/** Counts of one test cell: observed targets, those after the observed prefix, those scored. */
interface CellCount {
  truth: number;
  scorable: number;
  scored: number;
}

function checkShape(set: SampleSet, pred: Prediction, ctx: ScoringContext): void {
  const K = set.targetNames.length, T = set.steps, size = set.n * T * K;
  const where = { model: ctx.model, fold: ctx.fold };
  const shape = pred.yShape;
  if (!Array.isArray(shape) || shape.length !== 3 || shape[0] !== set.n || shape[1] !== T || shape[2] !== K) {
    throw new ModelError(where, `predicted shape [${shape}], expected [${set.n}, ${T}, ${K}]`);
  }
  if (!pred.y || pred.y.length < size) {
    throw new ModelError(
      where,
      `y has ${pred.y?.length ?? 0} values, but yShape [${shape}] needs ${size}; the prediction is truncated`,
    );
  }
  if (!pred.mask || pred.mask.length < size) {
    throw new ModelError(
      where,
      `mask has ${pred.mask?.length ?? 0} values, but yShape [${shape}] needs ${size}`,
    );
  }
}

function checkEveryCellScored(perCell: Map<string, CellCount>, ctx: ScoringContext): void {
  for (const [cellKey, c] of perCell) {
    if (c.truth > 0 && c.scorable === 0) {
      throw new ConfigError(
        "evaluation.observe",
        `${
          JSON.stringify(ctx.observe)
        } leaves no step to score for cell '${cellKey}' in fold '${ctx.fold}' ` +
          `(all of its ${c.truth} observed targets lie in the observed prefix); observe less`,
      );
    }
    if (c.scorable > 0 && c.scored === 0) {
      throw new ModelError(
        { model: ctx.model, fold: ctx.fold, cellKey },
        `every prediction is masked (${c.scorable} steps to score, none predicted)`,
      );
    }
  }
}
