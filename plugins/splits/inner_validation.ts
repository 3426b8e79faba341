/**
 * Inner validation shared by the split plugins: per chamber temperature, `perTemperature` training cells
 * (drawn with the seeded Rng) move from train to val, for early stopping and model selection. A temperature
 * with a single training cell keeps it in train: its only example of that temperature is worth more for
 * fitting than for validating. Test cells are never seen here.
 */
import { z } from "zod";
import type { CellInfo, Fold } from "../../core/plugin.ts";
import type { Rng } from "../../core/rng.ts";

/** The option every split shares: validation cells per chamber temperature (0 = no validation set). */
export const valPerTemperature = z.number().int().min(0).default(1);

/** Splits training cells into train and val; deterministic for the Rng's state. */
export function innerValidation(
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

/** A fold from its test cells and the training pool (inner validation drawn from the pool). */
export function foldOf(
  name: string,
  pool: readonly CellInfo[],
  test: readonly CellInfo[],
  rng: Rng,
  perTemperature: number,
): Fold {
  const { train, val } = innerValidation(pool, rng, perTemperature);
  return { name, train, val, test: test.map((c) => c.cellKey).sort() };
}
