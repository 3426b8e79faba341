/**
 * `runs compare <sweep id>`: reads the metric of every FINISHED point from its run's manifest (a point
 * runs one fold, so the run's overall metric is that fold's), compares the configurations over seeds ×
 * folds (lib/sweep/compare.ts), and writes `compare.json`, `compare.csv` and `compare.svg|png` into the
 * sweep folder. A sweep with no finished point has nothing to compare and is an error.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/io/mod.ts";
import { sweepCompareFigure } from "../lib/plot/mod.ts";
import {
  compareConfigs,
  compareCsv,
  compareText,
  type ConfigComparison,
  lowerIsBetter,
  type PointValue,
  SweepError,
} from "../lib/sweep/mod.ts";
import { sweepStatus } from "./status.ts";

/** Which metric to compare (defaults: the first target, its headline metric). */
export interface CompareRequest {
  outputDir: string;
  sweepId: string;
  target?: string;
  metric?: string;
}

/** The comparison, as `--json` prints it. */
export interface SweepComparison {
  sweepId: string;
  target: string;
  metric: string;
  lowerIsBetter: boolean;
  configs: (ConfigComparison & { values: PointValue[] })[];
  files: { json: string; csv: string; svg: string; png: string };
}

/** Compares a sweep's configurations and writes the comparison files. */
export async function compareSweep(req: CompareRequest): Promise<SweepComparison> {
  const status = await sweepStatus(req.outputDir, req.sweepId);
  const finished = status.points.filter((p) => p.status === "FINISHED" && p.runId);
  if (finished.length === 0) {
    throw new SweepError(
      `sweep ${req.sweepId} has no FINISHED point to compare (${describeCounts(status.counts)})`,
    );
  }
  const manifests = await Promise.all(
    finished.map((p) => readManifest(join(status.record.outputDir, "runs", p.runId!), p.index)),
  );
  const target = req.target ?? Object.keys(manifests[0].metrics)[0];
  const metric = req.metric ??
    (manifests[0].headline?.target === target ? manifests[0].headline.metric : "rmse");
  const values: PointValue[] = finished.map((p, i) => ({
    config: p.config,
    seed: p.seed,
    fold: p.fold,
    value: metricOf(manifests[i], target, metric, p.runId!),
  }));
  const planned = (c: string) => status.points.filter((p) => p.config === c).length;
  const lower = lowerIsBetter(metric);
  const rows = compareConfigs(status.record.configs, values, planned, lower);
  const files = {
    json: join(status.dir, "compare.json"),
    csv: join(status.dir, "compare.csv"),
    svg: join(status.dir, "compare.svg"),
    png: join(status.dir, "compare.png"),
  };
  const result: SweepComparison = {
    sweepId: req.sweepId,
    target,
    metric,
    lowerIsBetter: lower,
    configs: rows.map((r) => ({ ...r, values: values.filter((v) => v.config === r.config) })),
    files,
  };
  const figure = sweepCompareFigure(
    result.configs.map((r) => ({
      label: `${r.config} ${r.label}`,
      mean: r.summary.mean,
      ci95: r.summary.ci95,
      values: r.values.map((v) => v.value),
    })),
    `${target} ${metric.toUpperCase()} (mean, 95 % t-interval; dots: seeds × folds)`,
    `Sweep ${req.sweepId}`,
  );
  await writeFileAtomic(files.json, JSON.stringify(result, null, 2) + "\n");
  await writeFileAtomic(files.csv, compareCsv(rows));
  await writeFileAtomic(files.svg, figure.svg);
  await writeFileAtomic(files.png, figure.png);
  return result;
}

/** The comparison as a text table. */
export function formatComparison(c: SweepComparison): string {
  return compareText({ sweepId: c.sweepId, target: c.target, metric: c.metric }, c.configs) +
    `figure ${c.files.svg}\n`;
}

interface RunManifest {
  metrics: Record<string, { overall: Record<string, number> }>;
  headline?: { target: string; metric: string };
  folds?: { name: string; validationLoss?: number }[];
}

/**
 * The inner-validation loss summed over the run's folds (one fold per point in a fold sweep), as
 * milestone C selects learning rates: model selection on the training cells only.
 */
function validationLoss(m: RunManifest, runId: string): number {
  const folds = m.folds ?? [];
  const missing = folds.filter((f) =>
    typeof f.validationLoss !== "number" || !Number.isFinite(f.validationLoss)
  );
  if (folds.length === 0 || missing.length > 0) {
    throw new SweepError(
      `run ${runId}: no inner-validation loss for fold ${missing[0]?.name ?? "(none)"}; the neural models ` +
        "(mlp, lstm_attn, neural_ode) report one when the split leaves inner validation cells",
    );
  }
  return folds.reduce((sum, f) => sum + f.validationLoss!, 0);
}

async function readManifest(runDir: string, index: number): Promise<RunManifest> {
  try {
    return JSON.parse(await Deno.readTextFile(join(runDir, "manifest.json")));
  } catch (err) {
    throw new SweepError(
      `point ${index}: cannot read ${join(runDir, "manifest.json")}: ${(err as Error).message}`,
    );
  }
}

/** The selection metric of the inner validation cells: never the test cells. */
const VALIDATION_LOSS = "validation_loss";

function metricOf(m: RunManifest, target: string, metric: string, runId: string): number {
  if (metric === VALIDATION_LOSS) return validationLoss(m, runId);
  const t = m.metrics?.[target];
  if (!t) {
    throw new SweepError(
      `run ${runId} has no target '${target}' (it has ${Object.keys(m.metrics ?? {}).join(", ")})`,
    );
  }
  const v = t.overall?.[metric];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new SweepError(
      `run ${runId}: metric '${metric}' of '${target}' is ${v}; expected one of ${
        Object.keys(t.overall).join(", ")
      }`,
    );
  }
  return v;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ");
}
