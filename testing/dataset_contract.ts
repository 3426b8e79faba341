/**
 * Contract suite for dataset plugins, one check per instance method: cells have proper keys and chamber
 * temperatures, the per-RPT table holds exactly the requested cells with increasing RPTs, curves belong to
 * the cell asked for and have equal-length, finite, time-ordered columns (a dataset without curves returns
 * none or refuses with a DataError), and fingerprints are sha256 hashes.
 */
import { createPlugin, type LoadedPlugin } from "../core/loader.ts";
import type { CellInfo, Curve, PluginContext } from "../core/plugin.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** The query every dataset answers (an empty list when it has no such curves). */
const CURVE_QUERY = { kind: "0.1C", direction: "discharge" } as const;

/** Runs the dataset contract with the given options (e.g. `{ root, experiment }`). */
export async function datasetContract(
  loaded: LoadedPlugin<"dataset">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const dataset = await createPlugin(loaded, options, ctx, "data");
  let cells: CellInfo[] = [];
  return await runChecks({
    "cells(): unique '<experiment>/<cell>' keys and finite chamber temperatures": async () => {
      cells = await dataset.cells();
      checkCells(cells);
    },
    "table(): exactly the requested cells, RPTs increasing": async () => {
      const wanted = keysOf(cells).slice(0, 2);
      const t = await dataset.table("performance_summary", wanted);
      const cellCol = t.columns.cellKey, rpt = t.columns.rpt;
      expect(Array.isArray(cellCol), "table has no text column 'cellKey'");
      expect(rpt instanceof Float64Array, "table has no numeric column 'rpt'");
      for (const [name, col] of Object.entries(t.columns)) {
        expect(
          col.length === t.length,
          `column '${name}' has ${col.length} values, the table ${t.length} rows`,
        );
      }
      const seen = new Set(cellCol as string[]);
      expect([...seen].every((k) => wanted.includes(k)), `table holds cells not asked for: ${[...seen]}`);
      expect(wanted.every((k) => seen.has(k)), "a requested cell has no rows");
      checkIncreasing(cellCol as string[], rpt);
    },
    "curves(): the cell's own curves, equal-length finite columns, time ordered": async () => {
      const cellKey = keysOf(cells)[0];
      const curves = await curvesOrNone(() => dataset.curves(cellKey, CURVE_QUERY));
      expect(Array.isArray(curves), `curves() returned ${typeof curves}, expected an array`);
      for (const curve of curves) checkCurve(curve, cellKey);
      checkIncreasing(curves.map((c) => c.cellKey), Float64Array.from(curves, (c) => c.rpt));
    },
    "fingerprint(): sha256 hashes of what was read": async () => {
      const fp = await dataset.fingerprint();
      expect(typeof fp === "object" && fp !== null, `fingerprint() returned ${fp}`);
      expect(Object.keys(fp).length > 0, "fingerprint() names nothing after cells and a table were read");
      for (const [path, hash] of Object.entries(fp)) {
        expect(/^[0-9a-f]{64}$/.test(hash), `${path}: '${hash}' is not a sha256 hex digest`);
      }
    },
    "warnings() (optional): a list of messages": async () => {
      if (!dataset.warnings) return;
      const w = await dataset.warnings();
      expect(Array.isArray(w) && w.every((m) => typeof m === "string"), "warnings() is not a string list");
    },
  });
}

/**
 * A dataset without curves may return none or refuse with a DataError (code "DATA", matched by code so a
 * plugin's own copy of the errors counts); any other failure is a broken `curves`.
 */
async function curvesOrNone(read: () => Promise<Curve[]>): Promise<Curve[]> {
  try {
    return await read();
  } catch (err) {
    if ((err as { code?: unknown })?.code === "DATA") return [];
    throw err;
  }
}

function keysOf(cells: CellInfo[]): string[] {
  expect(cells.length > 0, "no cells to read (cells() failed or is empty)");
  return cells.map((c) => c.cellKey);
}

function checkCells(cells: CellInfo[]): void {
  expect(Array.isArray(cells) && cells.length > 0, "cells() is empty");
  const keys = cells.map((c) => c.cellKey);
  expect(new Set(keys).size === keys.length, `cellKeys are not unique: ${keys.join(", ")}`);
  for (const c of cells) {
    expect(c.cellKey === `${c.experiment}/${c.cell}`, `cellKey '${c.cellKey}' is not '<experiment>/<cell>'`);
    expect(Number.isFinite(c.chamberC), `cell ${c.cellKey} has chamberC ${c.chamberC}`);
  }
}

/** Within each cell, the numbers must increase strictly. */
function checkIncreasing(cellKeys: readonly string[], values: ArrayLike<number>): void {
  const last = new Map<string, number>();
  cellKeys.forEach((k, i) => {
    const v = values[i];
    expect(!(last.has(k) && v <= last.get(k)!), `cell ${k}: RPT ${v} after ${last.get(k)}`);
    last.set(k, v);
  });
}

function checkCurve(curve: Curve, cellKey: string): void {
  const where = `curve of ${curve.cellKey} RPT ${curve.rpt}`;
  expect(curve.cellKey === cellKey, `${where}: asked for cell ${cellKey}`);
  const n = curve.time_s.length;
  const columns = { voltage_V: curve.voltage_V, current_A: curve.current_A, charge_Ah: curve.charge_Ah };
  for (const [name, col] of Object.entries(columns)) {
    expect(col.length === n, `${where}: ${name} has ${col.length} values, time_s ${n}`);
  }
  for (let i = 0; i < n; i++) {
    expect(
      Number.isFinite(curve.time_s[i]) && Number.isFinite(curve.voltage_V[i]),
      `${where}: row ${i} not finite`,
    );
    expect(i === 0 || curve.time_s[i] >= curve.time_s[i - 1], `${where}: time goes back at row ${i}`);
  }
}
