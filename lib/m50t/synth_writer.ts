/**
 * Synthetic M50T dataset writer: the exact folder layout and 2024 header spellings of the Zenodo archives,
 * filled from the physical model (synth_cell.ts, lib/battery). Deterministic for a seed: every number is
 * written with fixed decimals and every random stream is forked by name (experiment, cell, RPT), so the
 * summaries do not change when curves are switched on and two runs give byte-identical files.
 */
import { dirname, join } from "node:path";
import type { Logger } from "../dataset_shapes.ts";
import { Rng } from "../random/mod.ts";
import {
  agedBalance,
  type DegradationModes,
  type DischargeCurve,
  dischargeCurve,
  freshBalance,
} from "../battery/mod.ts";
import { experimentByLabel, type M50tExperiment } from "./experiments.ts";
import { ddmmyyyy, fixed, FixedByteWriter } from "./_fixed_format.ts";
import {
  curveFileName,
  perCyclePath,
  performanceSummaryPath,
  perSetPath,
  resolveCellCurveDir,
} from "./paths.ts";
import { C10_CURRENT_A, simulateCell, type SynthCellHistory } from "./_synth_cell.ts";
import { SCHEDULES } from "./_synth_schedule.ts";

/** Options of `synthesize`. */
export interface SynthOptions {
  /** Data root to write into (created). */
  out: string;
  /** Experiment labels; default ["1", "5"]. */
  experiments?: readonly string[];
  seed: number;
  /** Also write the 0.1C discharge curve of every RPT (1 Hz). */
  curves?: boolean;
  log?: Logger;
}

/** What was written per experiment. */
export interface SynthExperimentReport {
  label: string;
  cells: number;
  summaryRows: number;
  curves: number;
}

/** What `synthesize` wrote. */
export interface SynthReport {
  out: string;
  experiments: SynthExperimentReport[];
  files: number;
}

/** 2024 Performance Summary header (first column: the unnamed index pandas writes). */
export const PERFORMANCE_SUMMARY_HEADER = [
  "",
  "Ageing Sets",
  "Ageing Cycles",
  "Age set start date",
  "Age set end date",
  "RPT start date",
  "Days of degradation",
  "Age set av. temperature [°C]",
  "Charge Throughput [A h]",
  "Energy Throughput [W h]",
  "C/10 Capacity [mA h]",
  "C/2 Capacity [mA h]",
  "0.1s Resistance [Ohms]",
  "SoH",
  "LAM PE",
  "LAM NE_tot",
  "LLI",
].join(",");

/** Header of the real 0.1C Voltage Curves files. */
export const CURVE_HEADER = "Time (s),Voltage (V),Current (mA),Charge (mA.h),Temperature (degC)";
const PER_SET_HEADER =
  "Ageing Set,Cycles,Start Date,End Date,Charge Throughput [A h],Energy Throughput [W h],Av. Temperature [°C]";
const PER_CYCLE_HEADER =
  "Cycle,Ageing Set,Discharge Capacity [mA h],Charge Throughput [A h],Av. Temperature [°C]";

async function writeText(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, text);
}

