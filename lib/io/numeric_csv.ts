/**
 * A CSV number parser that reads bytes directly — no TextDecoder, no per-row strings — for the large
 * all-numeric files of the benchmarks (0.1C curves, GBDT tables), where parsing dominates the run. Plain
 * decimals take a fast path that is exactly round-to-nearest, like strtod; anything else goes through
 * Number(). Written here because no npm CSV reader parses numbers without building strings first.
 */

/** Numeric columns of a CSV file, by header name. */
export interface NumericTable {
  header: string[];
  columns: Float64Array[];
  rows: number;
}

const COMMA = 44;
const NEWLINE = 10;
const CR = 13;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
/** 10^k, exact in float64 for k ≤ 22 (what makes mantissa / 10^k correctly rounded). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
const NA_TOKENS = new Set(["", "NA", "N/A", "NaN", "nan", "NULL", "null", "-nan", "#N/A"]);

/**
 * Parses a comma-separated file whose first line is a header and whose fields are all numbers (empty or
 * NA fields → NaN). Plain decimals take a fast path that is exactly round-to-nearest, like strtod: an
 * integer mantissa below 2^53 divided by an exact power of ten; anything else goes through Number().
 */
export function parseNumericCsv(input: Uint8Array, source = "<bytes>"): NumericTable {
  return parseWith(
    input,
    source,
    (count, rows) => Array.from({ length: count }, () => new Float64Array(rows)),
  );
}

/**
 * A parser that keeps its column buffers between files: a stream of many similar files (the ICA of 1,000
 * curves) then allocates nothing per file once the largest has been seen. Fresh columns per file were
 * short-lived megabytes that V8 collects in batches, so peak RSS grew with the number of files
 * (docs/results.md §10). The columns a `parse` returns are views valid until the next `parse`.
 */
export class NumericCsvParser {
  #buffers: Float64Array[] = [];
  /** Column buffers allocated so far (grows only when a file has more rows or columns than any before). */
  allocations = 0;

  /** Parses `input` like {@link parseNumericCsv}, into this parser's reused columns. */
  parse(input: Uint8Array, source = "<bytes>"): NumericTable {
    return parseWith(input, source, (count, rows) => this.#reserve(count, rows));
  }

  #reserve(count: number, rows: number): Float64Array[] {
    for (let c = 0; c < count; c++) {
      if ((this.#buffers[c]?.length ?? 0) < rows) {
        this.#buffers[c] = new Float64Array(rows);
        this.allocations++;
      }
    }
    return this.#buffers.slice(0, count);
  }
}

/** Header, then rows into the columns `allocate(columnCount, rowsEstimate)` provides. */
function parseWith(
  input: Uint8Array,
  source: string,
  allocate: (columnCount: number, rows: number) => Float64Array[],
): NumericTable {
  // A final newline makes every scan stop inside the buffer: no out-of-range reads, which would make V8
  // deoptimise the hot loop.
  const bytes = input.length === 0 || input[input.length - 1] === NEWLINE ? input : withFinalNewline(input);
  const headerEnd = lineEnd(bytes, 0);
  const header = latin1(bytes, 0, trimCr(bytes, 0, headerEnd)).split(",");
  const start = headerEnd + 1;
  const initial = allocate(header.length, estimateRows(bytes, start));
  const { columns, rows } = parseRows(bytes, start, header, initial, source);
  return { header, columns: columns.map((col) => col.subarray(0, rows)), rows };
}

/** The hot loop: one pass over the data bytes, one store per field, no allocation. */
function parseRows(
  bytes: Uint8Array,
  start: number,
  header: string[],
  initial: Float64Array[],
  source: string,
) {
  const last = header.length - 1;
  let columns = initial;
  let pos = start;
  let row = 0;
  while (pos < bytes.length) {
    if (row === columns[0].length) columns = columns.map(grown);
    let b = bytes[pos];
    if (b === NEWLINE || b === CR) {
      pos = lineEnd(bytes, pos) + 1; // blank line: skipped, as pandas does
      continue;
    }
    for (let c = 0; c <= last; c++) {
      const fieldStart = pos;
      const negative = b === MINUS;
      if (negative) b = bytes[++pos];
      let mantissa = 0;
      const digitsStart = pos;
      while (b >= ZERO && b <= NINE) {
        mantissa = mantissa * 10 + (b - ZERO);
        b = bytes[++pos];
      }
      let decimals = 0;
      let dot = 0;
      if (b === DOT) {
        dot = 1;
        const fractionStart = ++pos;
        b = bytes[pos];
        while (b >= ZERO && b <= NINE) {
          mantissa = mantissa * 10 + (b - ZERO);
          b = bytes[++pos];
        }
        decimals = pos - fractionStart;
      }
      const digits = pos - digitsStart - dot;
      const ended = c === last ? b === NEWLINE || b === CR : b === COMMA;
      if (ended && digits > 0 && mantissa <= Number.MAX_SAFE_INTEGER && decimals < POW10.length) {
        const magnitude = mantissa / POW10[decimals];
        columns[c][row] = negative ? -magnitude : magnitude;
      } else {
        pos = parseFieldSlow(bytes, fieldStart, columns[c], row, source, header[c]);
        b = bytes[pos];
        if (!(c === last ? b === NEWLINE || b === CR : b === COMMA)) {
          throw new Error(
            `${source}: row ${row + 1} does not have ${header.length} fields (${header.join(",")})`,
          );
        }
      }
      pos++;
      if (c < last) b = bytes[pos];
      else if (b === CR && bytes[pos] === NEWLINE) pos++;
    }
    row++;
  }
  return { columns, rows: row };
}

/** Rows expected from the first data row's length (counting every newline costs a third of the parse). */
function estimateRows(bytes: Uint8Array, start: number): number {
  const firstRowBytes = lineEnd(bytes, start) + 1 - start;
  return Math.ceil(((bytes.length - start) / Math.max(firstRowBytes, 1)) * 1.05) + 16;
}

function grown(column: Float64Array): Float64Array {
  const out = new Float64Array(column.length * 2);
  out.set(column);
  return out;
}

function withFinalNewline(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + 1);
  out.set(input);
  out[input.length] = NEWLINE;
  return out;
}

/** Exponents, NA markers, very long mantissas: decode the field and let Number() decide. */
function parseFieldSlow(
  bytes: Uint8Array,
  start: number,
  out: Float64Array,
  row: number,
  source: string,
  column: string,
): number {
  let pos = start;
  while (pos < bytes.length && bytes[pos] !== COMMA && bytes[pos] !== NEWLINE && bytes[pos] !== CR) pos++;
  const text = latin1(bytes, start, pos).trim();
  const value = NA_TOKENS.has(text) ? NaN : Number(text);
  if (Number.isNaN(value) && !NA_TOKENS.has(text)) {
    throw new Error(`${source}: row ${row + 1}, column '${column}': expected a number, found '${text}'`);
  }
  out[row] = value;
  return pos;
}

function lineEnd(bytes: Uint8Array, from: number): number {
  const at = bytes.indexOf(NEWLINE, from);
  return at < 0 ? bytes.length : at;
}

function trimCr(bytes: Uint8Array, start: number, end: number): number {
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A named column of a parsed table; the error names the file, the column and the columns found. */
export function column(table: NumericTable, name: string, source = "<bytes>"): Float64Array {
  const at = table.header.indexOf(name);
  if (at < 0) throw new Error(`${source}: missing column '${name}'; found ${table.header.join(", ")}`);
  return table.columns[at];
}
