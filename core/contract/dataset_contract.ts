/**
 * Contract suite for dataset plugins: cells have proper keys and chamber temperatures, the per-RPT
 * table holds exactly the requested cells with increasing RPTs, and fingerprints are sha256 hashes.
 */
import { createPlugin, type LoadedPlugin } from "../loader.ts";
import type { PluginContext } from "../plugin.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** Runs the dataset contract with the given options (e.g. `{ root, experiment }`). */
export async function datasetContract(
  loaded: LoadedPlugin<"dataset">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const dataset = await createPlugin(loaded, options, ctx, "data");
  const cells = await dataset.cells();
  const keys = cells.map((c) => c.cellKey);
  return await runChecks({
    "cells have unique '<experiment>/<cell>' keys and finite chamber temperatures": () => {
      expect(cells.length > 0, "cells() is empty");
      expect(new Set(keys).size === keys.length, "cellKeys are not unique");
      for (const c of cells) {
        expect(
          c.cellKey === `${c.experiment}/${c.cell}`,
          `cellKey '${c.cellKey}' is not '<experiment>/<cell>'`,
        );
        expect(Number.isFinite(c.chamberC), `cell ${c.cellKey} has chamberC ${c.chamberC}`);
      }
    },
    "the per-RPT table holds exactly the requested cells, RPTs increasing": async () => {
      const wanted = keys.slice(0, Math.min(2, keys.length));
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
      const last = new Map<string, number>();
      (cellCol as string[]).forEach((k, i) => {
        const r = (rpt as Float64Array)[i];
        expect(!(last.has(k) && r <= last.get(k)!), `cell ${k}: RPT ${r} after ${last.get(k)}`);
        last.set(k, r);
      });
    },
    "fingerprints are sha256 hashes of what was read": async () => {
      const fp = await dataset.fingerprint();
      for (const [path, hash] of Object.entries(fp)) {
        expect(/^[0-9a-f]{64}$/.test(hash), `${path}: '${hash}'`);
      }
    },
  });
}
