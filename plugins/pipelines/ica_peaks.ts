/**
 * `ica_peaks` pipeline: one tabular sample per 0.1C curve (one per RPT) with incremental-capacity
 * features from lib/signal — the top-k |dQ/dV| peaks by prominence (voltage, height, prominence, width at
 * half prominence, area), the total area and the voltage of the maximum. A missing k-th peak is NaN (trees
 * route it), never 0. Targets are joined from the canonical per-RPT table by (cellKey, RPT), never by row
 * position; a curve without a target row is reported and left out. Features per curve are cached by the
 * content ICA reads (sha256 of the curve's voltage and charge samples) and the ICA options — never by the
 * file's path, size or mtime, so a curve edited in place is recomputed. A cell's samples depend on that
 * cell alone.
 *
 * `peak_naming: transition` names peaks by the electrode transition they belong to instead of by rank
 * (lib/battery/ica_transitions.ts: the fresh cell's dQ/dV peaks from the half-cell OCPs, `pe1`, `ne1`…),
 * tracked through each cell's RPTs from RPT0 (lib/signal/peak_tracking.ts): `ne4_voltage_V` is the same
 * graphite transition at every RPT, where `peak2_voltage_V` can jump between transitions as prominences
 * change order. Rank names stay the default here so existing runs keep their features.
 */
import { z } from "zod";
import {
  type CellInfo,
  type ColumnTable,
  createSampleSet,
  type Curve,
  DataError,
  type DatasetInstance,
  definePipeline,
  DiskCache,
  type Logger,
  type PluginContext,
  type SampleSet,
  silentProgress,
} from "../../mod.ts";
import {
  type IcaFeatures,
  icaFeatures,
  type IcaOptions,
  type IcaPeak,
  IcaWorkerPool,
  trackTransitions,
} from "../../lib/signal/mod.ts";
import { referenceTransitions } from "../../lib/battery/mod.ts";
import { standardizedPipeline } from "./standardized_pipeline.ts";

const NAME = "ica_peaks";
const VERSION = "1.0.0";

const options = z.strictObject({
  /** Which curves: the 0.1C (near-OCV) test by default. */
  kind: z.enum(["0.1C", "0.5C"]).default("0.1C"),
  direction: z.enum(["discharge", "charge"]).default("discharge"),
  /** Voltage window [lo, hi] (V): rows outside are dropped and the grid spans it. */
  voltage_window_V: z.tuple([z.number(), z.number()]).default([3.0, 4.2]),
  /** Grid spacing (V); must divide the window. */
  grid_step_V: z.number().positive().default(0.001),
  /** Savitzky–Golay window (odd, grid samples) and polynomial order of the derivative. */
  sg_window: z.number().int().min(3).default(21),
  sg_order: z.number().int().min(1).default(3),
  /** Peaks described, by prominence. */
  top_k: z.number().int().min(1).max(10).default(3),
  /** Minimum prominence as a fraction of max |dQ/dV|. */
  prominence_fraction: z.number().min(0).max(1).default(0.02),
  /** Target columns of the canonical table. */
  targets: z.array(z.string().min(1)).min(1).default(["soh"]),
  table: z.string().default("performance_summary"),
  /** Standardise features with the training view's mean and std (NaN stays NaN). */
  standardize: z.boolean().default(false),
  /** Peak features by prominence rank (`peak1_…`) or by electrode transition tracked from RPT0 (`ne4_…`). */
  peak_naming: z.enum(["rank", "transition"]).default("rank"),
  /** Transition naming: the largest move of a transition's peak between consecutive RPTs (V). */
  max_shift_V: z.number().positive().default(0.05),
  /**
   * Threads computing the ICA of a cell's curves (Workers; absent or 1: this thread). Only speed depends on
   * it: the features are bit-identical. Left out of the defaults so existing configs keep their hash.
   */
  threads: z.number().int().min(1).max(64).optional(),
}).superRefine((o, ctx) => {
  const [lo, hi] = o.voltage_window_V;
  if (!(hi > lo)) {
    ctx.addIssue({
      code: "custom",
      path: ["voltage_window_V"],
      message: `needs lo < hi, got [${lo}, ${hi}]`,
    });
  }
  if (o.sg_window % 2 === 0) {
    ctx.addIssue({ code: "custom", path: ["sg_window"], message: `must be odd, got ${o.sg_window}` });
  }
  if (o.sg_order >= o.sg_window) {
    ctx.addIssue({ code: "custom", path: ["sg_order"], message: `must be below sg_window (${o.sg_window})` });
  }
});

