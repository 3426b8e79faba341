/**
 * A sweep in TensorBoard's HParams dashboard: every point's run goes under one folder, `<logdir>/<sweep id>/`
 * (point TensorBoard there), its session's hparams being the swept keys with this point's values; at
 * aggregation the folder gets the HParams `Experiment` record — the swept keys with their values as the
 * hparam columns, the compared metric and the runs' test metrics as the metric columns — and each finished
 * point's run gets the value `runs compare` used, as the scalar `sweep/<target>/<metric>`.
 */
import { join } from "node:path";
import { EventWriter, type HParamValue, type MetricInfo } from "../../lib/tfevents/mod.ts";
import type { SweepInfo, SweepOutcome } from "../../mod.ts";

/** The type every swept key's values are written as (one type per hparam, as the dashboard requires). */
type HParamKind = "number" | "boolean" | "string";

/** What each point learns from the sweep: how to type its swept values. */
export interface TensorBoardSweepHandle {
  kinds: Record<string, HParamKind>;
}

/** The metrics every run reports per target (core/report.ts), shown beside the compared one. */
const TEST_METRICS = ["rmse", "mae", "mape", "r2", "max_error"];

/** The folder of a sweep's runs under the logdir. */
export function sweepLogdir(logdir: string, sweepId: string): string {
  return join(logdir, sweepId);
}

/** The types of the swept keys: numbers when every value is one, booleans likewise, else strings. */
export function sweepHandle(sweep: SweepInfo): TensorBoardSweepHandle {
  return { kinds: Object.fromEntries(Object.entries(sweep.axes).map(([k, values]) => [k, kindOf(values)])) };
}

/** A point's swept values, typed as the sweep's handle says (strings when the handle is missing). */
export function sweptHParams(params: Record<string, string>, handle: unknown): Record<string, HParamValue> {
  const kinds = (handle as Partial<TensorBoardSweepHandle> | undefined)?.kinds ?? {};
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typed(v, kinds[k] ?? "string")]));
}

/** Writes the sweep's Experiment record and each finished point's compared value. */
export async function writeSweepExperiment(
  logdir: string,
  sweep: SweepInfo,
  outcome: SweepOutcome,
): Promise<void> {
  const c = outcome.comparison;
  if (!c) throw new Error(`sweep ${sweep.id}: nothing was compared (${outcome.error ?? "no comparison"})`);
  const dir = sweepLogdir(logdir, sweep.id);
  const compared = `sweep/${c.target}/${c.metric}`;
  const metrics: MetricInfo[] = [
    {
      tag: compared,
      displayName: `${c.target} ${c.metric} (compared)`,
      description: `The value \`runs compare\` ranked (${c.lowerIsBetter ? "lower" : "higher"} is better)`,
    },
    ...TEST_METRICS.map((m) => ({ tag: `test/${c.target}/${m}`, displayName: `${c.target} test ${m}` })),
  ];
  const kinds = sweepHandle(sweep).kinds;
  const writer = await EventWriter.open(dir, { flushSecs: 0 });
  writer.experiment({
    name: sweep.id,
    description: `BatteryML sweep ${sweep.id}: ${sweep.points} points`,
    timeCreatedSecs: Date.now() / 1000,
    hparams: Object.entries(sweep.axes).map(([name, values]) => ({
      name,
      values: [...new Set(values)].map((v) => typed(v, kinds[name])),
    })),
    metrics,
  });
  await writer.close();
  for (const v of c.values) {
    const point = await EventWriter.open(join(dir, v.runId), { flushSecs: 0 });
    point.scalar(compared, v.value, 0);
    await point.close();
  }
}

function kindOf(values: readonly string[]): HParamKind {
  if (values.every((v) => v === "true" || v === "false")) return "boolean";
  if (values.every((v) => v.trim() !== "" && Number.isFinite(Number(v)))) return "number";
  return "string";
}

function typed(text: string, kind: HParamKind): HParamValue {
  if (kind === "number") return Number(text);
  if (kind === "boolean") return text === "true";
  return text;
}
