/**
 * Explicit header alias table: source headers of the M50T files (2024 Zenodo spelling `C/10 Capacity
 * [mA h]`, 2023 pre-release spelling `C/10 Capacity (mA.h)`, curve headers `Charge (mA.h)`) → canonical
 * column names that carry their unit (`capacity_c10_Ah`). Units convert by the unit written in the header
 * and nothing else; a known column with a unit of the wrong kind is an error, never a guess.
 */
import { DataError } from "../errors.ts";

/** Physical kinds of column; each has one canonical unit (the suffix of its canonical name). */
export type Quantity =
  | "charge"
  | "energy"
  | "resistance"
  | "temperature"
  | "voltage"
  | "current"
  | "time"
  | "days"
  | "count"
  | "fraction"
  | "date";

/**
 * Linear conversion to the canonical unit: canonical = value · factor / divisor + offset. Milli-units
 * divide by 1000 (4800 mAh → exactly 4.8 Ah; multiplying by 1e-3 would give 4.800000000000001).
 */
interface Conversion {
  factor: number;
  divisor: number;
  offset: number;
}

/** Accepted header units per quantity (normalised spelling → conversion to the canonical unit). */
const UNITS: Record<Quantity, Record<string, Conversion>> = {
  charge: { mah: { factor: 1, divisor: 1000, offset: 0 }, ah: { factor: 1, divisor: 1, offset: 0 } },
  energy: { mwh: { factor: 1, divisor: 1000, offset: 0 }, wh: { factor: 1, divisor: 1, offset: 0 } },
  resistance: {
    ohm: { factor: 1, divisor: 1, offset: 0 },
    ohms: { factor: 1, divisor: 1, offset: 0 },
    "ω": { factor: 1, divisor: 1, offset: 0 },
    mohm: { factor: 1, divisor: 1000, offset: 0 },
    mohms: { factor: 1, divisor: 1000, offset: 0 },
  },
  temperature: {
    "°c": { factor: 1, divisor: 1, offset: 273.15 },
    degc: { factor: 1, divisor: 1, offset: 273.15 },
    c: { factor: 1, divisor: 1, offset: 273.15 },
    k: { factor: 1, divisor: 1, offset: 0 },
  },
  voltage: { v: { factor: 1, divisor: 1, offset: 0 }, mv: { factor: 1, divisor: 1000, offset: 0 } },
  current: { a: { factor: 1, divisor: 1, offset: 0 }, ma: { factor: 1, divisor: 1000, offset: 0 } },
  time: {
    s: { factor: 1, divisor: 1, offset: 0 },
    min: { factor: 60, divisor: 1, offset: 0 },
    h: { factor: 3600, divisor: 1, offset: 0 },
  },
  days: { days: { factor: 1, divisor: 1, offset: 0 }, d: { factor: 1, divisor: 1, offset: 0 } },
  count: { "": { factor: 1, divisor: 1, offset: 0 } },
  fraction: { "": { factor: 1, divisor: 1, offset: 0 } },
  date: { "": { factor: 1, divisor: 1, offset: 0 } },
};

/** One canonical column and the base names (header without its unit) it is known by. */
export interface ColumnAlias {
  canonical: string;
  quantity: Quantity;
  /** Base names, compared case-insensitively with whitespace collapsed. */
  names: readonly string[];
  /** Unit implied by the name when the header carries none (`Days of degradation` is in days). */
  impliedUnit?: string;
}

