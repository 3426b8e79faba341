/**
 * The electrode transitions a fresh LG M50 shows in incremental-capacity analysis, from the half-cell OCPs
 * alone: the full-cell OCV V(q) = U_PE(y) − U_NE(x) of the fresh balance is discharged from the top of
 * charge, and every local maximum of dQ/dV is a transition. Each is attributed to an electrode by its
 * slope term dV/dq = |U_PE'|/qPE + |U_NE'|/qNE: a peak where one electrode's term has its own local minimum
 * (that electrode sits on a plateau there) belongs to it; otherwise to the electrode whose term is smaller
 * (the one on its plateau). Names run from high to low voltage per electrode (`pe1`, `ne1`, `ne2`, …), so a
 * feature keeps meaning the same transition wherever it moves as the cell ages.
 */
import { freshBalance, fullCellOcv, stoichiometryAt, topOfCharge, VOLTAGE_MIN } from "./electrode_balance.ts";
import { ocpNegative, ocpPositive } from "./_ocp.ts";

/** One transition of the fresh cell: its name, electrode and the OCV (V) and dQ/dV (Ah/V) at its peak. */
export interface ElectrodeTransition {
  name: string;
  electrode: "ne" | "pe";
  voltageV: number;
  dqdvAhPerV: number;
}

const slope = (f: (s: number) => number, s: number) => (f(s + 1e-6) - f(s - 1e-6)) / 2e-6;

/** Indices of strict local minima (left) / maxima of `v`. */
function localExtrema(v: readonly number[], sign: 1 | -1): number[] {
  const out: number[] = [];
  for (let i = 1; i + 1 < v.length; i++) {
    if (sign * v[i] > sign * v[i - 1] && sign * v[i] >= sign * v[i + 1]) out.push(i);
  }
  return out;
}

/**
 * The fresh cell's transitions, high voltage first, discharging in steps of `dqAh` down to `vMin`;
 * a term minimum within `matchAh` of a peak counts as that electrode's plateau.
 */
export function referenceTransitions(dqAh = 1e-3, vMin = VOLTAGE_MIN, matchAh = 0.02): ElectrodeTransition[] {
  const b = freshBalance(), top = topOfCharge(b);
  const q: number[] = [], v: number[] = [], ne: number[] = [], pe: number[] = [];
  for (let k = 0;; k++) {
    const s = stoichiometryAt(b, top, k * dqAh);
    if (s.x < 0 || s.y > 1) break;
    const ocv = fullCellOcv(s);
    if (ocv < vMin) break;
    q.push(k * dqAh);
    v.push(ocv);
    ne.push(Math.abs(slope(ocpNegative, s.x)) / b.qNE);
    pe.push(Math.abs(slope(ocpPositive, s.y)) / b.qPE);
  }
  const dqdv = v.map((_, i) => (i === 0 || i + 1 === v.length ? 0 : (2 * dqAh) / (v[i - 1] - v[i + 1])));
  const minima = { ne: localExtrema(ne, -1), pe: localExtrema(pe, -1) };
  const near = (list: number[], i: number) => list.some((j) => Math.abs(q[j] - q[i]) <= matchAh);
  const counts = { ne: 0, pe: 0 };
  return localExtrema(dqdv, 1).map((i) => {
    const onNe = near(minima.ne, i), onPe = near(minima.pe, i);
    const electrode: "ne" | "pe" = onNe !== onPe ? (onNe ? "ne" : "pe") : ne[i] <= pe[i] ? "ne" : "pe";
    return { name: `${electrode}${++counts[electrode]}`, electrode, voltageV: v[i], dqdvAhPerV: dqdv[i] };
  });
}
