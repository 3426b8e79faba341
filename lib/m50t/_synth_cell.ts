/**
 * The RPT history of one synthetic cell: per ageing set, throughput and days accumulate, the degradation
 * modes grow (lib/battery/degradation.ts, Arrhenius rates with cell-to-cell spread), and the RPT
 * quantities (C/10 and C/2 capacity, 0.1 s resistance) follow from the aged electrode balance.
 */
import type { Rng } from "../random/mod.ts";
import {
  agedBalance,
  agedResistance,
  cellRates,
  type DegradationModes,
  degradationModes,
  dischargeCapacity,
  type ElectrodeBalance,
  freshBalance,
  NOMINAL_RATES,
} from "../battery/mod.ts";
import type { M50tCell } from "./experiments.ts";
import type { AgeingSchedule } from "./_synth_schedule.ts";

/** 0.1C of the 5 Ah nominal M50T (A): the RPT's slow discharge. */
export const C10_CURRENT_A = 0.5;
/** 0.5C (A). */
export const C2_CURRENT_A = 2.5;
/** The DC resistance seen by a slow discharge is larger than the 0.1 s pulse resistance (charge transfer). */
const CURVE_RESISTANCE_FACTOR = 2;
/** At 0.5C diffusion adds more: a larger effective resistance. */
const C2_RESISTANCE_FACTOR = 3;

/** One RPT of a synthetic cell. */
export interface SynthRpt {
  rpt: number;
  /** Ageing cycles completed before this RPT. */
  cycles: number;
  days: number;
  throughputAh: number;
  /** Mean measured cell temperature over the preceding set (°C); NaN at RPT0. */
  cellTemperatureC: number;
  setStartDay: number;
  setEndDay: number;
  rptStartDay: number;
  modes: DegradationModes;
  balance: ElectrodeBalance;
  capacityC10Ah: number;
  capacityC2Ah: number;
  r0p1sOhm: number;
  /** Effective resistance for the 0.1C curve's ohmic drop. */
  curveResistanceOhm: number;
}

/** A synthetic cell's history. */
export interface SynthCellHistory {
  cell: M50tCell;
  rpts: SynthRpt[];
}

/** Simulates RPT0 … RPT<ageSets> of one cell; every random draw comes from `rng`. */
export function simulateCell(cell: M50tCell, schedule: AgeingSchedule, rng: Rng): SynthCellHistory {
  const randn = () => rng.normal();
  const rates = cellRates(NOMINAL_RATES, randn, 0.1);
  const fresh = freshBalance(4.87 * Math.exp(0.004 * randn()));
  const r0 = 0.0259 * Math.exp(0.03 * randn());
  const ageingK = cell.chamberC + schedule.selfHeatingC + 273.15;
  const rpts: SynthRpt[] = [];
  let day = schedule.startEpochDay;
  let throughput = 0;
  let setStart = NaN;
  let setEnd = NaN;
  let firstStart = NaN;
  for (let k = 0; k <= cell.ageSets; k++) {
    if (k > 0) {
      setStart = day + schedule.rptDays;
      setEnd = setStart + schedule.daysPerSet + rng.int(5) - 2;
      day = setEnd + 1;
      if (k === 1) firstStart = setStart;
      throughput += schedule.cyclesPerSet * schedule.throughputPerCycleAh * (1 + 0.01 * randn());
    }
    const days = k === 0 ? 0 : setEnd - firstStart;
    const modes = degradationModes({ days, throughputAh: throughput, temperatureK: ageingK }, rates);
    rpts.push(rpt(k, { days, throughput, modes, fresh, r0, day, setStart, setEnd, cell, schedule, rng }));
  }
  return { cell, rpts };
}

interface RptInputs {
  days: number;
  throughput: number;
  modes: DegradationModes;
  fresh: ElectrodeBalance;
  r0: number;
  day: number;
  setStart: number;
  setEnd: number;
  cell: M50tCell;
  schedule: AgeingSchedule;
  rng: Rng;
}

function rpt(k: number, p: RptInputs): SynthRpt {
  const balance = agedBalance(p.fresh, p.modes);
  const r = agedResistance(p.r0, p.modes);
  return {
    rpt: k,
    cycles: k * p.schedule.cyclesPerSet,
    days: p.days,
    throughputAh: p.throughput,
    cellTemperatureC: k === 0 ? NaN : p.cell.chamberC + p.schedule.selfHeatingC + 0.3 * p.rng.normal(),
    setStartDay: p.setStart,
    setEndDay: p.setEnd,
    rptStartDay: p.day,
    modes: p.modes,
    balance,
    capacityC10Ah: dischargeCapacity(balance, C10_CURRENT_A, CURVE_RESISTANCE_FACTOR * r),
    capacityC2Ah: dischargeCapacity(balance, C2_CURRENT_A, C2_RESISTANCE_FACTOR * r),
    r0p1sOhm: r * (1 + 0.005 * p.rng.normal()),
    curveResistanceOhm: CURVE_RESISTANCE_FACTOR * r,
  };
}
