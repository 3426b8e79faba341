/**
 * Robustness corpus, area "data": bad files made at test time by mutating copies of the real LG M50T files
 * (Expt 1 Performance Summaries and the Expt 2,2 cell C RPT0 0.1C curve, copied from BATTERYML_REAL_DATA
 * into a temp data root, the curve placed as Expt 1 cell A's RPT0 curve). Each case asserts its outcome:
 * - error: the m50t dataset (default strict) throws a DataError whose message names the file and whose
 *   location names the row / column, what was expected and what was found; the data folder is left as it
 *   was (a failed load writes nothing);
 * - warning: with `strict: false` the data load and the finding is listed by `warnings()`;
 * - identical: the mutated file loads to exactly the table / curve of the clean file.
 * Every error case also fails `checkDataset` (what `data check` runs); a few go through `batteryml data
 * check` under the task's own flags (non-zero exit); one warning case goes through a full run (listed in
 * the manifest's `dataWarnings`).
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { DataError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import type { ColumnTable, Curve, DatasetInstance } from "../../core/plugin.ts";
import { createRng } from "../../core/rng.ts";
import { runExperiment } from "../../core/run.ts";
import m50t, { m50tOptions } from "../../plugins/datasets/m50t.ts";
import { checkDataset, formatCheckReport } from "../../lib/m50t/mod.ts";
import { copyExpt1, expt1Summary, realRoot } from "../fixtures/real_copy.ts";
import { type Outcome, robustnessCase } from "./_case.ts";

const REPO = resolve(import.meta.dirname!, "../..");
const CURVE_DIR = join(
  "Expt 1 - Si-based Degradation",
  "Processed Timeseries Data",
  "0.1C Voltage Curves",
  "cell A",
);
const CURVE_NAME = "Expt 1 - cell A - RPT0 - 0.1C discharge data.csv";
const REAL_CURVE = join(
  "Expt 2,2 - C-based Degradation 2",
  "Processed Timeseries Data",
  "0.1C Voltage Curves",
  "cell C",
  "Expt 2,2 - cell C - RPT0 - 0.1C discharge data.csv",
);

/** A temp data root: the real Expt 1 summaries and the real curve as cell A's RPT0 curve. */
async function dataRoot(): Promise<{ dir: string; root: string; summary: string; curve: string }> {
  const dir = await Deno.makeTempDir({ prefix: "robust_data_" });
  const root = await copyExpt1(dir);
  await Deno.mkdir(join(root, CURVE_DIR), { recursive: true });
  const curve = join(root, CURVE_DIR, CURVE_NAME);
  await Deno.copyFile(join(realRoot(), REAL_CURVE), curve);
  await Deno.chmod(curve, 0o644);
  return { dir, root, summary: expt1Summary(root, "A", 10), curve };
}

const ctx = () => ({ seed: 0, rng: createRng(0), log: createRecordingLogger(), cacheDir: "" });

async function open(root: string, strict = true): Promise<DatasetInstance & { warnings(): string[] }> {
  return await m50t.create(m50tOptions.parse({ root, experiment: "1", strict }), ctx()) as
    & DatasetInstance
    & { warnings(): string[] };
}

/** Loads what a case targets: cell 1/A's Performance Summary table, or its RPT0 curve. */
async function load(root: string, target: Target, strict = true): Promise<ColumnTable | Curve> {
  const ds = await open(root, strict);
  if (target === "summary") return await ds.table("performance_summary", ["1/A"]);
  return (await ds.curves("1/A", { kind: "0.1C", direction: "discharge" }))[0];
}

type Target = "summary" | "curve";

/** What a DataError must carry (regexps over the message and the location fields). */
interface Located {
  message: RegExp;
  row?: number;
  column?: RegExp;
  expected?: RegExp;
  found?: RegExp;
}

