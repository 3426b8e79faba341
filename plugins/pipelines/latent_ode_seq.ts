/**
 * `latent_ode_seq` pipeline: one sequence per cell over its RPTs (in RPT order) from the canonical
 * per-RPT table, for sequence models (Neural ODE, LSTM-attention). The time axis is `days` (default) or
 * `charge_throughput_Ah`, relative to the cell's first RPT and divided by `time_scale`; `t` holds it,
 * and `meta.extra.time_unit` / `time_scale` record both so forecasts can translate `observe.days`.
 * Per-step features: the scaled time, the chamber temperature, the 0.1 s resistance relative to RPT0
 * (carried forward from the last measurement — never a later one, as in summary_set) and a few more.
 * The defaults give forecasting models a cell's conditions as degradation physics sees them: chamber
 * temperature as 1000/T and as the Arrhenius factor (rates scale with exp(−Ea/RT), so 25 °C lies between
 * 10 and 40 °C on these axes, not just on a kelvin scale), and the throughput per day so far (the
 * cycling load); both are known at the forecast origin.
 * Unequal lengths are padded (lengths, yMask); a missing target is masked, never zero-filled.
 * Standardisation is fitted on the training View only. A cell's sequence depends on that cell alone.
 *
 * Per-RPT ICA features (`ica_features`, names of the `ica_peaks` pipeline's features; transition-named by
 * default, `ne4_voltage_V`, so a feature is one electrode transition at every RPT) are computed by that
 * pipeline, loaded by name, and joined by cell and RPT. Each comes with a mask column `<feature>_observed`
 * (1 measured, 0 not; never standardised): an RPT without a curve, or whose transition was not found, has
 * NaN and mask 0 there — never a filled value — and the sequence models read the value only where the mask
 * is 1 and see the mask as an input (lib/sequence/feature_masks.ts).
 */
import { z } from "zod";
import {
  ConfigError,
  createPlugin,
  DataError,
  type DatasetInstance,
  definePipeline,
  loadPlugin,
  padSequences,
  type PluginContext,
  type RaggedSequence,
  type SampleSet,
} from "../../mod.ts";
import { arrheniusFactor, carryForward, realSteps } from "../../lib/features/mod.ts";
import { maskColumnName } from "../../lib/sequence/mod.ts";
import { standardizedPipeline } from "./standardized_pipeline.ts";
import { numericColumn } from "./canonical_column.ts";

/** Per-step features the pipeline can compute. */
export const SEQUENCE_FEATURES = [
  "time",
  "chamber_temperature_K",
  "r_rel",
  "arrhenius",
  "inv_temperature_1000_per_K",
  "charge_throughput_Ah",
  "days",
  "throughput_per_day",
] as const;
type SequenceFeature = typeof SEQUENCE_FEATURES[number];

const options = z.strictObject({
  table: z.string().default("performance_summary"),
  time: z.enum(["days", "charge_throughput_Ah"]).default("days"),
  /** Divisor of the time axis (default 100 for days, 1000 for Ah): keeps t of order 1 for ODE solvers. */
  time_scale: z.number().positive().optional(),
  features: z.array(z.enum(SEQUENCE_FEATURES)).min(1).default([
    "time",
    "inv_temperature_1000_per_K",
    "arrhenius",
    "r_rel",
    "throughput_per_day",
  ]),
  targets: z.array(z.string().min(1)).min(1).default(["soh"]),
  /** Truncate sequences to their first `max_seq_len` RPTs. */
  max_seq_len: z.int().min(1).optional(),
  standardize: z.boolean().default(true),
  ea_kj_per_mol: z.number().positive().default(50),
  /** `ica_peaks` features appended per RPT (joined by cell and RPT); none by default. */
  ica_features: z.array(z.string().min(1)).default([]),
  /** Options of the `ica_peaks` pipeline computing them (peaks named by transition unless set here). */
  ica: z.record(z.string(), z.unknown()).default({}),
});
type Options = z.infer<typeof options>;

function timeScale(o: Options): number {
  return o.time_scale ?? (o.time === "days" ? 100 : 1000);
}

/** ICA features per "cellKey\0rpt" of the view's curves, in `o.ica_features` order; none when not asked. */
async function icaRows(
  view: DatasetInstance,
  o: Options,
  ctx: PluginContext,
): Promise<Map<string, number[]>> {
  const rows = new Map<string, number[]>();
  if (o.ica_features.length === 0) return rows;
  const ica = await createPlugin(
    await loadPlugin("ica_peaks", "pipeline"),
    { peak_naming: "transition", ...o.ica, targets: o.targets, standardize: false },
    ctx,
    "pipeline.ica",
  );
  const set = await (await ica.fit(view)).transform(view);
  const F = set.featureNames.length;
  const columns = o.ica_features.map((name) => {
    const j = set.featureNames.indexOf(name);
    if (j < 0) {
      throw new ConfigError(
        "pipeline.ica_features",
        `'${name}' is not an ica_peaks feature; expected one of ${set.featureNames.join(", ")}`,
      );
    }
    return j;
  });
  for (let i = 0; i < set.n; i++) {
    rows.set(`${set.meta.cellKey[i]}\u0000${set.meta.rpt[i]}`, columns.map((j) => set.x[i * F + j]));
  }
  return rows;
}

