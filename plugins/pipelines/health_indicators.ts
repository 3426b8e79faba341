/**
 * `health_indicators` pipeline: one tabular sample per RPT for *estimation* — health indicators a battery
 * researcher measures at (or before) the same RPT, never the C/10 capacity behind SOH or a rescaling of it
 * (no C/10 or C/2 capacity, no full-window 0.1C charge, no per-cycle throughput, no fitted electrode
 * capacities). From the Performance Summary: cumulative charge and energy throughput; the 0.1 s and the
 * mean (HPPC) resistance, carried forward over the odd RPTs that have none, and each relative to RPT0;
 * the shift of the ageing sets' mean voltage (energy over charge throughput of each set) since the first
 * set; the chamber temperature as K, 1000/T and exp(−Ea/RT); days. From the 0.1C discharge curve when the
 * dataset has one: the charge passed in a partial voltage window (3.6–3.9 V by default). The numerics live
 * in lib/features/health_indicators.ts. A cell's samples depend on that cell alone.
 */
import { z } from "zod";
import {
  createSampleSet,
  DataError,
  type DatasetInstance,
  definePipeline,
  type SampleSet,
} from "../../mod.ts";
import {
  arrheniusFactor,
  carryForward,
  meanVoltageShift,
  relativeToFirst,
  windowCharge,
} from "../../lib/features/mod.ts";
import { standardizedPipeline } from "./standardized_pipeline.ts";
import { numericColumn } from "./canonical_column.ts";

/** Indicators the pipeline can compute. */
export const HEALTH_INDICATORS = [
  "charge_throughput_Ah",
  "energy_throughput_Wh",
  "r_0p1s_ohm",
  "r_rel",
  "r_mean_ohm",
  "r_mean_rel",
  "mean_voltage_shift_V",
  "window_charge_Ah",
  "chamber_temperature_K",
  "arrhenius",
  "inv_temperature_1000_per_K",
  "days",
] as const;
type Indicator = typeof HEALTH_INDICATORS[number];

/**
 * The default set: the indicators every M50T Performance Summary has (the synthetic one included). The mean
 * resistance (`r_mean_ohm`, `r_mean_rel`: the 2024 files' `Mean_R`) and `window_charge_Ah` (0.1C curves,
 * which real Expt 1 lacks in the shared data folder) are chosen explicitly.
 */
export const DEFAULT_INDICATORS: Indicator[] = [
  "charge_throughput_Ah",
  "energy_throughput_Wh",
  "r_0p1s_ohm",
  "r_rel",
  "mean_voltage_shift_V",
  "chamber_temperature_K",
  "arrhenius",
  "inv_temperature_1000_per_K",
  "days",
];

const options = z.strictObject({
  table: z.string().default("performance_summary"),
  /** Target columns of the canonical table (soh, lli, lam_pe, lam_ne, …). */
  targets: z.array(z.string().min(1)).min(1).default(["soh"]),
  features: z.array(z.enum(HEALTH_INDICATORS)).min(1).default(DEFAULT_INDICATORS),
  /** Activation energy of the Arrhenius term (kJ/mol). */
  ea_kj_per_mol: z.number().positive().default(50),
  /** Partial voltage window [lo, hi] (V) of `window_charge_Ah` on the 0.1C discharge curve. */
  charge_window_V: z.tuple([z.number(), z.number()]).default([3.6, 3.9]),
  standardize: z.boolean().default(false),
}).superRefine((o, ctx) => {
  const [lo, hi] = o.charge_window_V;
  if (!(hi > lo)) {
    ctx.addIssue({ code: "custom", path: ["charge_window_V"], message: `needs lo < hi, got [${lo}, ${hi}]` });
  }
});
type Options = z.infer<typeof options>;

/** Columns of the canonical table each indicator reads (besides cellKey, rpt and the targets). */
const READS: Record<Indicator, string[]> = {
  charge_throughput_Ah: ["charge_throughput_Ah"],
  energy_throughput_Wh: ["energy_throughput_Wh"],
  r_0p1s_ohm: ["r_0p1s_ohm"],
  r_rel: ["r_0p1s_ohm"],
  r_mean_ohm: ["r_mean_ohm"],
  r_mean_rel: ["r_mean_ohm"],
  mean_voltage_shift_V: ["charge_throughput_Ah", "energy_throughput_Wh"],
  window_charge_Ah: [],
  chamber_temperature_K: ["chamber_temperature_K"],
  arrhenius: ["chamber_temperature_K"],
  inv_temperature_1000_per_K: ["chamber_temperature_K"],
  days: ["days"],
};

/** One cell's rows of the canonical table in RPT order. */
interface CellRows {
  cellKey: string;
  chamberC: number;
  rows: number[];
}

