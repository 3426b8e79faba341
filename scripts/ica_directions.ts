/**
 * Do ICA features recover the degradation modes the synthetic generator put in? On the synthetic
 * LG M50T Expt 5 with 0.1C curves (seed 42), the graphite-stage peak (3.35–3.55 V) and the NMC peak
 * (4.00–4.12 V) are tracked through every RPT of every cell and related to the true LLI, LAM_NE and
 * LAM_PE of the Performance Summary: Pearson r over all (cell, RPT), and per cell the sign of the
 * change from RPT0 to the last RPT. Printed as Markdown for docs/results.md.
 *
 *   deno task ica-directions
 */
import { join } from "node:path";
import { createLogger, createPlugin, createRng, loadPlugin } from "../mod.ts";
import { icaCurve } from "../lib/signal/mod.ts";
import { synthesize } from "../lib/m50t/mod.ts";

/** A tracked peak: the largest |dQ/dV| inside a voltage window. */
const WINDOWS = { graphite: [3.35, 3.55], nmc: [4.0, 4.12] } as const;

/** Where the curves are generated (once). */
const ROOT = join("artifacts", "data", "m50t-synthetic-curves-seed42");

function windowPeak(v: Float64Array, y: Float64Array, [lo, hi]: readonly [number, number]) {
  let best = -1;
  for (let i = 0; i < v.length; i++) if (v[i] >= lo && v[i] <= hi && (best < 0 || y[i] > y[best])) best = i;
  return { voltage: v[best], height: y[best] };
}

function pearson(a: number[], b: number[]): number {
  const n = a.length, ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

if (import.meta.main) {
  const log = createLogger({ quiet: true });
  if (!(await Deno.stat(join(ROOT, ".complete")).then(() => true, () => false))) {
    await synthesize({ out: ROOT, experiments: ["5"], seed: 42, curves: true, log });
    await Deno.writeTextFile(join(ROOT, ".complete"), "synthetic LG M50T, experiment 5, seed 42, curves\n");
  }
  const ctx = { seed: 42, rng: createRng(42), log, cacheDir: join("artifacts", "cache") };
  const data = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    { root: ROOT, experiment: "5" },
    ctx,
    "data",
  );
  const cells = (await data.cells()).map((c) => c.cellKey);
  const table = await data.table("performance_summary", cells);
  const modes = new Map<string, { lli: number; lam_ne: number; lam_pe: number }>();
  const col = (n: string) => table.columns[n] as Float64Array;
  for (let i = 0; i < table.length; i++) {
    modes.set(`${(table.columns.cellKey as string[])[i]}#${col("rpt")[i]}`, {
      lli: col("lli")[i],
      lam_ne: col("lam_ne")[i],
      lam_pe: col("lam_pe")[i],
    });
  }
  const rows: {
    cell: string;
    rpt: number;
    lli: number;
    lam_ne: number;
    lam_pe: number;
    f: Record<string, number>;
  }[] = [];
  for (const cell of cells) {
    for (const curve of await data.curves(cell, { kind: "0.1C", direction: "discharge" })) {
      const ica = icaCurve(curve.voltage_V, curve.charge_Ah);
      const g = windowPeak(ica.voltage, ica.dqdv, WINDOWS.graphite),
        n = windowPeak(ica.voltage, ica.dqdv, WINDOWS.nmc);
      const m = modes.get(`${cell}#${curve.rpt}`)!;
      rows.push({
        cell,
        rpt: curve.rpt,
        ...m,
        f: { graphite_V: g.voltage, graphite_height: g.height, nmc_V: n.voltage, nmc_height: n.height },
      });
    }
  }
  const features = ["graphite_V", "graphite_height", "nmc_V", "nmc_height"];
  console.log(`Synthetic Expt 5 (seed 42): ${cells.length} cells, ${rows.length} 0.1C curves.\n`);
  console.log(
    "| ICA feature | r with LLI | r with LAM_NE | r with LAM_PE | cells where it rose from RPT0 to the last RPT |",
  );
  console.log("|---|---|---|---|---|");
  for (const f of features) {
    const v = rows.map((r) => r.f[f]);
    const rose = cells.filter((c) => {
      const mine = rows.filter((r) => r.cell === c).sort((a, b) => a.rpt - b.rpt);
      return mine.at(-1)!.f[f] > mine[0].f[f];
    }).length;
    console.log(
      `| ${f} | ${pearson(v, rows.map((r) => r.lli)).toFixed(3)} | ${
        pearson(v, rows.map((r) => r.lam_ne)).toFixed(3)
      } | ${pearson(v, rows.map((r) => r.lam_pe)).toFixed(3)} | ${rose}/${cells.length} |`,
    );
  }
}
