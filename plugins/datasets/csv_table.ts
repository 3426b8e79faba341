/**
 * The `csv_table` dataset plugin: any tidy per-RPT (or per-time) CSV, one row per cell and step, with the
 * columns named in the options. It proves the dataset contract is not M50T-shaped: cells come from a
 * column, chamber temperatures from a column (°C), and features/targets are whatever the file holds.
 */
import { z } from "zod";
import { type CellInfo, type ColumnTable, type Curve, DataError, type DatasetInstance } from "../../mod.ts";
import { defineDataset } from "../../mod.ts";
import {
  checkColumnBands,
  DataIssues,
  FileFingerprints,
  parseNumberColumn,
  readTextTable,
  type TextTable,
} from "../../lib/m50t/mod.ts";

/** Options of csv_table. */
export const csvTableOptions = z.object({
  /** The CSV file. */
  path: z.string().min(1),
  /** Column naming the cell. */
  cellColumn: z.string().min(1),
  /** Column with the experiment label; without it every cell belongs to `experiment`. */
  experimentColumn: z.string().min(1).optional(),
  experiment: z.string().min(1).default("csv"),
  /** Step index column (integer RPT); one of rptColumn / timeColumn is required. */
  rptColumn: z.string().min(1).optional(),
  /** Time column (days or Ah) used for ordering; becomes `time` in the table. */
  timeColumn: z.string().min(1).optional(),
  /** Chamber set-point column in °C (constant per cell). */
  chamberColumn: z.string().min(1),
  features: z.array(z.string().min(1)).default([]),
  targets: z.array(z.string().min(1)).min(1),
  /** Name under which `table()` serves the rows. */
  table: z.string().min(1).default("performance_summary"),
  /**
   * The cells' nominal capacity (Ah): columns named like canonical ones (`capacity_c10_Ah`, `soh`, `lli`,
   * …) are then checked against bands derived from it (lib/m50t/plausibility.ts).
   */
  nominal_capacity_Ah: z.number().positive().optional(),
  /** Implausible values and a truncated file are errors; false lists them as warnings (run manifest). */
  strict: z.boolean().default(true),
}).strict().refine((o) => o.rptColumn !== undefined || o.timeColumn !== undefined, {
  message: "name an rptColumn or a timeColumn",
  path: ["rptColumn"],
});

/** Parsed options of csv_table. */
export type CsvTableOptions = z.infer<typeof csvTableOptions>;

/** A column of the file by header, or a DataError listing the columns found. */
function column(text: TextTable, header: string): (string | null)[] {
  const j = text.headers.indexOf(header);
  if (j < 0) {
    throw new DataError("missing required column", {
      file: text.file,
      column: header,
      expected: `a column '${header}'`,
      found: `columns ${text.headers.map((h) => JSON.stringify(h)).join(", ")}`,
    });
  }
  return text.columns[j];
}

/** Cell text → non-empty labels (a row without a cell is an error, never dropped). */
function labels(text: TextTable, header: string): string[] {
  return column(text, header).map((v, i) => {
    if (v === null || v.trim() === "") {
      throw new DataError("empty cell label", {
        file: text.file,
        row: i + 2,
        column: header,
        expected: "a label",
        found: "an empty cell",
      });
    }
    return v.trim();
  });
}

interface Parsed {
  keys: string[];
  experiment: string[];
  cell: string[];
  step: Float64Array;
  numbers: Map<string, Float64Array>;
  chamberC: Map<string, number>;
}

function parse(text: TextTable, o: CsvTableOptions): Parsed {
  const cell = labels(text, o.cellColumn);
  const experiment = o.experimentColumn ? labels(text, o.experimentColumn) : cell.map(() => o.experiment);
  const keys = cell.map((c, i) => `${experiment[i]}/${c}`);
  const stepHeader = (o.rptColumn ?? o.timeColumn)!;
  const num = (h: string) => parseNumberColumn(column(text, h), { file: text.file, column: h });
  const step = num(stepHeader);
  const chamber = num(o.chamberColumn);
  const chamberC = new Map<string, number>();
  keys.forEach((k, i) => {
    const where = { file: text.file, row: i + 2 };
    if (Number.isNaN(step[i])) {
      throw new DataError("missing step value", {
        ...where,
        column: stepHeader,
        expected: "a number",
        found: "an empty cell",
      });
    }
    if (Number.isNaN(chamber[i])) {
      throw new DataError("missing chamber temperature", {
        ...where,
        column: o.chamberColumn,
        expected: "°C",
        found: "an empty cell",
      });
    }
    const seen = chamberC.get(k);
    if (seen !== undefined && seen !== chamber[i]) {
      throw new DataError("chamber temperature changes within a cell", {
        ...where,
        column: o.chamberColumn,
        expected: `${seen} for ${k}`,
        found: String(chamber[i]),
      });
    }
    chamberC.set(k, chamber[i]);
  });
  const numbers = new Map<string, Float64Array>();
  for (const h of new Set([...o.features, ...o.targets])) numbers.set(h, num(h));
  checkOrder(keys, step, text.file, stepHeader);
  return { keys, experiment, cell, step, numbers, chamberC };
}

