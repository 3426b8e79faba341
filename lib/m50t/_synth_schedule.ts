/**
 * Ageing schedule of each experiment for the synthetic dataset: how much charge, how many cycles and how
 * many days one ageing set takes, and the cells' self-heating. These are modelling assumptions in the
 * spirit of the study (Expt 1 numbers are close to the real files: ~257 cycles, ~755 Ah and ~14–23 days per
 * set, energy/charge ≈ 3.37 V); they are not measured facts.
 */
import type { ExperimentLabel } from "./experiments.ts";

/** One experiment's ageing-set schedule. */
export interface AgeingSchedule {
  cyclesPerSet: number;
  /** Charge throughput per cycle, charge + discharge (Ah). */
  throughputPerCycleAh: number;
  /** Days of ageing per set (one RPT takes a few more). */
  daysPerSet: number;
  /** Days each RPT occupies between two ageing sets. */
  rptDays: number;
  /** Mean cell voltage while ageing (V): energy throughput = charge throughput × this. */
  meanVoltageV: number;
  /** Self-heating of the cell above the chamber while ageing (°C). */
  selfHeatingC: number;
  /** Fraction of the capacity one ageing cycle discharges (for the per-cycle summary). */
  depthOfDischarge: number;
  /** First RPT0 date, days since 1970-01-01. */
  startEpochDay: number;
}

/** 2020-07-01 (the first RPT0 of Expt 1) in days since the epoch. */
const JULY_2020 = Date.UTC(2020, 6, 1) / 86_400_000;

/** Schedules per experiment label. */
export const SCHEDULES: Record<ExperimentLabel, AgeingSchedule> = {
  "1": {
    cyclesPerSet: 257,
    throughputPerCycleAh: 2.94,
    daysPerSet: 16,
    rptDays: 4,
    meanVoltageV: 3.37,
    selfHeatingC: 5,
    depthOfDischarge: 0.3,
    startEpochDay: JULY_2020,
  },
  "2,2": {
    cyclesPerSet: 520,
    throughputPerCycleAh: 1.5,
    daysPerSet: 18,
    rptDays: 4,
    meanVoltageV: 3.95,
    selfHeatingC: 3,
    depthOfDischarge: 0.15,
    startEpochDay: JULY_2020 + 14,
  },
  "3": {
    cyclesPerSet: 520,
    throughputPerCycleAh: 1.5,
    daysPerSet: 18,
    rptDays: 4,
    meanVoltageV: 4.08,
    selfHeatingC: 3,
    depthOfDischarge: 0.15,
    startEpochDay: JULY_2020 + 28,
  },
  "4": {
    cyclesPerSet: 60,
    throughputPerCycleAh: 9.5,
    daysPerSet: 21,
    rptDays: 4,
    meanVoltageV: 3.65,
    selfHeatingC: 4,
    depthOfDischarge: 0.95,
    startEpochDay: JULY_2020 + 42,
  },
  "5": {
    cyclesPerSet: 78,
    throughputPerCycleAh: 9.8,
    daysPerSet: 19,
    rptDays: 4,
    meanVoltageV: 3.65,
    selfHeatingC: 4,
    depthOfDischarge: 0.98,
    startEpochDay: JULY_2020 + 56,
  },
};
