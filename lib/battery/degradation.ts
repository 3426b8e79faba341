/**
 * Degradation-mode growth: LLI, LAM_NE and LAM_PE as functions of cumulative charge throughput, time and
 * temperature. Calendar (SEI) growth goes with √t and speeds up when hot; cycling wear goes with
 * throughput; a lithium-plating term goes with throughput and speeds up when cold (negative activation
 * energy) — the mix that makes both the 10 °C and 40 °C cells of the M50T study age faster than 25 °C.
 */
import type { DegradationModes } from "./electrode_balance.ts";

/** Gas constant, J/(mol·K). */
const GAS_CONSTANT = 8.314462618;
/** Reference temperature of the rate constants (25 °C). */
export const T_REF_K = 298.15;

/** Rate constants at 25 °C and activation energies (J/mol) of the three mechanisms. */
export interface DegradationRates {
  /** LLI per √day from SEI growth. */
  lliCalendar: number;
  /** LLI per kAh of throughput from cycling (SEI cracking and regrowth). */
  lliCycle: number;
  /** LAM_NE per kAh of throughput from cycling (particle cracking, Si expansion). */
  lamNECycle: number;
  /** LAM_PE per kAh of throughput from cycling. */
  lamPECycle: number;
  /** LLI per kAh of throughput from lithium plating (cold). */
  lliPlating: number;
  /** LAM_NE per kAh of throughput accompanying plating (dead lithium isolating graphite). */
  lamNEPlating: number;
  eaCalendar: number;
  eaCycle: number;
  /** Negative: plating is faster at low temperature. */
  eaPlating: number;
}

/** Nominal rates: tuned so a 0–100 % cycled M50T loses roughly 20 % capacity over ~12 kAh at 25 °C. */
export const NOMINAL_RATES: Readonly<DegradationRates> = {
  lliCalendar: 0.0027,
  lliCycle: 0.006,
  lamNECycle: 0.006,
  lamPECycle: 0.004,
  lliPlating: 0.002,
  lamNEPlating: 0.002,
  eaCalendar: 50_000,
  eaCycle: 20_000,
  eaPlating: -40_000,
};

/** Where a cell is in its ageing: cumulative days and Ah, and the temperature it ages at. */
export interface AgeingState {
  days: number;
  throughputAh: number;
  temperatureK: number;
}

/** Arrhenius factor of a rate at temperature T relative to T_REF_K. */
export function arrheniusFactor(activationEnergy: number, temperatureK: number): number {
  return Math.exp((activationEnergy / GAS_CONSTANT) * (1 / T_REF_K - 1 / temperatureK));
}

/** Degradation modes reached at `state` under `rates` (fractions of the fresh quantities, capped < 1). */
export function degradationModes(state: AgeingState, rates: DegradationRates): DegradationModes {
  const sqrtDays = Math.sqrt(Math.max(0, state.days));
  const kAh = Math.max(0, state.throughputAh) / 1000;
  const cal = arrheniusFactor(rates.eaCalendar, state.temperatureK);
  const cyc = arrheniusFactor(rates.eaCycle, state.temperatureK);
  const plating = arrheniusFactor(rates.eaPlating, state.temperatureK);
  const cap = (v: number) => Math.min(v, 0.9);
  return {
    lli: cap(rates.lliCalendar * cal * sqrtDays + (rates.lliCycle * cyc + rates.lliPlating * plating) * kAh),
    lamNE: cap((rates.lamNECycle * cyc + rates.lamNEPlating * plating) * kAh),
    lamPE: cap(rates.lamPECycle * cyc * kAh),
  };
}

/**
 * A cell's own rates: each rate constant times a log-normal factor exp(spread·z), z from `randn`, so cells
 * built alike still age differently (and the same seed gives the same cells).
 */
export function cellRates(base: DegradationRates, randn: () => number, spread = 0.1): DegradationRates {
  const jitter = (v: number) => v * Math.exp(spread * randn());
  return {
    ...base,
    lliCalendar: jitter(base.lliCalendar),
    lliCycle: jitter(base.lliCycle),
    lamNECycle: jitter(base.lamNECycle),
    lamPECycle: jitter(base.lamPECycle),
    lliPlating: jitter(base.lliPlating),
    lamNEPlating: jitter(base.lamNEPlating),
  };
}

/**
 * Ohmic resistance (Ω) after degradation: SEI (LLI) thickens the film, lost active material concentrates
 * the current on what is left. Coefficients are illustrative, chosen for a ~30 % rise at 20 % fade.
 */
export function agedResistance(freshOhm: number, modes: DegradationModes): number {
  return freshOhm * (1 + 1.5 * modes.lli + 1.0 * modes.lamPE + 0.8 * modes.lamNE);
}
