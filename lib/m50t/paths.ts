/**
 * Where each M50T file lives inside an experiment folder, exactly as in the Zenodo archives. Cell folders
 * are matched case-insensitively (`cell X` and `Cell X` both occur) and RPTs are discovered from the file
 * names present, never assumed from the ageing-set count.
 */
import { join } from "node:path";
import type { M50tExperiment } from "./experiments.ts";

/** Kinds of voltage curve in `Processed Timeseries Data`. */
export type CurveKind = "0.1C" | "0.5C" | "GITT";

/** Sub-paths of an experiment folder. */
export const SUMMARY_DIR = join("Summary Data", "Performance Summary");
/** Summary per Cycle folder. */
export const PER_CYCLE_DIR = join("Summary Data", "Ageing Sets Summary", "Summary per Cycle");
/** Summary per Set folder. */
export const PER_SET_DIR = join("Summary Data", "Ageing Sets Summary", "Summary per Set");

const CURVE_FOLDER: Record<CurveKind, string> = {
  "0.1C": "0.1C Voltage Curves",
  "0.5C": "0.5C Voltage Curves",
  "GITT": "GITT Voltage Curves",
};
const CURVE_SUFFIX: Record<CurveKind, string> = {
  "0.1C": "0.1C discharge data.csv",
  "0.5C": "0.5C discharge data.csv",
  "GITT": "25-pulse GITT 0.5C discharge data.csv",
};

/** The experiment's folder under the data root. */
export function experimentDir(root: string, e: M50tExperiment): string {
  return join(root, e.folder);
}

/** Performance Summary file name: `Expt N - cell X (TTdegC) - Processed Data.csv`. */
export function performanceSummaryName(e: M50tExperiment, cell: string, chamberC: number): string {
  return `Expt ${e.label} - cell ${cell} (${chamberC}degC) - Processed Data.csv`;
}

/** Full path of a Performance Summary file. */
export function performanceSummaryPath(
  root: string,
  e: M50tExperiment,
  cell: string,
  chamberC: number,
): string {
  return join(experimentDir(root, e), SUMMARY_DIR, performanceSummaryName(e, cell, chamberC));
}

/** Summary per Cycle file (`expt N - cell X - cycle_data.csv`, lower-case "expt" as in the archive). */
export function perCyclePath(root: string, e: M50tExperiment, cell: string): string {
  return join(experimentDir(root, e), PER_CYCLE_DIR, `expt ${e.label} - cell ${cell} - cycle_data.csv`);
}

/** Summary per Set file (`expt N - cell X - set_data.csv`). */
export function perSetPath(root: string, e: M50tExperiment, cell: string): string {
  return join(experimentDir(root, e), PER_SET_DIR, `expt ${e.label} - cell ${cell} - set_data.csv`);
}

/** Folder holding one kind of curve for all cells. */
export function curveKindDir(root: string, e: M50tExperiment, kind: CurveKind): string {
  return join(experimentDir(root, e), "Processed Timeseries Data", CURVE_FOLDER[kind]);
}

/** Name of one curve file. */
export function curveFileName(e: M50tExperiment, cell: string, rpt: number, kind: CurveKind): string {
  return `Expt ${e.label} - cell ${cell} - RPT${rpt} - ${CURVE_SUFFIX[kind]}`;
}

/** Names in a folder, or [] when it does not exist. */
async function listNames(dir: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    return names.sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** The cell's curve folder (`cell X` or `Cell X`, any case), or undefined when absent. */
export async function resolveCellCurveDir(
  root: string,
  e: M50tExperiment,
  kind: CurveKind,
  cell: string,
): Promise<string | undefined> {
  const base = curveKindDir(root, e, kind);
  const wanted = `cell ${cell}`.toLowerCase();
  const match = (await listNames(base)).find((n) => n.toLowerCase() === wanted);
  return match === undefined ? undefined : join(base, match);
}

/** One curve file found on disk. */
export interface CurveFile {
  rpt: number;
  path: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Curve files of a cell, sorted by RPT, discovered from the names present. */
export async function discoverCurves(
  root: string,
  e: M50tExperiment,
  cell: string,
  kind: CurveKind,
): Promise<CurveFile[]> {
  const dir = await resolveCellCurveDir(root, e, kind, cell);
  if (dir === undefined) return [];
  const pattern = new RegExp(
    `^Expt ${escapeRegExp(e.label)} - cell ${escapeRegExp(cell)} - RPT(\\d+) - ${
      escapeRegExp(CURVE_SUFFIX[kind])
    }$`,
    "i",
  );
  const found: CurveFile[] = [];
  for (const name of await listNames(dir)) {
    const m = pattern.exec(name);
    if (m) found.push({ rpt: Number(m[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => a.rpt - b.rpt);
}

/** A Performance Summary file found on disk, with the chamber temperature its name states. */
export interface SummaryFile {
  cell: string;
  chamberC: number;
  path: string;
}

/** Performance Summary files of an experiment, discovered from the names present. */
export async function discoverSummaries(root: string, e: M50tExperiment): Promise<SummaryFile[]> {
  const dir = join(experimentDir(root, e), SUMMARY_DIR);
  const pattern = new RegExp(
    `^Expt ${escapeRegExp(e.label)} - cell ([A-Za-z0-9]+) \\((\\d+)degC\\) - Processed Data\\.csv$`,
    "i",
  );
  const found: SummaryFile[] = [];
  for (const name of await listNames(dir)) {
    const m = pattern.exec(name);
    if (m) found.push({ cell: m[1].toUpperCase(), chamberC: Number(m[2]), path: join(dir, name) });
  }
  return found;
}

/** True when the path exists and is a file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
