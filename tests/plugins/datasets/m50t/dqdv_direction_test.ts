/**
 * dQ/dV peaks of synthetic 0.1C curves move the physically expected way (written to disk by the synthetic
 * writer, read back with the curve loader, differentiated here with a small dQ/dV of our own).
 *
 * Expected directions. The full-cell voltage is V = U_PE(y) − U_NE(x) with x·Q_NE + y·Q_PE = Q_Li. A
 * graphite peak sits at a fixed NE stoichiometry x* (a plateau of U_NE), so its cell voltage is
 * U_PE(y*) − U_NE(x*) with y* = (Q_Li − x*·Q_NE) / Q_PE:
 *  - LLI lowers Q_Li → y* falls → the PE is more delithiated → U_PE(y*) rises: the graphite peak moves to a
 *    HIGHER voltage.
 *  - LAM_NE lowers Q_NE at the same Q_Li → y* rises → U_PE(y*) falls: the graphite peak moves to a LOWER
 *    voltage (and its area shrinks with Q_NE).
 * The tracked peak is the graphite stage peak near 3.42 V of the fresh cell (the largest local maximum in 3.30–3.55 V).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { curveForModes, renderCurveCsv } from "../../../../lib/m50t/mod.ts";
import { loadCurve } from "../../../../lib/m50t/mod.ts";
import type { Curve } from "../../../../core/plugin.ts";

/** Voltage of the largest |dQ/dV| in [lo, hi]: moving-average V, Q(V) on a 2 mV grid, central differences. */
function peakVoltage(c: Curve, lo: number, hi: number): number {
  const n = c.voltage_V.length;
  const half = 60; // ±60 samples (~17 mAh) smooths the 0.2 mV noise without blurring 10 mV features
  const v: number[] = [];
  const q: number[] = [];
  for (let i = half; i < n - half; i++) {
    let s = 0;
    for (let j = i - half; j <= i + half; j++) s += c.voltage_V[j];
    v.push(s / (2 * half + 1));
    q.push(c.charge_Ah[i]);
  }
  // Discharge: voltage falls with charge; walk from the low-voltage end to interpolate Q at each grid V.
  const step = 0.002;
  const grid: number[] = [];
  const qg: number[] = [];
  let k = v.length - 1;
  for (let g = lo - 0.02; g <= hi + 0.02; g += step) {
    while (k > 0 && v[k - 1] < g) k--;
    if (k === 0) break;
    const f = (g - v[k]) / (v[k - 1] - v[k]);
    grid.push(g);
    qg.push(q[k] + f * (q[k - 1] - q[k]));
  }
  const dqdv = qg.map((_, i) =>
    i === 0 || i === qg.length - 1 ? 0 : Math.abs((qg[i + 1] - qg[i - 1]) / (2 * step))
  );
  // The largest local maximum (over ±10 mV) inside [lo, hi]: a peak, not the shoulder of a neighbour.
  let best = -Infinity;
  let at = NaN;
  for (let i = 5; i < grid.length - 5; i++) {
    const isPeak = dqdv.slice(i - 5, i + 6).every((d) => d <= dqdv[i]);
    if (isPeak && grid[i] >= lo && grid[i] <= hi && dqdv[i] > best) [best, at] = [dqdv[i], grid[i]];
  }
  return at;
}

async function peakOf(
  dir: string,
  name: string,
  modes: { lli: number; lamPE: number; lamNE: number },
): Promise<number> {
  const file = join(dir, `${name}.csv`);
  await Deno.writeFile(file, renderCurveCsv(curveForModes(modes, 7)));
  return peakVoltage(await loadCurve({ file, cellKey: `synthetic/${name}`, rpt: 0 }), 3.3, 3.55);
}

Deno.test("dQ/dV graphite peak: LLI moves it up, LAM_NE moves it down", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fresh = await peakOf(dir, "fresh", { lli: 0, lamPE: 0, lamNE: 0 });
    const lli = await peakOf(dir, "lli", { lli: 0.08, lamPE: 0, lamNE: 0 });
    const lamNE = await peakOf(dir, "lam_ne", { lli: 0, lamPE: 0, lamNE: 0.15 });
    assert.ok(fresh > 3.38 && fresh < 3.46, `fresh peak at ${fresh} V`);
    assert.ok(lli > fresh + 0.01, `LLI: ${lli} V should be above fresh ${fresh} V`);
    assert.ok(lamNE < fresh - 0.004, `LAM_NE: ${lamNE} V should be below fresh ${fresh} V`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