/** One bad file: what is changed and what must come of it. */
interface FileCase {
  name: string;
  outcome: Outcome;
  target: Target;
  /** Lines of the file (header first, no line ends) → new text; or the raw text → new bytes. */
  lines?: (lines: string[]) => string[];
  raw?: (text: string) => string | Uint8Array;
  error?: Located;
  /** For warnings: what the listed warning says. */
  warning?: RegExp;
  /** Also run `batteryml data check` on it (must exit non-zero for errors). */
  cli?: boolean;
}

// ---- mutation helpers over CSV lines --------------------------------------------------------------

/** Index of a header in the header line. */
function col(lines: string[], header: string): number {
  const i = lines[0].split(",").indexOf(header);
  assert.ok(i >= 0, `header ${header} not found`);
  return i;
}

/** Sets (or maps) one cell: `row` is the file line number (header = 1). */
function setCell(
  lines: string[],
  row: number,
  header: string,
  value: string | ((v: string) => string),
): string[] {
  const j = col(lines, header);
  return lines.map((l, i) => {
    if (i !== row - 1) return l;
    const cells = l.split(",");
    cells[j] = typeof value === "string" ? value : value(cells[j]);
    return cells.join(",");
  });
}

/** Maps every data cell of a column. */
function mapColumn(lines: string[], header: string, f: (v: string, row: number) => string): string[] {
  const j = col(lines, header);
  return lines.map((l, i) => {
    if (i === 0) return l;
    const cells = l.split(",");
    if (cells[j] !== "") cells[j] = f(cells[j], i + 1);
    return cells.join(",");
  });
}

function renameHeader(lines: string[], from: string, to: string): string[] {
  const cells = lines[0].split(",");
  cells[col(lines, from)] = to;
  return [cells.join(","), ...lines.slice(1)];
}

function dropColumn(lines: string[], header: string): string[] {
  const j = col(lines, header);
  return lines.map((l) => l.split(",").filter((_, k) => k !== j).join(","));
}

const num = (f: (x: number) => number) => (v: string) => String(f(Number(v)));
const C10 = "C/10 Capacity [mA h]";
const Q = "Charge Throughput [A h]";
const E = "Energy Throughput [W h]";
const BOM = "\uFEFF";
const PATH = /Expt 1 - cell A/;

// ---- the corpus -----------------------------------------------------------------------------------