/** Raw (unstandardised) sequences of the View's cells, in the View's cell order. */
async function extract(view: DatasetInstance, o: Options, ctx: PluginContext): Promise<SampleSet> {
  const cells = await view.cells();
  const table = await view.table(o.table, cells.map((c) => c.cellKey));
  const rowsByCell = new Map<string, number[]>();
  const keys = table.columns.cellKey as string[];
  keys.forEach((k, i) => rowsByCell.set(k, [...(rowsByCell.get(k) ?? []), i]));
  const col = (name: string) => numericColumn(table, name, o.table);
  const ica = await icaRows(view, o, ctx);
  const seqs: RaggedSequence[] = [];
  for (const cell of cells) {
    const rows = rowsByCell.get(cell.cellKey);
    if (!rows?.length) continue;
    const rpt = col("rpt");
    rows.sort((a, b) => rpt[a] - rpt[b]);
    const seq = cellSequence(cell.cellKey, cell.chamberC, rows, col, o);
    seqs.push(o.ica_features.length ? withIca(seq, o, ica) : seq);
  }
  if (seqs.length === 0) throw new DataError(`no rows in '${o.table}' for the cells of this view`, {});
  const set = padSequences(seqs, featureNamesOf(o), o.targets, o.max_seq_len, {
    allowMissingFeatures: o.ica_features.length > 0,
  });
  const scale = timeScale(o);
  return {
    ...set,
    meta: {
      ...set.meta,
      extra: {
        time_unit: seqs.map(() => o.time),
        time_scale: new Float64Array(seqs.length).fill(scale),
      },
    },
  };
}

/** One cell's ragged sequence: features per step, targets (NaN = missing), scaled relative time. */
function cellSequence(
  cellKey: string,
  chamberC: number,
  rows: number[],
  col: (name: string) => Float64Array,
  o: Options,
): RaggedSequence {
  const rawTime = col(o.time === "days" ? "days" : "charge_throughput_Ah");
  const scale = timeScale(o);
  const t = rows.map((r) => (rawTime[r] - rawTime[rows[0]]) / scale);
  const tempK = col("chamber_temperature_K");
  const needsR = o.features.includes("r_rel");
  const r = needsR ? carryForward(rows.map((i) => col("r_0p1s_ohm")[i])) : undefined;
  const value: Record<SequenceFeature, (row: number, j: number) => number> = {
    time: (_row, j) => t[j],
    chamber_temperature_K: (row) => tempK[row],
    r_rel: (_row, j) => r![j] / r![0],
    arrhenius: (row) => arrheniusFactor(o.ea_kj_per_mol * 1000, tempK[row]),
    inv_temperature_1000_per_K: (row) => 1000 / tempK[row],
    charge_throughput_Ah: (row) => col("charge_throughput_Ah")[row],
    days: (row) => col("days")[row],
    // Mean Ah per day since the first RPT; 0 at the first RPT, where no time has passed (no later value is
    // borrowed: a forecast from one RPT must not see the next one's throughput).
    throughput_per_day: (row, j) => {
      const days = col("days")[row] - col("days")[rows[0]];
      return j === 0 || !(days > 0)
        ? 0
        : (col("charge_throughput_Ah")[row] - col("charge_throughput_Ah")[rows[0]]) / days;
    },
  };
  const targets = o.targets.map(col);
  return {
    cellKey,
    chamberC,
    x: rows.flatMap((row, j) => o.features.map((f) => value[f](row, j))),
    y: rows.flatMap((row) => targets.map((c) => c[row])),
    t,
    rpt: rows.map((row) => col("rpt")[row]),
  };
}

/** Per-step features, then the ICA features, then their mask columns. */
function featureNamesOf(o: Options): string[] {
  return [...o.features, ...o.ica_features, ...o.ica_features.map(maskColumnName)];
}

/** Indices of the mask columns (left unstandardised: models read them as 1/0 flags). */
function maskIndices(o: Options): number[] {
  const start = o.features.length + o.ica_features.length;
  return o.ica_features.map((_, j) => start + j);
}

/**
 * The sequence with each step's ICA features appended, then one mask per feature: NaN and mask 0 where that
 * RPT has no curve or the feature was not found, the value and mask 1 where it was measured.
 */
function withIca(seq: RaggedSequence, o: Options, ica: Map<string, number[]>): RaggedSequence {
  const F = o.features.length, missing = o.ica_features.map(() => NaN);
  const x: number[] = [];
  Array.from(seq.rpt).forEach((rpt, j) => {
    const values = ica.get(`${seq.cellKey}\u0000${rpt}`) ?? missing;
    x.push(
      ...Array.from(seq.x).slice(j * F, (j + 1) * F),
      ...values,
      ...values.map((v) => (Number.isFinite(v) ? 1 : 0)),
    );
  });
  return { ...seq, x };
}

/** The `latent_ode_seq` pipeline definition. */
const latentOdeSeq = definePipeline({
  kind: "pipeline",
  name: "latent_ode_seq",
  version: "1.0.0",
  apiVersion: 1,
  description: "One sequence per cell over its RPTs (time in days or Ah), padded with lengths and masks.",
  options,
  create: (o, ctx) =>
    standardizedPipeline({
      name: "latent_ode_seq",
      produces: "sequence",
      parseOptions: (raw) => options.parse(raw),
      extract: (view, opts) => extract(view, opts, ctx),
      extractOnFit: true,
      standardize: (opts) => opts.standardize,
      featureCount: (opts) => featureNamesOf(opts).length,
      realRows: (set) => realSteps(set.steps, set.lengths),
      unscaled: maskIndices,
    }, o),
});
export default latentOdeSeq;
