/**
 * Prediction rows, from one loop: a run scores its test cells (`scoredRows`: the steps both observed in
 * the data and predicted after the forecast's observed prefix), `predict` lists every predicted step of
 * new cells (`predictedRows`). Both check the prediction's shape first. A prediction that cannot be scored
 * is an error, never a quiet gap in the report: a finished run must mean every test cell was scored.
 */
import { ConfigError, ModelError } from "./errors.ts";
import { type Observe, observedPrefix } from "./observe.ts";
import type { Prediction } from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
import type { SampleSet } from "./sample.ts";

/** Which fold and model the predictions came from (for error messages). */
export interface ScoringContext {
  fold: string;
  model: string;
  /** `evaluation.observe`, named when it leaves a cell nothing to score. */
  observe: Observe;
  /** Chamber temperatures of the dataset's cells (default: the samples' own `meta.chamberC`). */
  chamber?: ReadonlyMap<string, number>;
}

/** Rows of predictions.csv; throws ModelError / ConfigError when a test cell cannot be scored. */
export function scoredRows(set: SampleSet, pred: Prediction, ctx: ScoringContext): PredictionRow[] {
  const observed = observedPrefix(set);
  const perCell = new Map<string, CellCount>();
  const rows = rowsOf(set, pred, ctx, (i, s, at) => {
    const cellKey = set.meta.cellKey[i];
    const count = perCell.get(cellKey) ?? { truth: 0, scorable: 0, scored: 0 };
    perCell.set(cellKey, count);
    if (!set.yMask[at]) return false;
    count.truth++;
    if (s < observed[i]) return false;
    count.scorable++;
    if (!pred.mask[at]) return false;
    count.scored++;
    return true;
  });
  checkEveryCellScored(perCell, ctx);
  if (rows.length === 0) {
    throw new ModelError(
      { model: ctx.model, fold: ctx.fold },
      `nothing to score: the test set (${set.n} samples) holds no observed target`,
    );
  }
  return rows;
}

/** Every predicted step of `set` (y_true NaN where the data have no value): what `predict` writes. */
export function predictedRows(set: SampleSet, pred: Prediction, ctx: ScoringContext): PredictionRow[] {
  return rowsOf(set, pred, ctx, (_i, _s, at) => pred.mask[at] === 1);
}

/** The one loop over (sample, step, target) of a prediction; `keep` picks the rows, whose y_pred must be finite. */
function rowsOf(
  set: SampleSet,
  pred: Prediction,
  ctx: ScoringContext,
  keep: (i: number, s: number, at: number) => boolean,
): PredictionRow[] {
  checkShape(set, pred, ctx);
  const K = set.targetNames.length, T = set.steps;
  const rows: PredictionRow[] = [];
  for (let i = 0; i < set.n; i++) {
    for (let s = 0; s < set.lengths[i]; s++) {
      for (let k = 0; k < K; k++) {
        const at = (i * T + s) * K + k;
        if (!keep(i, s, at)) continue;
        const cellKey = set.meta.cellKey[i], rpt = set.meta.rpt[i * T + s];
        if (!Number.isFinite(pred.y[at])) {
          throw new ModelError(
            { model: ctx.model, fold: ctx.fold, cellKey },
            `predicted ${pred.y[at]} for target '${
              set.targetNames[k]
            }' at RPT ${rpt}; expected a finite number`,
          );
        }
        rows.push({
          fold: ctx.fold,
          cellKey,
          chamberC: ctx.chamber?.get(cellKey) ?? set.meta.chamberC[i],
          rpt,
          t: set.t[i * T + s],
          target: set.targetNames[k],
          yTrue: set.yMask[at] ? set.y[at] : NaN,
          yPred: pred.y[at],
        });
      }
    }
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