/** Within a cell the steps must strictly increase (no duplicates, no reordering). */
function checkOrder(keys: string[], step: Float64Array, file: string, header: string): void {
  const last = new Map<string, number>();
  keys.forEach((k, i) => {
    const prev = last.get(k);
    if (prev !== undefined && step[i] <= prev) {
      throw new DataError(step[i] === prev ? "duplicate step" : "steps out of order", {
        file,
        row: i + 2,
        column: header,
        expected: `a value after ${prev} for ${k}`,
        found: String(step[i]),
      });
    }
    last.set(k, step[i]);
  });
}

class CsvTableDataset implements DatasetInstance {
  readonly #o: CsvTableOptions;
  readonly #p: Parsed;
  readonly #files = new FileFingerprints();
  readonly #issues: DataIssues;

  constructor(o: CsvTableOptions, p: Parsed, issues: DataIssues) {
    this.#o = o;
    this.#p = p;
    this.#issues = issues;
    this.#files.add(o.path);
  }

  /** Findings kept as warnings (`strict: false`); the runner lists them in the manifest. */
  warnings(): string[] {
    return this.#issues.warnings();
  }

  cells(): CellInfo[] {
    const seen = new Map<string, CellInfo>();
    this.#p.keys.forEach((k, i) => {
      if (!seen.has(k)) {
        seen.set(k, {
          cellKey: k,
          experiment: this.#p.experiment[i],
          cell: this.#p.cell[i],
          chamberC: this.#p.chamberC.get(k)!,
          metadata: { source: this.#o.path },
        });
      }
    });
    return [...seen.values()];
  }

  table(name: string, cellKeys: readonly string[]): Promise<ColumnTable> {
    if (name !== this.#o.table) {
      return Promise.reject(
        new DataError("unknown table", {
          file: this.#o.path,
          expected: `'${this.#o.table}'`,
          found: JSON.stringify(name),
        }),
      );
    }
    const known = new Set(this.#p.keys);
    for (const k of cellKeys) {
      if (!known.has(k)) {
        return Promise.reject(
          new DataError("unknown cell", {
            file: this.#o.path,
            expected: `one of ${[...known].join(", ")}`,
            found: JSON.stringify(k),
          }),
        );
      }
    }
    const rows: number[] = [];
    for (const k of cellKeys) this.#p.keys.forEach((key, i) => key === k && rows.push(i));
    return Promise.resolve(this.#select(rows));
  }

  #select(rows: number[]): ColumnTable {
    const p = this.#p;
    const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]);
    const columns: ColumnTable["columns"] = {
      cellKey: rows.map((i) => p.keys[i]),
      experiment: rows.map((i) => p.experiment[i]),
      cell: rows.map((i) => p.cell[i]),
      [this.#o.rptColumn ? "rpt" : "time"]: pick(p.step),
      chamber_temperature_K: Float64Array.from(rows, (i) => p.chamberC.get(p.keys[i])! + 273.15),
    };
    for (const [h, values] of p.numbers) columns[h] = pick(values);
    return { length: rows.length, columns };
  }

  curves(cellKey: string): Promise<Curve[]> {
    return Promise.reject(
      new DataError("csv_table holds per-step rows only, no voltage curves", {
        file: this.#o.path,
        found: `a curve request for ${cellKey}`,
      }),
    );
  }

  fingerprint(): Promise<Record<string, string>> {
    return this.#files.digests();
  }
}

const definition = defineDataset({
  kind: "dataset",
  name: "csv_table",
  version: "0.1.0",
  apiVersion: 1,
  description:
    "Any tidy per-RPT CSV: cell, step, chamber temperature, feature and target columns named in options",
  options: csvTableOptions,
  async create(options, ctx): Promise<DatasetInstance> {
    const issues = new DataIssues(options.strict, ctx.log);
    const text = await readTextTable(options.path, "a per-RPT CSV", issues);
    const parsed = parse(text, options);
    if (options.nominal_capacity_Ah !== undefined) {
      // The voltage window is not used by the column bands; M50T's stands in.
      const limits = { nominalCapacityAh: options.nominal_capacity_Ah, voltageWindowV: [2.5, 4.2] as const };
      checkColumnBands(
        Object.fromEntries(parsed.numbers),
        { file: text.file, headerOf: (c) => c },
        limits,
        issues,
      );
    }
    return new CsvTableDataset(options, parsed, issues);
  },
});

export default definition;