/** Validated options of `ica_peaks`. */
export type IcaPeaksOptions = z.infer<typeof options>;

/** Per-peak feature suffixes, in column order. */
const PEAK_COLUMNS = ["voltage_V", "height_Ah_per_V", "prominence_Ah_per_V", "fwhm_V", "area_Ah"] as const;

/** Feature names for top-k peaks: peak{i}_… for i = 1..k, then the whole-curve features. */
export function icaFeatureNames(topK: number): string[] {
  const names: string[] = [];
  for (let i = 1; i <= topK; i++) for (const c of PEAK_COLUMNS) names.push(`peak${i}_${c}`);
  return [...names, "total_area_Ah", "max_dqdv_voltage_V"];
}

/** The transitions peaks are named by (the fresh cell's, from the half-cell OCPs). */
export const TRANSITIONS = referenceTransitions();

/** Feature names by transition: {transition}_… for each transition, then the whole-curve features. */
export function transitionFeatureNames(): string[] {
  const names = TRANSITIONS.flatMap((t) => PEAK_COLUMNS.map((c) => `${t.name}_${c}`));
  return [...names, "total_area_Ah", "max_dqdv_voltage_V"];
}

/** The feature names of these options. */
export function featureNamesOf(o: IcaPeaksOptions): string[] {
  return o.peak_naming === "transition" ? transitionFeatureNames() : icaFeatureNames(o.top_k);
}

/** Peaks described per curve when naming by transition: enough to hold every transition and a few more. */
const TRACKED_PEAKS = 10;

/** lib/signal settings from plugin options. */
export function icaOptionsOf(o: IcaPeaksOptions): IcaOptions {
  const [lo, hi] = o.voltage_window_V;
  return {
    gridStart: lo,
    gridStop: hi,
    gridStep: o.grid_step_V,
    sgWindow: o.sg_window,
    sgOrder: o.sg_order,
    prominenceFraction: o.prominence_fraction,
    topK: o.top_k,
    voltageWindow: [lo, hi],
  };
}

/** The feature row of one curve's ICA features; peaks not found are NaN. */
export function featureRow(f: IcaFeatures, topK: number): number[] {
  const row: number[] = [];
  for (let i = 0; i < topK; i++) {
    const p = f.peaks[i];
    row.push(...(p ? [p.voltage, p.height, p.prominence, p.fwhm_v, p.area_ah] : PEAK_COLUMNS.map(() => NaN)));
  }
  return [...row, f.total_area_ah, f.max_voltage];
}

/**
 * Features of one curve through the disk cache (JSON has no NaN: missing values are stored as null); on a
 * miss computed on `pool` when given, else in this thread.
 */
async function cachedFeatures(
  cache: DiskCache,
  curve: Curve,
  o: IcaPeaksOptions,
  pool: IcaWorkerPool | undefined,
): Promise<number[]> {
  // Transition naming keeps every peak of the curve (up to TRACKED_PEAKS), tracked per cell afterwards.
  const ica = o.peak_naming === "transition" ? { ...icaOptionsOf(o), topK: TRACKED_PEAKS } : icaOptionsOf(o);
  const width = o.peak_naming === "transition" ? TRACKED_PEAKS : o.top_k;
  const where = { cellKey: curve.cellKey, rpt: curve.rpt, kind: o.kind, direction: o.direction };
  // The samples ICA reads are the key: hashing them (~1 ms for a 35k-row curve) is cheap next to ICA.
  const key = await cache.key({
    plugin: NAME,
    version: VERSION,
    options: ica,
    extra: { ...where, samples: await samplesDigest(curve) },
  });
  const stored = await cache.getOrCompute<(number | null)[]>(key, async () => {
    try {
      const features = pool
        ? await pool.features(curve.voltage_V, curve.charge_Ah, ica)
        : icaFeatures(curve.voltage_V, curve.charge_Ah, ica);
      return featureRow(features, width).map((v) => Number.isNaN(v) ? null : v);
    } catch (err) {
      throw new DataError(
        `ICA features failed for cell ${curve.cellKey}, RPT ${curve.rpt}: ${(err as Error).message}`,
        {
          file: curve.source,
        },
        { cause: err },
      );
    }
  });
  return stored.map((v) => (v === null ? NaN : v));
}