/** Performance Summary, Summary per Set and Summary per Cycle columns. */
export const SUMMARY_ALIASES: readonly ColumnAlias[] = [
  { canonical: "rpt", quantity: "count", names: ["Ageing Sets", "Ageing Set"] },
  { canonical: "ageing_cycles", quantity: "count", names: ["Ageing Cycles", "Cycles"] },
  { canonical: "cycle", quantity: "count", names: ["Cycle", "Cycle Number"] },
  { canonical: "age_set_start_date", quantity: "date", names: ["Age set start date", "Start Date"] },
  { canonical: "age_set_end_date", quantity: "date", names: ["Age set end date", "End Date"] },
  { canonical: "rpt_start_date", quantity: "date", names: ["RPT start date"] },
  { canonical: "days", quantity: "days", names: ["Days of degradation"], impliedUnit: "days" },
  {
    canonical: "cell_temperature_K",
    quantity: "temperature",
    names: ["Age set av. temperature", "Av. Temperature", "Cell Temperature"],
  },
  { canonical: "charge_throughput_Ah", quantity: "charge", names: ["Charge Throughput"] },
  { canonical: "energy_throughput_Wh", quantity: "energy", names: ["Energy Throughput"] },
  { canonical: "capacity_c10_Ah", quantity: "charge", names: ["C/10 Capacity", "0.1C Capacity"] },
  { canonical: "capacity_c2_Ah", quantity: "charge", names: ["C/2 Capacity", "0.5C Capacity"] },
  { canonical: "discharge_capacity_Ah", quantity: "charge", names: ["Discharge Capacity"] },
  { canonical: "charge_capacity_Ah", quantity: "charge", names: ["Charge Capacity"] },
  { canonical: "r_0p1s_ohm", quantity: "resistance", names: ["0.1s Resistance"] },
  { canonical: "r_mean_ohm", quantity: "resistance", names: ["Mean_R", "Mean Resistance"] },
  { canonical: "r_80to48_soc_ohm", quantity: "resistance", names: ["R_80to48_SOC"] },
  { canonical: "r_100soc_ohm", quantity: "resistance", names: ["R_100SOC"] },
  { canonical: "cell_capacity_Ah", quantity: "charge", names: ["Cell Capacity"] },
  { canonical: "pe_capacity_Ah", quantity: "charge", names: ["PE Capacity"] },
  { canonical: "ne_capacity_Ah", quantity: "charge", names: ["NE Capacity"] },
  { canonical: "ne_gr_capacity_Ah", quantity: "charge", names: ["NE_Gr Capacity"] },
  { canonical: "ne_si_capacity_Ah", quantity: "charge", names: ["NE_Si Capacity"] },
  { canonical: "electrode_offset_Ah", quantity: "charge", names: ["Electrode Offset"] },
  // The file's own SoH is kept beside the recomputed `soh` so the two can be compared.
  { canonical: "soh_reported", quantity: "fraction", names: ["SoH", "SOH"] },
  { canonical: "lam_pe", quantity: "fraction", names: ["LAM PE", "LAM_PE"] },
  { canonical: "lam_ne", quantity: "fraction", names: ["LAM NE_tot", "LAM NE", "LAM_NE"] },
  { canonical: "lam_ne_gr", quantity: "fraction", names: ["LAM NE_Gr"] },
  { canonical: "lam_ne_si", quantity: "fraction", names: ["LAM NE_Si"] },
  { canonical: "lli", quantity: "fraction", names: ["LLI"] },
  // The unnamed pandas index column of the summary files.
  { canonical: "source_index", quantity: "count", names: [""] },
];

/** Columns of the 0.1C / 0.5C voltage-curve files. */
export const CURVE_ALIASES: readonly ColumnAlias[] = [
  { canonical: "time_s", quantity: "time", names: ["Time"] },
  { canonical: "voltage_V", quantity: "voltage", names: ["Voltage"] },
  { canonical: "current_A", quantity: "current", names: ["Current"] },
  { canonical: "charge_Ah", quantity: "charge", names: ["Charge"] },
  { canonical: "temperature_K", quantity: "temperature", names: ["Temperature"] },
];

/** Header spelling: 2024 Zenodo (square brackets) or 2023 pre-release (round brackets). */
export type Spelling = "2023" | "2024" | "none";

/** A header split into base name and unit. */
export interface ParsedHeader {
  raw: string;
  base: string;
  /** Unit as written, without brackets; "" when the header has none. */
  unit: string;
  spelling: Spelling;
}

