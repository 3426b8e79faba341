/**
 * `summary_set` pipeline: one tabular sample per RPT from the canonical per-RPT table. Features are
 * cumulative charge throughput, the 0.1 s resistance and its ratio to the cell's RPT0 value (odd RPTs
 * have no measurement: the last measured value is carried forward, never a later one), the chamber
 * temperature, the Arrhenius factor exp(−Ea/RT), 1000/T and days. Optional standardisation is fitted on
 * the training View only. A cell's samples depend on that cell alone.
 */
import { z } from "zod";
import { createSampleSet, type DatasetInstance, definePipeline, type SampleSet } from "../../mod.ts";
import { arrheniusFactor, carryForward } from "../../lib/features/mod.ts";
import { standardizedPipeline } from "./standardized_pipeline.ts";
import { numericColumn } from "./canonical_column.ts";

/** Feature names the pipeline can compute. */
export const SUMMARY_FEATURES = [
  "charge_throughput_Ah",
  "r_0p1s_ohm",
  "r_rel",
  "chamber_temperature_K",
  "arrhenius",
  "inv_temperature_1000_per_K",
  "days",
] as const;
type SummaryFeature = typeof SUMMARY_FEATURES[number];

const options = z.strictObject({
  table: z.string().default("performance_summary"),
  /** Target columns of the canonical table (soh, lli, lam_pe, lam_ne, capacity_c10_Ah, …). */
  targets: z.array(z.string().min(1)).min(1).default(["soh"]),
  features: z.array(z.enum(SUMMARY_FEATURES)).min(1).default([...SUMMARY_FEATURES]),
  /** Activation energy of the Arrhenius term (kJ/mol). */
  ea_kj_per_mol: z.number().positive().default(50),
  standardize: z.boolean().default(false),
});
type Options = z.infer<typeof options>;

/** Raw (unstandardised) feature rows and targets of the given cells, in table order. */
async function extract(view: DatasetInstance, opts: Options): Promise<SampleSet> {
  const cellKeys = (await view.cells()).map((c) => c.cellKey);
  const t = await view.table(opts.table, cellKeys);
  const col = (name: string) => numericColumn(t, name, opts.table);
  const cellKey = t.columns.cellKey as string[];
  const rpt = col("rpt"), days = col("days"), throughput = col("charge_throughput_Ah");
  const tempK = col("chamber_temperature_K");
  const r = opts.features.some((f) => f === "r_0p1s_ohm" || f === "r_rel") ? col("r_0p1s_ohm") : undefined;
  const { carried, relative } = r
    ? resistanceFeatures(cellKey, rpt, r)
    : { carried: undefined, relative: undefined };
  const F = opts.features.length, K = opts.targets.length, n = t.length;
  const x = new Float32Array(n * F), y = new Float32Array(n * K);
  const value: Record<SummaryFeature, (i: number) => number> = {
    charge_throughput_Ah: (i) => throughput[i],
    r_0p1s_ohm: (i) => carried![i],
    r_rel: (i) => relative![i],
    chamber_temperature_K: (i) => tempK[i],
    arrhenius: (i) => arrheniusFactor(opts.ea_kj_per_mol * 1000, tempK[i]),
    inv_temperature_1000_per_K: (i) => 1000 / tempK[i],
    days: (i) => days[i],
  };
  const targetCols = opts.targets.map(col);
  for (let i = 0; i < n; i++) {
    opts.features.forEach((f, j) => (x[i * F + j] = value[f](i)));
    targetCols.forEach((c, k) => (y[i * K + k] = c[i]));
  }
  return createSampleSet({
    featureNames: opts.features,
    targetNames: opts.targets,
    x,
    y,
    t: Float32Array.from(days),
    meta: { cellKey, chamberC: Float64Array.from(tempK, (k) => k - 273.15), rpt: Int32Array.from(rpt) },
  }, { allowMissingFeatures: true });
}

/** Carried-forward resistance and its ratio to the cell's RPT0 value, per cell in RPT order. */
function resistanceFeatures(cellKey: string[], rpt: Float64Array, r: Float64Array) {
  const carried = new Float64Array(r.length), relative = new Float64Array(r.length);
  const byCell = new Map<string, number[]>();
  cellKey.forEach((k, i) => byCell.set(k, [...(byCell.get(k) ?? []), i]));
  for (const rows of byCell.values()) {
    rows.sort((a, b) => rpt[a] - rpt[b]);
    const values = carryForward(rows.map((i) => r[i]));
    const r0 = rpt[rows[0]] === 0 ? values[0] : NaN;
    rows.forEach((row, j) => {
      carried[row] = values[j];
      relative[row] = values[j] / r0;
    });
  }
  return { carried, relative };
}

/** The `summary_set` pipeline definition. */
const summarySet = definePipeline({
  kind: "pipeline",
  name: "summary_set",
  version: "1.0.0",
  apiVersion: 1,
  description: "Per-RPT summary features with Arrhenius terms; carried-forward resistance.",
  options,
  create: (opts) =>
    standardizedPipeline({
      name: "summary_set",
      produces: "tabular",
      parseOptions: (raw) => options.parse(raw),
      extract,
      extractOnFit: true,
      standardize: (o) => o.standardize,
      featureCount: (o) => o.features.length,
    }, opts),
});
export default summarySet;
