/**
 * Reading a small CSV as text columns (nodejs-polars, no type inference) and turning text cells into
 * numbers and dates with errors that name the file, line and column. Summary files are tiny, so parsing
 * every cell ourselves costs nothing and lets every bad value be reported exactly.
 */
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { DataError } from "../errors.ts";
import { checkEndsWithNewline, DataIssues } from "./plausibility.ts";

/** A CSV as read: headers in file order and one text column per header (null = empty cell). */
export interface TextTable {
  file: string;
  headers: string[];
  columns: (string | null)[][];
  rows: number;
}

/** Files in the folder of `file` (for "not found" messages), or "folder missing". */
async function siblings(file: string): Promise<string> {
  const dir = file.replace(/[/\\][^/\\]*$/, "");
  try {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    return names.length
      ? `files ${names.sort().map((n) => JSON.stringify(n)).join(", ")}`
      : "an empty folder";
  } catch {
    return `no folder '${dir}'`;
  }
}

/** A DataError for a file that does not exist, listing what its folder holds. */
export async function missingFileError(file: string, what: string): Promise<DataError> {
  return new DataError("file not found", { file, expected: what, found: await siblings(file) });
}

/**
 * Reads a CSV as text; DataError when missing, empty or without data rows. A file that does not end in a
 * newline lost its last line: reported to `issues` (an error unless `data.strict=false`).
 */
export async function readTextTable(
  file: string,
  what: string,
  issues: DataIssues = new DataIssues(true),
): Promise<TextTable> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw await missingFileError(file, what);
    throw err;
  }
  if (text.trim() === "") {
    throw new DataError("empty file", {
      file,
      expected: `${what} with a header and rows`,
      found: "0 bytes of data",
    });
  }
  checkEndsWithNewline(text, file, issues);
  let df: pl.DataFrame;
  try {
    // A Buffer is always read as CSV content (a string without a newline would be taken for a path).
    df = pl.readCSV(Buffer.from(text), { inferSchemaLength: 0, hasHeader: true, quoteChar: '"' });
  } catch (err) {
    throw new DataError("unreadable CSV", { file, expected: "comma-separated values", found: String(err) });
  }
  if (df.height === 0) {
    throw new DataError("no data rows", {
      file,
      expected: `${what} with at least one row`,
      found: "a header only",
    });
  }
  const headers = headerLine(text);
  const columns = df.getColumns().map((s) => s.toArray() as (string | null)[]);
  return {
    file,
    headers: headers.length === columns.length ? headers : df.columns,
    columns,
    rows: df.height,
  };
}

/** The header cells as written (polars renames an empty header; we keep it empty for the alias table). */
function headerLine(text: string): string[] {
  const first = text.slice(0, text.search(/\r?\n|$/));
  return splitCsvLine(first);
}

/** Splits one CSV line, honouring double quotes ("2,2"). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** True for an empty or NaN cell: a missing value, never zero. */
export function isMissing(cell: string | null): boolean {
  if (cell === null) return true;
  const t = cell.trim();
  return t === "" || t.toLowerCase() === "nan";
}

/**
 * Numbers of a text column (NaN = missing), converted as value·factor + offset. Line numbers in errors are
 * file lines (the header is line 1).
 */
export function parseNumberColumn(
  cells: readonly (string | null)[],
  where: { file: string; column: string },
  conversion: { factor: number; divisor: number; offset: number } = { factor: 1, divisor: 1, offset: 0 },
): Float64Array {
  const { factor, divisor, offset } = conversion;
  const out = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (isMissing(cell)) {
      out[i] = NaN;
      continue;
    }
    const t = (cell as string).trim();
    if (!NUMBER.test(t)) {
      throw new DataError("unparseable number", {
        ...where,
        row: i + 2,
        expected: "a number",
        found: JSON.stringify(cell),
      });
    }
    out[i] = (Number(t) * factor) / divisor + offset;
  }
  return out;
}

/** Dates written dd/mm/yyyy → ISO yyyy-mm-dd (null = missing); anything else is a DataError. */
export function parseDateColumn(
  cells: readonly (string | null)[],
  where: { file: string; column: string },
): (string | null)[] {
  return cells.map((cell, i) => {
    if (isMissing(cell)) return null;
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((cell as string).trim());
    const day = m ? Number(m[1]) : NaN;
    const month = m ? Number(m[2]) : NaN;
    const year = m ? Number(m[3]) : NaN;
    const date = new Date(Date.UTC(year, month - 1, day));
    if (!m || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) {
      throw new DataError("unparseable date", {
        ...where,
        row: i + 2,
        expected: "a date dd/mm/yyyy",
        found: JSON.stringify(cell),
      });
    }
    return date.toISOString().slice(0, 10);
  });
}

/** True when every non-missing cell is a number (extra columns become numeric then). */
export function looksNumeric(cells: readonly (string | null)[]): boolean {
  return cells.every((c) => isMissing(c) || NUMBER.test((c as string).trim()));
}