/** The Performance Summary CSV of one cell: resistance and C/2 capacity on even RPTs only, as measured. */
export function renderPerformanceSummary(h: SynthCellHistory, e: M50tExperiment): string {
  const schedule = SCHEDULES[e.label];
  const c10Start = h.rpts[0].capacityC10Ah;
  const lines = [PERFORMANCE_SUMMARY_HEADER];
  for (const r of h.rpts) {
    const even = r.rpt % 2 === 0;
    const first = r.rpt === 0;
    lines.push([
      String(r.rpt),
      String(r.rpt),
      String(r.cycles),
      first ? "" : ddmmyyyy(r.setStartDay),
      first ? "" : ddmmyyyy(r.setEndDay),
      ddmmyyyy(r.rptStartDay),
      first ? "" : fixed(r.days, 1),
      fixed(r.cellTemperatureC, 6),
      fixed(r.throughputAh, 6),
      fixed(r.throughputAh * schedule.meanVoltageV, 6),
      fixed(r.capacityC10Ah * 1000, 6),
      even ? fixed(r.capacityC2Ah * 1000, 6) : "",
      even ? fixed(r.r0p1sOhm, 6) : "",
      fixed(r.capacityC10Ah / c10Start, 6),
      fixed(r.modes.lamPE, 6),
      fixed(r.modes.lamNE, 6),
      fixed(r.modes.lli, 6),
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

/** Summary per Set: one row per ageing set. */
export function renderPerSet(h: SynthCellHistory, e: M50tExperiment): string {
  const s = SCHEDULES[e.label];
  const lines = [PER_SET_HEADER];
  for (const r of h.rpts.slice(1)) {
    const setAh = r.throughputAh - h.rpts[r.rpt - 1].throughputAh;
    lines.push([
      String(r.rpt),
      String(s.cyclesPerSet),
      ddmmyyyy(r.setStartDay),
      ddmmyyyy(r.setEndDay),
      fixed(setAh, 6),
      fixed(setAh * s.meanVoltageV, 6),
      fixed(r.cellTemperatureC, 6),
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

/** Summary per Cycle: capacity per ageing cycle, interpolated between the RPTs around it. */
export function renderPerCycle(h: SynthCellHistory, e: M50tExperiment): string {
  const s = SCHEDULES[e.label];
  const lines = [PER_CYCLE_HEADER];
  let cycle = 0;
  for (const r of h.rpts.slice(1)) {
    const before = h.rpts[r.rpt - 1];
    for (let c = 0; c < s.cyclesPerSet; c++) {
      const f = (c + 0.5) / s.cyclesPerSet;
      const capAh = before.capacityC10Ah + f * (r.capacityC10Ah - before.capacityC10Ah);
      const ah = before.throughputAh + f * (r.throughputAh - before.throughputAh);
      cycle++;
      lines.push(
        `${cycle},${r.rpt},${fixed(capAh * s.depthOfDischarge * 1000, 3)},${fixed(ah, 3)},${
          fixed(r.cellTemperatureC, 3)
        }`,
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** The 0.1C discharge of an electrode balance at 1 Hz, with measurement noise from `rng`. */
export function simulateRptCurve(
  balance: ReturnType<typeof freshBalance>,
  resistanceOhm: number,
  rng: Rng,
): DischargeCurve {
  return dischargeCurve({
    balance,
    currentA: C10_CURRENT_A,
    resistanceOhm,
    periodS: 1,
    randn: () => rng.normal(),
    voltageNoiseV: 0.0002,
    currentNoiseA: 0.00002,
    temperatureC: 25,
    temperatureNoiseC: 0.05,
  });
}

/** A 0.1C curve of a fresh cell with the given degradation modes (for tests and examples). */
export function curveForModes(modes: DegradationModes, seed: number, resistanceOhm = 0.052): DischargeCurve {
  return simulateRptCurve(agedBalance(freshBalance(4.87), modes), resistanceOhm, new Rng(seed));
}

/** A curve as CSV bytes in the real files' units and decimals (6/7/5/6/6), written into one buffer. */
export function renderCurveCsv(c: DischargeCurve): Uint8Array {
  const n = c.time_s.length;
  const w = new FixedByteWriter(n * 56 + 128);
  const COMMA = 44, NEWLINE = 10;
  w.text(CURVE_HEADER);
  w.byte(NEWLINE);
  for (let i = 0; i < n; i++) {
    w.num(c.time_s[i], 6);
    w.byte(COMMA);
    w.num(c.voltage_V[i], 7);
    w.byte(COMMA);
    w.num(c.current_A[i] * 1000, 5);
    w.byte(COMMA);
    w.num(c.charge_Ah[i] * 1000, 6);
    w.byte(COMMA);
    w.num(c.temperature_C[i], 6);
    w.byte(NEWLINE);
  }
  return w.bytes();
}

async function writeCurves(root: string, e: M50tExperiment, h: SynthCellHistory, rng: Rng): Promise<number> {
  const base = join(
    root,
    e.folder,
    "Processed Timeseries Data",
    "0.1C Voltage Curves",
    `cell ${h.cell.cell}`,
  );
  await Deno.mkdir(base, { recursive: true });
  const dir = (await resolveCellCurveDir(root, e, "0.1C", h.cell.cell)) ?? base;
  for (const r of h.rpts) {
    const curve = simulateRptCurve(r.balance, r.curveResistanceOhm, rng.fork(`curve/${r.rpt}`));
    await Deno.writeFile(join(dir, curveFileName(e, h.cell.cell, r.rpt, "0.1C")), renderCurveCsv(curve));
  }
  return h.rpts.length;
}

async function synthesizeExperiment(
  opts: SynthOptions,
  label: string,
): Promise<{ report: SynthExperimentReport; files: number }> {
  const e = experimentByLabel(label);
  const root = new Rng(opts.seed).fork(`m50t/${e.label}`);
  const report: SynthExperimentReport = { label: e.label, cells: 0, summaryRows: 0, curves: 0 };
  let files = 0;
  for (const cell of e.cells) {
    const cellRng = root.fork(cell.cell);
    const history = simulateCell(cell, SCHEDULES[e.label], cellRng.fork("summary"));
    await writeText(
      performanceSummaryPath(opts.out, e, cell.cell, cell.chamberC),
      renderPerformanceSummary(history, e),
    );
    await writeText(perSetPath(opts.out, e, cell.cell), renderPerSet(history, e));
    await writeText(perCyclePath(opts.out, e, cell.cell), renderPerCycle(history, e));
    files += 3;
    report.cells++;
    report.summaryRows += history.rpts.length;
    if (opts.curves) {
      const n = await writeCurves(opts.out, e, history, cellRng.fork("curves"));
      report.curves += n;
      files += n;
      opts.log?.debug(`synth: Expt ${e.label} cell ${cell.cell}: ${n} curves`);
    }
  }
  return { report, files };
}

/** Writes a synthetic M50T dataset under `out`; the same options give byte-identical files. */
export async function synthesize(opts: SynthOptions): Promise<SynthReport> {
  const labels = opts.experiments ?? ["1", "5"];
  const report: SynthReport = { out: opts.out, experiments: [], files: 0 };
  for (const label of labels) {
    const { report: r, files } = await synthesizeExperiment(opts, label);
    report.experiments.push(r);
    report.files += files;
    opts.log?.info(`synth: Expt ${label}: ${r.cells} cells, ${r.summaryRows} RPT rows, ${r.curves} curves`);
  }
  return report;
}