/** sha256 of the voltage and charge samples (Float64, platform byte order) of a curve. */
async function samplesDigest(curve: Curve): Promise<string> {
  const bytes = new Uint8Array(curve.voltage_V.byteLength + curve.charge_Ah.byteLength);
  bytes.set(new Uint8Array(curve.voltage_V.buffer, curve.voltage_V.byteOffset, curve.voltage_V.byteLength));
  bytes.set(
    new Uint8Array(curve.charge_Ah.buffer, curve.charge_Ah.byteOffset, curve.charge_Ah.byteLength),
    curve.voltage_V.byteLength,
  );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Index of the canonical table's rows by cellKey and RPT. */
function rowIndex(t: ColumnTable, table: string): Map<string, number> {
  const keys = t.columns.cellKey, rpt = numericColumn(t, "rpt", table);
  if (!Array.isArray(keys)) {
    throw new DataError("column is not text", { file: table, column: "cellKey", expected: "cell keys" });
  }
  const index = new Map<string, number>();
  for (let i = 0; i < t.length; i++) index.set(`${keys[i]}\u0000${rpt[i]}`, i);
  return index;
}

function numericColumn(t: ColumnTable, name: string, table: string): Float64Array {
  const c = t.columns[name];
  if (!(c instanceof Float64Array)) {
    throw new DataError(
      c === undefined ? "column missing from the canonical table" : "column is not numeric",
      {
        file: table,
        column: name,
        expected: "a numeric canonical column",
        found: c === undefined ? `columns ${Object.keys(t.columns).join(", ")}` : "text",
      },
    );
  }
  return c;
}

/** One sample before it goes into the set. */
interface Row {
  cell: CellInfo;
  rpt: number;
  x: number[];
  y: number[];
  days: number;
  throughput: number;
}

/** Raw (unstandardised) samples of every cell of the view, cells in view order, RPTs ascending. */
async function extract(
  view: DatasetInstance,
  o: IcaPeaksOptions,
  cache: DiskCache,
  ctx: PluginContext,
): Promise<SampleSet> {
  const cells = await view.cells();
  const task = (ctx.progress ?? silentProgress).start(`${NAME}: ICA features`, cells.length, {
    unit: "cells",
  });
  const threads = o.threads ?? 1;
  const pool = threads > 1 ? await IcaWorkerPool.start(threads) : undefined;
  try {
    const rows = await extractRows(view, cells, o, cache, ctx.log, pool, (done) => task.update(done));
    task.finish(`${rows.length} curves`);
    return toSampleSet(rows, o);
  } catch (err) {
    task.finish("failed");
    throw err;
  } finally {
    pool?.close();
  }
}

/** The feature rows of every curve of `cells`; `onCell` hears how many cells are done. */
async function extractRows(
  view: DatasetInstance,
  cells: CellInfo[],
  o: IcaPeaksOptions,
  cache: DiskCache,
  log: Logger,
  pool: IcaWorkerPool | undefined,
  onCell: (done: number) => void,
): Promise<Row[]> {
  const table = await view.table(o.table, cells.map((c) => c.cellKey));
  const index = rowIndex(table, o.table);
  const targets = o.targets.map((name) => numericColumn(table, name, o.table));
  const optional = (
    name: string,
  ) => (table.columns[name] instanceof Float64Array ? table.columns[name] as Float64Array : undefined);
  const days = optional("days"), throughput = optional("charge_throughput_Ah");
  const rows: Row[] = [];
  let done = 0;
  for (const cell of cells) {
    const curves = (await view.curves(cell.cellKey, { kind: o.kind, direction: o.direction }))
      .sort((a, b) => a.rpt - b.rpt);
    const kept = curves.filter((curve) => {
      if (index.has(`${cell.cellKey}\u0000${curve.rpt}`)) return true;
      log.warn(
        `ica_peaks: cell ${cell.cellKey}, RPT ${curve.rpt} has a ${o.kind} curve but no row in '${o.table}'; left out`,
      );
      return false;
    });
    // With a pool, a cell's curves are in flight together (one per Worker at a time); rows keep RPT order.
    const features = pool
      ? await Promise.all(kept.map((curve) => cachedFeatures(cache, curve, o, pool)))
      : [];
    if (!pool) { for (const curve of kept) features.push(await cachedFeatures(cache, curve, o, undefined)); }
    const xs = o.peak_naming === "transition" ? byTransition(features, o) : features;
    for (const [j, curve] of kept.entries()) {
      const at = index.get(`${cell.cellKey}\u0000${curve.rpt}`)!;
      rows.push({
        cell,
        rpt: curve.rpt,
        x: xs[j],
        y: targets.map((col) => col[at]),
        days: days?.[at] ?? NaN,
        throughput: throughput?.[at] ?? NaN,
      });
    }
    onCell(++done);
  }
  return rows;
}

/**
 * One cell's curves (RPT order) re-described by transition: the rank rows' peaks are tracked from the first
 * curve on, its windows shifted by the first curve's tallest peak against the tallest reference (the
 * terminal voltage of a 0.1C discharge sits an I·R drop below the OCV the references come from).
 */
function byTransition(rankRows: number[][], o: IcaPeaksOptions): number[][] {
  const W = PEAK_COLUMNS.length;
  const peaksOf = (row: number[]): IcaPeak[] =>
    Array.from({ length: TRACKED_PEAKS }, (_, i) => row.slice(i * W, (i + 1) * W))
      .filter((p) => Number.isFinite(p[0]))
      .map(([voltage, height, prominence, fwhm_v, area_ah]) => ({
        voltage,
        height,
        prominence,
        fwhm_v,
        area_ah,
      }));
  const curves = rankRows.map(peaksOf);
  const first = curves.find((c) => c.length > 0);
  const tallestRef = TRANSITIONS.reduce((a, b) => (b.dqdvAhPerV > a.dqdvAhPerV ? b : a));
  const offsetV = first
    ? first.reduce((a, b) => (b.height > a.height ? b : a)).voltage - tallestRef.voltageV
    : 0;
  const tracked = trackTransitions(TRANSITIONS, curves, { maxShiftV: o.max_shift_V, offsetV });
  return tracked.map((peaks, j) => [
    ...peaks.flatMap((
      p,
    ) => (p ? [p.voltage, p.height, p.prominence, p.fwhm_v, p.area_ah] : PEAK_COLUMNS.map(() => NaN))),
    ...rankRows[j].slice(TRACKED_PEAKS * W),
  ]);
}

function toSampleSet(rows: Row[], o: IcaPeaksOptions): SampleSet {
  return createSampleSet({
    featureNames: featureNamesOf(o),
    targetNames: o.targets,
    x: Float32Array.from(rows.flatMap((r) => r.x)),
    y: Float32Array.from(rows.flatMap((r) => r.y)),
    // t is days since RPT0; where the table has no day count the RPT number stands in (stated in the docs).
    t: Float32Array.from(rows, (r) => (Number.isFinite(r.days) ? r.days : r.rpt)),
    meta: {
      cellKey: rows.map((r) => r.cell.cellKey),
      chamberC: Float64Array.from(rows, (r) => r.cell.chamberC),
      rpt: Int32Array.from(rows, (r) => r.rpt),
      extra: {
        days: Float64Array.from(rows, (r) => r.days),
        charge_throughput_Ah: Float64Array.from(rows, (r) => r.throughput),
      },
    },
  }, { allowMissingFeatures: true });
}

/** The `ica_peaks` pipeline definition. */
const icaPeaks = definePipeline({
  kind: "pipeline",
  name: NAME,
  version: VERSION,
  apiVersion: 1,
  description:
    "Incremental-capacity (dQ/dV) peak features of each 0.1C curve: top-k peaks, total area, max voltage.",
  options,
  create: (o, ctx) => {
    const cache = new DiskCache(ctx.cacheDir, ctx.log);
    return standardizedPipeline({
      name: NAME,
      produces: "tabular",
      parseOptions: (raw) => options.parse(raw),
      extract: (view, opts) => extract(view, opts, cache, ctx),
      extractOnFit: false,
      standardize: (opts) => opts.standardize,
      featureCount: (opts) => featureNamesOf(opts).length,
    }, o);
  },
});
export default icaPeaks;
