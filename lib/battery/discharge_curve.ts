/**
 * Constant-current discharge of a full cell from the top of charge: terminal voltage = OCV − I·R (+ noise),
 * sampled at a fixed period until the lower cut-off. The OCV comes from the electrode balance, so the
 * curve (and its dQ/dV peaks) moves the way the degradation modes dictate.
 */
import {
  type ElectrodeBalance,
  type Stoichiometry,
  topOfCharge,
  VOLTAGE_MAX,
  VOLTAGE_MIN,
} from "./electrode_balance.ts";
import { ocpNegative, ocpPositive, OcpTable } from "./_ocp.ts";

/** Tables shared by every curve: building them costs ~40k OCP evaluations, once. */
let tables: { ne: OcpTable; pe: OcpTable } | undefined;
function ocpTables(): { ne: OcpTable; pe: OcpTable } {
  tables ??= { ne: new OcpTable(ocpNegative), pe: new OcpTable(ocpPositive) };
  return tables;
}

/** Settings of one discharge. */
export interface DischargeSettings {
  balance: ElectrodeBalance;
  /** Discharge current magnitude (A). */
  currentA: number;
  /** Effective DC resistance for the ohmic drop (Ω). */
  resistanceOhm: number;
  /** Sampling period (s). */
  periodS?: number;
  vMax?: number;
  vMin?: number;
  /** Standard-normal draws for measurement noise; omitted = noise-free. */
  randn?: () => number;
  voltageNoiseV?: number;
  currentNoiseA?: number;
  temperatureC?: number;
  temperatureNoiseC?: number;
}

/** A sampled discharge: charge counts up from 0; current is negative (discharge) as cyclers record it. */
export interface DischargeCurve {
  time_s: Float64Array;
  voltage_V: Float64Array;
  current_A: Float64Array;
  charge_Ah: Float64Array;
  temperature_C: Float64Array;
}

/** Noise-free terminal voltage after `q` Ah at current `i` from `top`. */
function terminalVoltage(
  b: ElectrodeBalance,
  top: Stoichiometry,
  q: number,
  dropV: number,
  t: { ne: OcpTable; pe: OcpTable },
): number {
  const x = top.x - q / b.qNE;
  const y = top.y + q / b.qPE;
  if (x < 0 || y > 1) return -Infinity; // an electrode is exhausted: the voltage collapses
  return t.pe.at(y) - t.ne.at(x) - dropV;
}

/** Charge (Ah) delivered down to the cut-off at constant current, noise-free (bisection on q). */
export function dischargeCapacity(
  b: ElectrodeBalance,
  currentA: number,
  resistanceOhm: number,
  vMin = VOLTAGE_MIN,
  vMax = VOLTAGE_MAX,
): number {
  const top = topOfCharge(b, vMax);
  const t = ocpTables();
  const drop = currentA * resistanceOhm;
  let lo = 0;
  let hi = Math.min(top.x * b.qNE, (1 - top.y) * b.qPE);
  if (terminalVoltage(b, top, 0, drop, t) < vMin) return 0;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (lo + hi);
    if (terminalVoltage(b, top, mid, drop, t) >= vMin) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Samples the discharge at `periodS` until the noise-free terminal voltage reaches the cut-off. */
export function dischargeCurve(s: DischargeSettings): DischargeCurve {
  const period = s.periodS ?? 1;
  const vMin = s.vMin ?? VOLTAGE_MIN;
  const capacity = dischargeCapacity(s.balance, s.currentA, s.resistanceOhm, vMin, s.vMax ?? VOLTAGE_MAX);
  const top = topOfCharge(s.balance, s.vMax ?? VOLTAGE_MAX);
  const t = ocpTables();
  const drop = s.currentA * s.resistanceOhm;
  const randn = s.randn ?? (() => 0);
  const vNoise = s.randn ? s.voltageNoiseV ?? 0 : 0;
  const iNoise = s.randn ? s.currentNoiseA ?? 0 : 0;
  const tNoise = s.randn ? s.temperatureNoiseC ?? 0 : 0;
  // Room for the noise in current: a few samples more than the nominal duration.
  const maxRows = Math.ceil((capacity / s.currentA) * 3600 / period * 1.01) + 4;
  const out = allocate(maxRows);
  let q = 0;
  let n = 0;
  while (n < maxRows) {
    const v = terminalVoltage(s.balance, top, q, drop, t);
    if (v < vMin) break;
    const current = s.currentA + iNoise * randn();
    out.time_s[n] = n * period;
    out.voltage_V[n] = v + vNoise * randn();
    out.current_A[n] = -current;
    out.charge_Ah[n] = q;
    out.temperature_C[n] = (s.temperatureC ?? 25) + tNoise * randn();
    n++;
    q += current * period / 3600; // coulomb counting of the measured current, like a cycler
  }
  return trim(out, n);
}

function allocate(n: number): DischargeCurve {
  return {
    time_s: new Float64Array(n),
    voltage_V: new Float64Array(n),
    current_A: new Float64Array(n),
    charge_Ah: new Float64Array(n),
    temperature_C: new Float64Array(n),
  };
}

function trim(c: DischargeCurve, n: number): DischargeCurve {
  return {
    time_s: c.time_s.slice(0, n),
    voltage_V: c.voltage_V.slice(0, n),
    current_A: c.current_A.slice(0, n),
    charge_Ah: c.charge_Ah.slice(0, n),
    temperature_C: c.temperature_C.slice(0, n),
  };
}