const CASES: FileCase[] = [
  // Physically impossible values (plausibility): errors by default.
  {
    name: "negative C/10 capacity",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 5, C10, (v) => `-${v}`),
    error: {
      message: /implausible capacity_c10_Ah/,
      row: 5,
      column: /^C\/10 Capacity \[mA h\]$/,
      expected: /≥ 1\.5 and ≤ 6/,
      found: /^-4/,
    },
    cli: true,
  },
  {
    name: "SoH 2.9",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 4, "SoH", "2.9"),
    error: {
      message: /implausible soh_reported/,
      row: 4,
      column: /^SoH$/,
      expected: /0\.3–1\.1/,
      found: /^2\.9$/,
    },
  },
  {
    name: "last line cut mid-number (capacity '41')",
    outcome: "error",
    target: "summary",
    raw: (t) => {
      const lines = t.trimEnd().split("\n");
      const last = lines[lines.length - 1].split(",");
      const j = lines[0].split(",").indexOf(C10);
      return [...lines.slice(0, -1), [...last.slice(0, j), last[j].slice(0, 2)].join(",")].join("\n");
    },
    error: { message: /does not end in a newline/, row: 16, found: /,28"$/ },
    cli: true,
  },
  {
    name: "Ah values under a [mA h] header",
    outcome: "error",
    target: "summary",
    lines: (l) => mapColumn(l, C10, num((x) => x / 1000)),
    error: {
      message: /implausible capacity_c10_Ah/,
      row: 2,
      column: /mA h/,
      found: /^0\.00486792 \(and 14 more rows/,
    },
  },
  {
    name: "mAh values under an [A h] header",
    outcome: "error",
    target: "summary",
    lines: (l) => renameHeader(l, C10, "C/10 Capacity [A h]"),
    error: {
      message: /implausible capacity_c10_Ah/,
      row: 2,
      column: /^C\/10 Capacity \[A h\]$/,
      found: /^4867\.92 \(and 14 more rows out of the band\)$/,
    },
    cli: true,
  },
  {
    name: "charge throughput ×1000",
    outcome: "error",
    target: "summary",
    lines: (l) => mapColumn(l, Q, num((x) => x * 1000)),
    error: {
      message: /charge throughput faster than any cycling/,
      row: 3,
      column: /Charge Throughput/,
      found: /^754940$/,
    },
  },
  {
    name: "energy throughput ×1000 (mean voltage 3370 V)",
    outcome: "error",
    target: "summary",
    lines: (l) => mapColumn(l, E, num((x) => x * 1000)),
    error: { message: /energy and charge throughput disagree/, row: 3, expected: /2\.5–4\.2 V/ },
  },
  {
    name: "days going backwards",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 6, "Days of degradation", "20.0"),
    error: { message: /days decreases/, row: 6, column: /Days of degradation/, found: /^20$/ },
  },
  {
    name: "charge throughput going backwards",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 6, Q, "100.0"),
    error: { message: /charge_throughput_Ah decreases/, row: 6, found: /^100$/ },
  },
  {
    name: "negative resistance",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 2, "0.1s Resistance [Ohms]", "-0.025911"),
    error: { message: /implausible r_0p1s_ohm/, row: 2, column: /0\.1s Resistance/, expected: /> 0/ },
  },
  {
    name: "kelvin values under a [°C] header",
    outcome: "error",
    target: "summary",
    lines: (l) => mapColumn(l, "Age set av. temperature [°C]", num((x) => x + 273.15)),
    error: { message: /implausible cell_temperature_K/, row: 3, expected: /233\.15 and ≤ 353\.15/ },
  },
  {
    name: "LLI 1.5",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 8, "LLI", "1.5"),
    error: { message: /implausible lli/, row: 8, column: /^LLI$/, found: /^1\.5$/ },
  },
  {
    name: "one cell's PE capacity in Ah under [mA h] (1000× off the other cells)",
    outcome: "error",
    target: "summary",
    lines: (l) => mapColumn(l, "PE Capacity [mA h]", num((x) => x / 1000)),
    error: {
      message: /pe_capacity_Ah of 1\/A is ~0\.001.*× the other cells'/,
      row: 2,
      column: /PE Capacity/,
    },
  },
  // Structure: always errors.
  {
    name: "empty file",
    outcome: "error",
    target: "summary",
    raw: () => "",
    error: { message: /empty file/ },
    cli: true,
  },
  {
    name: "header only",
    outcome: "error",
    target: "summary",
    raw: (t) => t.split("\n")[0] + "\n",
    error: { message: /no data rows/, found: /a header only/ },
  },
  {
    name: "semicolon delimiter",
    outcome: "error",
    target: "summary",
    lines: (l) => l.map((x) => x.replaceAll(",", ";")),
    error: { message: /missing required column/, found: /;Ageing Sets;/ },
  },
  {
    name: "Latin-1 header bytes (° as 0xB0)",
    outcome: "error",
    target: "summary",
    raw: (t) => {
      const bytes: number[] = [];
      for (const ch of t) bytes.push(ch === "°" ? 0xb0 : ch.charCodeAt(0));
      return Uint8Array.from(bytes);
    },
    error: {
      message: /wrong or missing unit/,
      column: /^Age set av\. temperature/,
      expected: /temperature unit/,
    },
  },
  {
    name: "duplicated RPT row",
    outcome: "error",
    target: "summary",
    lines: (l) => [...l.slice(0, 5), l[4], ...l.slice(5)],
    error: { message: /duplicate RPT/, row: 6, found: /RPT3 again/ },
  },
  {
    name: "out-of-order RPTs",
    outcome: "error",
    target: "summary",
    lines: (l) => [...l.slice(0, 4), l[5], l[4], ...l.slice(6)],
    error: { message: /RPTs out of order/, row: 6, found: /RPT3/ },
  },
  {
    name: "first row is not RPT0",
    outcome: "error",
    target: "summary",
    lines: (l) => [l[0], ...l.slice(2)],
    error: { message: /first row is not RPT0/, row: 2 },
  },
  {
    name: "missing required column (Charge Throughput)",
    outcome: "error",
    target: "summary",
    lines: (l) => dropColumn(l, Q),
    error: {
      message: /missing required column/,
      column: /Charge Throughput/,
      found: /"Energy Throughput \[W h\]"/,
    },
  },
  {
    name: "Inf string in a capacity",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 4, C10, "Inf"),
    error: { message: /unparseable number/, row: 4, column: /C\/10 Capacity/, found: /"Inf"/ },
  },
  {
    name: "non-numeric cell",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 7, C10, "n/a"),
    error: { message: /unparseable number/, row: 7, found: /"n\/a"/ },
  },
  {
    name: "capacity with a voltage unit",
    outcome: "error",
    target: "summary",
    lines: (l) => renameHeader(l, C10, "C/10 Capacity [V]"),
    error: { message: /wrong or missing unit/, column: /^C\/10 Capacity \[V\]$/, found: /'V'/ },
  },
  {
    name: "RPT0 without a C/10 capacity",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 2, C10, ""),
    error: { message: /RPT0 has no C\/10 capacity/, row: 2 },
  },
  {
    name: "SoH column twice (SoH and SOH)",
    outcome: "error",
    target: "summary",
    lines: (l) => l.map((x, i) => `${x},${i === 0 ? "SOH" : x.split(",").at(-6)}`),
    error: { message: /two columns map to the same canonical column/, column: /^SOH$/ },
  },
  {
    name: "ISO date instead of dd/mm/yyyy",
    outcome: "error",
    target: "summary",
    lines: (l) => setCell(l, 3, "RPT start date", "2020-08-07"),
    error: { message: /unparseable date/, row: 3, found: /2020-08-07/ },
  },
  // 0.1C curves.
  {
    name: "curve cut mid-line (no final newline)",
    outcome: "error",
    target: "curve",
    raw: (t) => t.slice(0, Math.round(t.length * 0.6)).replace(/\n[^\n]*$/, (m) => m.slice(0, 12)),
    error: { message: /does not end in a newline/, found: /^"\d[\d.,-]{10}"$/ },
    cli: true,
  },
  {
    name: "curve cut at a line boundary (2/3 of the discharge missing)",
    outcome: "error",
    target: "curve",
    lines: (l) => l.slice(0, Math.round(l.length / 3)),
    error: {
      message: /curve does not span its voltage window/,
      column: /^Voltage \(V\)$/,
      expected: /≤ 2\.6 V/,
      found: /4\.16949–3\.\d+ V/,
    },
  },
  {
    name: "curve charge in mAh under an (A.h) header (4,813 Ah passed)",
    outcome: "error",
    target: "curve",
    lines: (l) => renameHeader(l, "Charge (mA.h)", "Charge (A.h)"),
    error: {
      message: /implausible charge passed/,
      column: /^Charge \(A\.h\)$/,
      expected: /1\.5–6 Ah/,
      found: /^4813\.67 Ah$/,
    },
  },
  {
    name: "curve current in mA under an (A) header",
    outcome: "error",
    target: "curve",
    lines: (l) => renameHeader(l, "Current (mA)", "Current (A)"),
    error: {
      message: /implausible current/,
      column: /^Current \(A\)$/,
      expected: /≤ 25 A/,
      found: /^500\.\d+ A$/,
    },
  },
  {
    name: "curve voltage in mV under a (V) header",
    outcome: "error",
    target: "curve",
    lines: (l) => mapColumn(l, "Voltage (V)", num((x) => Math.round(x * 1e6) / 1000)),
    error: { message: /implausible voltage/, row: 2, found: /^4169\.49 V$/ },
  },
  {
    name: "curve with non-monotonic time",
    outcome: "error",
    target: "curve",
    lines: (l) => setCell(l, 100, "Time (s)", "17251.0"),
    error: { message: /time goes backwards/, row: 100, column: /^Time \(s\)$/, found: /^17251$/ },
  },
  {
    name: "NaN string in a curve",
    outcome: "error",
    target: "curve",
    lines: (l) => setCell(l, 50, "Voltage (V)", "NaN"),
    error: { message: /not a finite number in a curve/, row: 50, column: /^Voltage \(V\)$/, found: /NaN/ },
  },
  {
    name: "inf string in a curve",
    outcome: "error",
    target: "curve",
    lines: (l) => setCell(l, 60, "Charge (mA.h)", "inf"),
    error: { message: /not a finite number in a curve/, row: 60, column: /^Charge/, found: /Infinity/ },
  },
  {
    name: "non-numeric cell in a curve",
    outcome: "error",
    target: "curve",
    lines: (l) => setCell(l, 70, "Voltage (V)", "4.1x6"),
    error: { message: /unparseable number/, row: 70, column: /^Voltage \(V\)$/, found: /4\.1x6/ },
  },
  {
    name: "curve missing its voltage column",
    outcome: "error",
    target: "curve",
    lines: (l) => dropColumn(l, "Voltage (V)"),
    error: { message: /missing required column/, column: /Voltage/, found: /"Time \(s\)"/ },
  },
  {
    name: "empty curve file",
    outcome: "error",
    target: "curve",
    raw: () => "",
    error: { message: /empty file/ },
  },
  {
    name: "curve header only",
    outcome: "error",
    target: "curve",
    raw: (t) => t.split("\n")[0] + "\n",
    error: { message: /no data rows/ },
  },
  // data.strict=false: the same impossible values load, listed as warnings.
  {
    name: "negative C/10 capacity with strict=false",
    outcome: "warning",
    target: "summary",
    lines: (l) => setCell(l, 5, C10, (v) => `-${v}`),
    warning: /row 5, column 'C\/10 Capacity \[mA h\]': implausible capacity_c10_Ah/,
  },
  {
    name: "SoH 2.9 with strict=false",
    outcome: "warning",
    target: "summary",
    lines: (l) => setCell(l, 4, "SoH", "2.9"),
    warning: /row 4, column 'SoH': implausible soh_reported/,
  },
  {
    name: "complete last line without a final newline, strict=false",
    outcome: "warning",
    target: "summary",
    raw: (t) => t.trimEnd(),
    warning: /row 16: file does not end in a newline/,
  },
  {
    name: "charge throughput ×1000 with strict=false",
    outcome: "warning",
    target: "summary",
    lines: (l) => mapColumn(l, Q, num((x) => x * 1000)),
    warning: /charge throughput faster than any cycling/,
  },
  {
    name: "one cell's PE capacity 1000× off, strict=false",
    outcome: "warning",
    target: "summary",
    lines: (l) => mapColumn(l, "PE Capacity [mA h]", num((x) => x / 1000)),
    warning: /pe_capacity_Ah of 1\/A is ~0\.001.*× the other cells'/,
  },
  {
    name: "curve cut at a line boundary with strict=false",
    outcome: "warning",
    target: "curve",
    lines: (l) => l.slice(0, Math.round(l.length / 3)),
    warning: /column 'Voltage \(V\)': curve does not span its voltage window/,
  },
  // Harmless variations: the same table or curve as the clean file.
  { name: "UTF-8 BOM", outcome: "identical", target: "summary", raw: (t) => BOM + t },
  { name: "CRLF line ends", outcome: "identical", target: "summary", raw: (t) => t.replaceAll("\n", "\r\n") },
  {
    name: "'NaN' written for the empty cells",
    outcome: "identical",
    target: "summary",
    lines: (l) =>
      l.map((x, i) => i === 0 ? x : x.split(",").map((c, j) => j > 6 && c === "" ? "NaN" : c).join(",")),
  },
  {
    name: "2023 header spelling ((mA.h), (A.h), (degC))",
    outcome: "identical",
    target: "summary",
    lines: (
      l,
    ) => [
      l[0].replace(/ \[mA h\]/g, " (mA.h)").replace(/ \[A h\]/g, " (A.h)").replace(/ \[W h\]/g, " (W.h)")
        .replace(" [°C]", " (degC)"),
      ...l.slice(1),
    ],
  },
  {
    name: "units spelled differently ([mAh], [Ah], [Wh])",
    outcome: "identical",
    target: "summary",
    lines: (
      l,
    ) => [
      l[0].replace(/\[mA h\]/g, "[mAh]").replace(/\[A h\]/g, "[Ah]").replace(/\[W h\]/g, "[Wh]"),
      ...l.slice(1),
    ],
  },
  {
    name: "columns in another order",
    outcome: "identical",
    target: "summary",
    lines: (l) => l.map((x) => x.split(",").reverse().join(",")),
  },
  {
    name: "numbers in double quotes",
    outcome: "identical",
    target: "summary",
    lines: (l) => mapColumn(l, C10, (v) => `"${v}"`),
  },
  { name: "curve with a UTF-8 BOM", outcome: "identical", target: "curve", raw: (t) => BOM + t },
  {
    name: "curve with CRLF line ends",
    outcome: "identical",
    target: "curve",
    raw: (t) => t.replaceAll("\n", "\r\n"),
  },
];