/** Splits `Name [unit]` / `Name (unit)` into name and unit. */
export function parseHeader(raw: string): ParsedHeader {
  const text = raw.trim();
  const square = /^(.*?)\s*\[([^\]]*)\]$/.exec(text);
  if (square) return { raw, base: square[1], unit: square[2].trim(), spelling: "2024" };
  const round = /^(.*?)\s*\(([^)]*)\)$/.exec(text);
  if (round) return { raw, base: round[1], unit: round[2].trim(), spelling: "2023" };
  return { raw, base: text, unit: "", spelling: "none" };
}

/** Normalised unit: lower case, separators dropped (`mA h`, `mA.h`, `mAh` → `mah`). */
export function normalizeUnit(unit: string): string {
  return unit.toLowerCase().replace(/[\s.·*_-]/g, "");
}

function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

/** How one source column becomes a canonical column. */
export interface ResolvedColumn {
  header: string;
  canonical: string;
  /** Known quantity, or undefined for an extra column kept under a sanitised name. */
  quantity?: Quantity;
  factor: number;
  divisor: number;
  offset: number;
  spelling: Spelling;
}

/** A header turned into a safe column name: `Foo Bar [mA h]` → `foo_bar_mah`. */
export function sanitizeName(header: string): string {
  const s = header.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return s === "" ? "unnamed" : /^[0-9]/.test(s) ? `c_${s}` : s;
}

/** Resolves every header of a file; a known column with a unit of the wrong kind is a DataError. */
export function resolveHeaders(
  headers: readonly string[],
  aliases: readonly ColumnAlias[],
  file: string,
): ResolvedColumn[] {
  const byName = new Map<string, ColumnAlias>();
  for (const a of aliases) for (const n of a.names) byName.set(normalizeName(n), a);
  const resolved = headers.map((h) => resolveOne(h, byName, file));
  const seen = new Map<string, string>();
  for (const r of resolved) {
    const earlier = seen.get(r.canonical);
    if (earlier !== undefined) {
      throw new DataError("two columns map to the same canonical column", {
        file,
        column: r.header,
        expected: `one source column for '${r.canonical}'`,
        found: `'${earlier}' and '${r.header}'`,
      });
    }
    seen.set(r.canonical, r.header);
  }
  return resolved;
}

function resolveOne(header: string, byName: Map<string, ColumnAlias>, file: string): ResolvedColumn {
  const parsed = parseHeader(header);
  // A name like "Mean_R (Ohms)" must not swallow the whole header as a base name when unmatched.
  const alias = byName.get(normalizeName(parsed.base)) ?? byName.get(normalizeName(header));
  if (!alias) {
    return {
      header,
      canonical: sanitizeName(header),
      factor: 1,
      divisor: 1,
      offset: 0,
      spelling: parsed.spelling,
    };
  }
  const unitText = alias === byName.get(normalizeName(parsed.base)) ? parsed.unit : "";
  const unit = normalizeUnit(unitText === "" ? alias.impliedUnit ?? "" : unitText);
  const conversion = UNITS[alias.quantity][unit];
  if (!conversion) {
    const accepted = Object.keys(UNITS[alias.quantity]).filter((u) => u !== "");
    throw new DataError("wrong or missing unit in the header", {
      file,
      column: header,
      expected: accepted.length
        ? `a ${alias.quantity} unit (${accepted.join(", ")}) for '${alias.canonical}'`
        : `no unit for '${alias.canonical}'`,
      found: unitText === "" ? "no unit" : `'${unitText}'`,
    });
  }
  return {
    header,
    canonical: alias.canonical,
    quantity: alias.quantity,
    ...conversion,
    spelling: parsed.spelling,
  };
}

/** The resolved column for `canonical`, or a DataError naming the file and the columns found. */
export function requireColumn(
  columns: readonly ResolvedColumn[],
  canonical: string,
  file: string,
  example: string,
): ResolvedColumn {
  const found = columns.find((c) => c.canonical === canonical);
  if (!found) {
    throw new DataError("missing required column", {
      file,
      column: example,
      expected: `a column for '${canonical}' (e.g. '${example}')`,
      found: `columns ${columns.map((c) => JSON.stringify(c.header)).join(", ")}`,
    });
  }
  return found;
}
