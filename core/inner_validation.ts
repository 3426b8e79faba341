/**
 * Inner validation, picked by the core: split plugins return whole-cell `{ name, train, test }` folds, and
 * per chamber temperature `perTemperature` training cells (seeded) move from train to val for early
 * stopping and model selection. A temperature with a single training cell keeps it in train: its only
 * example of that temperature is worth more for fitting than for validating. Test cells are never drawn.
 */
import { ConfigError } from "./errors.ts";
import type { CellInfo, Fold } from "./plugin.ts";
import type { Rng } from "./rng.ts";

/** A fold with its inner-validation cells: what the run trains, validates and tests on. */
export interface FoldCells {
  name: string;
  train: string[];
  val: string[];
  test: string[];
}

/**
 * The split's folds checked and given validation cells. `splitRng()` returns the stream the split
 * received, fresh: each fold draws from the child its `valStream` names (default its name), or from that
 * stream itself when `valStream` is null.
 */
export function withInnerValidation(
  folds: readonly Fold[],
  cells: readonly CellInfo[],
  splitRng: () => Rng,
  perTemperature: number,
): FoldCells[] {
  checkSplitFolds(folds, cells);
  const byKey = new Map(cells.map((c) => [c.cellKey, c]));
  return folds.map((f) => {
    const stream = f.valStream === null ? splitRng() : splitRng().fork(f.valStream ?? f.name);
    const { train, val } = drawValidation(f.train.map((k) => byKey.get(k)!), stream, perTemperature);
    return { name: f.name, train, val, test: [...f.test].sort() };
  });
}

/** Splits training cells into train and val; deterministic for the Rng's state. */
export function drawValidation(
  trainCells: readonly CellInfo[],
  rng: Rng,
  perTemperature: number,
): { train: string[]; val: string[] } {
  const byTemperature = new Map<number, string[]>();
  for (const c of [...trainCells].sort((a, b) => a.cellKey.localeCompare(b.cellKey))) {
    const group = byTemperature.get(c.chamberC) ?? [];
    group.push(c.cellKey);
    byTemperature.set(c.chamberC, group);
  }
  const val: string[] = [];
  for (const t of [...byTemperature.keys()].sort((a, b) => a - b)) {
    const group = byTemperature.get(t)!;
    const k = Math.min(perTemperature, group.length - 1);
    if (k > 0) val.push(...rng.sample(group, k));
  }
  const valSet = new Set(val);
  return {
    train: trainCells.map((c) => c.cellKey).filter((k) => !valSet.has(k)).sort(),
    val: val.sort(),
  };
}

/** Folds name known cells, train and test on some, never test a training cell, and leave `val` to the core. */
function checkSplitFolds(folds: readonly Fold[], cells: readonly CellInfo[]): void {
  const known = new Set(cells.map((c) => c.cellKey));
  if (folds.length === 0) throw new ConfigError("split", "the split produced no folds");
  for (const f of folds) {
    if ("val" in f) {
      throw new ConfigError(
        "split",
        `fold '${f.name}' has a 'val' list; a split returns { name, train, test } and the core picks ` +
          "the inner-validation cells from train (evaluation.val_per_temperature)",
      );
    }
    for (const key of [...f.train, ...f.test]) {
      if (!known.has(key)) throw new ConfigError("split", `fold '${f.name}' names unknown cell '${key}'`);
    }
    const train = new Set(f.train);
    const leaked = f.test.filter((k) => train.has(k));
    if (leaked.length) {
      throw new ConfigError("split", `fold '${f.name}' tests on training cells: ${leaked.join(", ")}`);
    }
    if (f.train.length === 0) throw new ConfigError("split", `fold '${f.name}' has no training cells`);
    if (f.test.length === 0) throw new ConfigError("split", `fold '${f.name}' has no test cells`);
  }
}