// ---- running a case -------------------------------------------------------------------------------

/** sha256 of every file under `dir`, by relative path. */
async function snapshot(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = join(prefix, e.name);
    if (e.isDirectory) Object.assign(out, await snapshot(dir, rel));
    else {
      const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(join(dir, rel))));
      out[rel] = Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
    }
  }
  return out;
}

async function mutate(file: string, c: FileCase): Promise<void> {
  const text = await Deno.readTextFile(file);
  const next = c.raw ? c.raw(text) : c.lines!(text.replace(/\n$/, "").split("\n")).join("\n") + "\n";
  if (typeof next === "string") await Deno.writeTextFile(file, next);
  else await Deno.writeFile(file, next);
}

/** Comparable form of a table or curve: every column as strings (NaN equals NaN), keys sorted. */
function comparable(x: ColumnTable | Curve): Record<string, string[] | string | number> {
  const cols = "columns" in x ? x.columns : (x as unknown as Record<string, unknown>);
  const out: Record<string, string[] | string | number> = {};
  for (const k of Object.keys(cols).sort()) {
    if (k === "source") continue;
    const v = cols[k] as unknown;
    out[k] = v instanceof Float64Array || Array.isArray(v)
      ? Array.from(v as ArrayLike<unknown>, String)
      : v as number;
  }
  return out;
}