/** Raw (unstandardised) indicator rows and targets of the View's cells, cells in View order, RPTs ascending. */
async function extract(view: DatasetInstance, o: Options): Promise<SampleSet> {
  const cells = await view.cells();
  const t = await view.table(o.table, cells.map((c) => c.cellKey));
  const needed = new Set(["rpt", "days", ...o.features.flatMap((f) => READS[f])]);
  const col = Object.fromEntries([...needed].map((n) => [n, numericColumn(t, n, o.table)]));
  const targets = o.targets.map((n) => numericColumn(t, n, o.table));
  const keys = t.columns.cellKey as string[];
  const x: number[] = [], y: number[] = [], days: number[] = [], rpts: number[] = [];
  const cellKeys: string[] = [], chamberC: number[] = [];
  for (const cell of cells) {
    const rows = keys.flatMap((k, i) => (k === cell.cellKey ? [i] : [])).sort((a, b) =>
      col.rpt[a] - col.rpt[b]
    );
    const values = await cellIndicators(
      view,
      { cellKey: cell.cellKey, chamberC: cell.chamberC, rows },
      col,
      o,
    );
    rows.forEach((row, j) => {
      o.features.forEach((f) => x.push(values[f][j]));
      targets.forEach((c) => y.push(c[row]));
      days.push(col.days[row]);
      rpts.push(col.rpt[row]);
      cellKeys.push(cell.cellKey);
      chamberC.push(cell.chamberC);
    });
  }
  return createSampleSet({
    featureNames: o.features,
    targetNames: o.targets,
    x: Float32Array.from(x),
    y: Float32Array.from(y),
    t: Float32Array.from(days),
    meta: { cellKey: cellKeys, chamberC: Float64Array.from(chamberC), rpt: Int32Array.from(rpts) },
  }, { allowMissingFeatures: true });
}

/** Every chosen indicator of one cell, per row of `cell.rows` (RPT order). */
async function cellIndicators(
  view: DatasetInstance,
  cell: CellRows,
  col: Record<string, Float64Array>,
  o: Options,
): Promise<Record<Indicator, ArrayLike<number>>> {
  const pick = (name: string) => cell.rows.map((i) => col[name][i]);
  const rpt = pick("rpt");
  const lazy = <T>(f: () => T) => {
    let v: T | undefined;
    return () => (v ??= f());
  };
  const r01 = lazy(() => carryForward(pick("r_0p1s_ohm")));
  const rMean = lazy(() => carryForward(pick("r_mean_ohm")));
  const tempK = lazy(() => pick("chamber_temperature_K"));
  const compute: Record<Indicator, () => ArrayLike<number> | Promise<ArrayLike<number>>> = {
    charge_throughput_Ah: () => pick("charge_throughput_Ah"),
    energy_throughput_Wh: () => pick("energy_throughput_Wh"),
    r_0p1s_ohm: r01,
    r_rel: () => relativeToFirst(rpt, [...r01()]),
    r_mean_ohm: rMean,
    r_mean_rel: () => relativeToFirst(rpt, [...rMean()]),
    mean_voltage_shift_V: () =>
      meanVoltageShift(rpt, pick("charge_throughput_Ah"), pick("energy_throughput_Wh")),
    window_charge_Ah: () => windowCharges(view, cell.cellKey, rpt, o),
    chamber_temperature_K: tempK,
    arrhenius: () => tempK().map((k) => arrheniusFactor(o.ea_kj_per_mol * 1000, k)),
    inv_temperature_1000_per_K: () => tempK().map((k) => 1000 / k),
    days: () => pick("days"),
  };
  const out = {} as Record<Indicator, ArrayLike<number>>;
  for (const f of o.features) out[f] = await compute[f]();
  return out;
}

/** Partial-window charge of each RPT's 0.1C discharge curve; NaN for an RPT without a curve. */
async function windowCharges(view: DatasetInstance, cellKey: string, rpt: number[], o: Options) {
  const curves = await view.curves(cellKey, { kind: "0.1C", direction: "discharge" });
  if (curves.length === 0) {
    throw new DataError("health_indicators: window_charge_Ah needs 0.1C discharge curves", {
      column: "window_charge_Ah",
      expected: `0.1C discharge curves for cell ${cellKey}`,
      found: "none (choose features without window_charge_Ah, or a dataset with curves)",
    });
  }
  const byRpt = new Map(curves.map((c) => [c.rpt, c]));
  const [lo, hi] = o.charge_window_V;
  return rpt.map((r) => {
    const c = byRpt.get(r);
    return c ? windowCharge(c.voltage_V, c.charge_Ah, lo, hi) : NaN;
  });
}

/** The `health_indicators` pipeline definition. */
const healthIndicators = definePipeline({
  kind: "pipeline",
  name: "health_indicators",
  version: "1.0.0",
  apiVersion: 1,
  description:
    "Estimation features at the same RPT: throughputs, resistances, mean-voltage shift, partial-window charge.",
  options,
  create: (opts) =>
    standardizedPipeline({
      name: "health_indicators",
      produces: "tabular",
      parseOptions: (raw) => options.parse(raw),
      extract,
      extractOnFit: true,
      standardize: (o) => o.standardize,
      featureCount: (o) => o.features.length,
    }, opts),
});
export default healthIndicators;
