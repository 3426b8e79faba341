/**
 * A View: a dataset restricted to some cells. Reading any other cell throws `LeakageError`, so a
 * pipeline fitted on the training View cannot see test cells, by construction.
 */
import { LeakageError } from "./errors.ts";
import type { CellInfo, ColumnTable, Curve, CurveQuery, DatasetInstance } from "./plugin.ts";

/** The dataset seen through `cellKeys` only. */
export function restrictToCells(dataset: DatasetInstance, cellKeys: readonly string[]): DatasetInstance {
  const allowed = new Set(cellKeys);
  const guard = (key: string) => {
    if (!allowed.has(key)) throw new LeakageError(key, [...allowed]);
  };
  return {
    async cells(): Promise<CellInfo[]> {
      return (await dataset.cells()).filter((c) => allowed.has(c.cellKey));
    },
    table(name: string, keys: readonly string[]): Promise<ColumnTable> {
      keys.forEach(guard);
      return dataset.table(name, keys);
    },
    curves(cellKey: string, query: CurveQuery): Promise<Curve[]> {
      guard(cellKey);
      return dataset.curves(cellKey, query);
    },
    fingerprint: () => dataset.fingerprint(),
  };
}
