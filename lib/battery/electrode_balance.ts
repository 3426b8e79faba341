/**
 * Electrode balance of a full cell: electrode capacities, cyclable lithium, and the stoichiometry windows
 * they imply. Degradation modes act here — LLI removes cyclable lithium, LAM_PE / LAM_NE remove electrode
 * capacity — so the windows shift and shrink the way degradation-mode analysis assumes.
 */
import { ocpNegative, ocpPositive } from "./_ocp.ts";

/** Capacities in Ah: what each electrode can hold, and the lithium that can cycle between them. */
export interface ElectrodeBalance {
  /** Negative-electrode capacity (Ah at x from 0 to 1). */
  qNE: number;
  /** Positive-electrode capacity (Ah at y from 0 to 1). */
  qPE: number;
  /** Cyclable lithium (Ah): x·qNE + y·qPE at every state of charge. */
  qLi: number;
}

/** Degradation modes as fractions of the fresh quantities. */
export interface DegradationModes {
  lli: number;
  lamPE: number;
  lamNE: number;
}

/** Voltage limits of the M50T reference performance tests (V). */
export const VOLTAGE_MAX = 4.2;
/** Lower cut-off of the 0.1C discharge (V). */
export const VOLTAGE_MIN = 2.5;

/**
 * Fresh LG M50 balance from Chen et al. (2020): stoichiometries x 0.9014 → 0.0279 and y 0.2661 → 0.9084
 * between 100 % and 0 % SoC for a 5 Ah cell, so qNE = 5 / 0.8735 and qPE = 5 / 0.6423.
 */
export function freshBalance(nominalAh = 5): ElectrodeBalance {
  const qNE = nominalAh / (0.9014 - 0.0279);
  const qPE = nominalAh / (0.9084 - 0.2661);
  return { qNE, qPE, qLi: 0.9014 * qNE + 0.2661 * qPE };
}

/** The balance after the given modes: each mode scales its own fresh quantity. */
export function agedBalance(fresh: ElectrodeBalance, modes: DegradationModes): ElectrodeBalance {
  return {
    qNE: fresh.qNE * (1 - modes.lamNE),
    qPE: fresh.qPE * (1 - modes.lamPE),
    qLi: fresh.qLi * (1 - modes.lli),
  };
}

/** Stoichiometries after discharging `q` Ah from the top-of-charge state (x0, y0). */
export interface Stoichiometry {
  x: number;
  y: number;
}

/**
 * Top-of-charge stoichiometries: OCV = VOLTAGE_MAX, or the negative electrode full (x = 1) when the lithium
 * would not fit (after LAM_NE), whichever comes first. Bisection on x: along the line x·qNE + y·qPE = qLi
 * the OCV rises monotonically with x (U_NE falls as x grows, U_PE rises as y shrinks).
 */
export function topOfCharge(b: ElectrodeBalance, vMax = VOLTAGE_MAX): Stoichiometry {
  const yOf = (x: number) => (b.qLi - x * b.qNE) / b.qPE;
  // x range where y stays within [0, 1].
  let lo = Math.max(0, (b.qLi - b.qPE) / b.qNE);
  let hi = Math.min(1, b.qLi / b.qNE);
  const ocv = (x: number) => ocpPositive(yOf(x)) - ocpNegative(x);
  if (ocv(hi) <= vMax) return { x: hi, y: yOf(hi) };
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (ocv(mid) > vMax) hi = mid;
    else lo = mid;
  }
  const x = 0.5 * (lo + hi);
  return { x, y: yOf(x) };
}

/** Stoichiometries after discharging `q` Ah from the top of charge. */
export function stoichiometryAt(b: ElectrodeBalance, top: Stoichiometry, q: number): Stoichiometry {
  return { x: top.x - q / b.qNE, y: top.y + q / b.qPE };
}

/** Full-cell open-circuit voltage at the given stoichiometries. */
export function fullCellOcv(s: Stoichiometry): number {
  return ocpPositive(s.y) - ocpNegative(s.x);
}