/** The flags of the `batteryml` task in deno.json, so the CLI runs exactly as `deno task batteryml`. */
async function taskArgs(): Promise<string[]> {
  const deno = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json")));
  return (deno.tasks.batteryml as string).split(/\s+/).slice(1);
}

async function dataCheck(root: string): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await taskArgs(), "data", "check", root, "--experiments", "1"],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

async function runCase(c: FileCase): Promise<void> {
  const { dir, root, summary, curve } = await dataRoot();
  try {
    const file = c.target === "summary" ? summary : curve;
    const clean = c.outcome === "identical" ? comparable(await load(root, c.target)) : undefined;
    await mutate(file, c);
    if (c.outcome === "identical") {
      assert.deepEqual(comparable(await load(root, c.target)), clean);
      return;
    }
    if (c.outcome === "warning") {
      const ds = await open(root, false);
      if (c.target === "summary") await ds.table("performance_summary", ["1/A"]);
      else await ds.curves("1/A", { kind: "0.1C", direction: "discharge" });
      const warnings = ds.warnings();
      assert.ok(warnings.some((w) => c.warning!.test(w) && w.includes(file)), warnings.join("\n"));
      await assert.rejects(load(root, c.target), DataError, "the same file is an error when strict");
      return;
    }
    const before = await snapshot(dir);
    const err = await load(root, c.target).then(() => null, (e) => e);
    assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
    const want = c.error!;
    assert.match(err.message, want.message);
    assert.ok(err.message.includes(file), `the message names the file: ${err.message}`);
    assert.equal(err.location.file, file);
    if (want.row !== undefined) assert.equal(err.location.row, want.row, err.message);
    if (want.column) assert.match(err.location.column ?? "", want.column, err.message);
    if (want.expected) assert.match(err.location.expected ?? "", want.expected, err.message);
    if (want.found) assert.match(err.location.found ?? "", want.found, err.message);
    assert.deepEqual(await snapshot(dir), before, "a failed load leaves the data folder as it was");
    // `data check` (the function behind the command) fails on every error case and names the problem.
    const report = await checkDataset(root, { experiments: ["1"] });
    assert.equal(report.ok, false);
    assert.match(formatCheckReport(report), want.message);
    if (c.cli) {
      const r = await dataCheck(root);
      assert.notEqual(r.code, 0, r.stdout);
      assert.ok(r.stdout.includes(file) || PATH.test(r.stdout), r.stdout);
      assert.match(r.stdout, want.message);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const c of CASES) robustnessCase("data", c.outcome, `${c.target}: ${c.name}`, () => runCase(c));

robustnessCase(
  "data",
  "identical",
  "the real Expt 1 files and curve: no warning, and `data check` exits 0",
  async () => {
    const { dir, root } = await dataRoot();
    try {
      const ds = await open(root, false);
      await ds.table("performance_summary", (await ds.cells()).map((c) => c.cellKey));
      await ds.curves("1/A", { kind: "0.1C", direction: "discharge" });
      assert.deepEqual(ds.warnings(), []);
      const r = await dataCheck(root);
      assert.equal(r.code, 0, r.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

robustnessCase("data", "warning", "data.strict=false: a run lists the warnings in its manifest", async () => {
  const { dir, root } = await dataRoot();
  try {
    const file = expt1Summary(root, "D", 25);
    await mutate(file, {
      name: "",
      outcome: "warning",
      target: "summary",
      lines: (l) => setCell(l, 4, "SoH", "2.9"),
    });
    const composed = await composeConfig({
      configDir: join(REPO, "configs"),
      overrides: [
        "data=m50t_real",
        `data.root=${root}`,
        "data.strict=false",
        "model=linear",
        "split=temperature_holdout",
        "tracking=null",
        `output.dir=${join(dir, "out")}`,
      ],
    });
    const run = await runExperiment({ composed, log: createRecordingLogger() });
    assert.equal(run.status, "FINISHED");
    const manifest = JSON.parse(await Deno.readTextFile(join(run.runDir, "manifest.json")));
    assert.equal(manifest.dataWarnings.length, 1, manifest.dataWarnings.join("\n"));
    assert.ok(manifest.dataWarnings[0].includes(file));
    assert.match(manifest.dataWarnings[0], /row 4, column 'SoH': implausible soh_reported/);
    // The default (strict) run on the same data fails naming the file.
    const strict = await composeConfig({
      configDir: join(REPO, "configs"),
      overrides: [
        "data=m50t_real",
        `data.root=${root}`,
        "model=linear",
        "split=temperature_holdout",
        "tracking=null",
        `output.dir=${join(dir, "out2")}`,
      ],
    });
    await assert.rejects(runExperiment({ composed: strict, log: createRecordingLogger() }), (e: Error) => {
      assert.ok(e instanceof DataError && e.message.includes(file), e.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
