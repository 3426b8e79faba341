/**
 * A numeric column of a dataset's canonical table, or a DataError naming the table, the column and the
 * columns there are — what every table-reading pipeline needs before it computes anything.
 */
import { type ColumnTable, DataError } from "../../mod.ts";

/** The Float64Array column `name` of `t` (the canonical table `table`). */
export function numericColumn(t: ColumnTable, name: string, table: string): Float64Array {
  const c = t.columns[name];
  if (!(c instanceof Float64Array)) {
    throw new DataError(
      `canonical table '${table}': column ${c === undefined ? "is missing" : "is not numeric"}`,
      {
        column: name,
        expected: "a numeric canonical column",
        found: c === undefined ? `columns ${Object.keys(t.columns).join(", ")}` : "text",
      },
    );
  }
  return c;
}
