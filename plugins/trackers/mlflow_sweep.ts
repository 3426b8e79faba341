/**
 * A sweep in MLflow, as MLflow's own nested runs look: one parent run named by the sweep id (tag
 * `batteryml.sweep_id`, the swept keys as params, `sweep.json` as an artifact) and every point's run its
 * child (tag `mlflow.parentRunId`). The parent is created by the process that launches the sweep, before any
 * point runs, and its id reaches each point through the sweep folder (the tracker's sweep handle); at
 * aggregation the comparison (the table, the figure, per-configuration metrics) goes to the parent, which
 * ends FINISHED, or FAILED when a point did not finish.
 */
import {
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  type RunLogger,
  type StartRunRequest,
  truncateValue,
} from "../../lib/mlflow/mod.ts";
import type { Logger, RunSweepInfo, SweepInfo, SweepOutcome } from "../../mod.ts";

/** Where a sweep's parent run is: what every point's run needs to nest under it (JSON, in the sweep folder). */
export interface MlflowSweepHandle {
  parentRunId: string;
  experimentId: string;
  /** The parent's artifact URI on a tracking server (to upload the comparison at aggregation). */
  artifactUri?: string;
}

/** What the hooks need from the tracker: its transport and naming rules. */
export interface SweepHookDeps {
  /** Creates a run (no `existing`) or reopens the parent run `existing` names. */
  open(request: StartRunRequest, existing?: MlflowSweepHandle): Promise<RunLogger>;
  /** Where an open run is: its id and experiment (and artifact URI on a server); undefined when offline. */
  locate(run: RunLogger): MlflowSweepHandle | undefined;
  /** The tags every run carries (user, source, git commit). */
  baseTags(): Promise<Record<string, string>>;
  userId: string;
  experimentName: string;
  /** A valid MLflow key for `raw` (renames are reported once). */
  key(raw: string): string;
  log: Logger;
}

/** The handle of an earlier launch, if `value` is one. */
export function asSweepHandle(value: unknown): MlflowSweepHandle | undefined {
  const h = value as Partial<MlflowSweepHandle> | null | undefined;
  return typeof h?.parentRunId === "string" && typeof h.experimentId === "string"
    ? h as MlflowSweepHandle
    : undefined;
}

/** The tags that make a point's run a child of its sweep's parent run. */
export function childTags(sweep: RunSweepInfo | undefined): Record<string, string> {
  const parent = asSweepHandle(sweep?.handle);
  if (!sweep || !parent) return {};
  return {
    "mlflow.parentRunId": parent.parentRunId,
    "batteryml.sweep_id": sweep.id,
    "batteryml.sweep_point": String(sweep.point),
  };
}

/** Creates the sweep's parent run, or keeps the one an earlier launch of the same sweep created. */
export async function startParentRun(
  deps: SweepHookDeps,
  sweep: SweepInfo,
  previous: unknown,
): Promise<MlflowSweepHandle> {
  const earlier = asSweepHandle(previous);
  if (earlier) {
    // Resuming: the points that run now join the same parent (reopening a file store's run checks it is there).
    const reopened = await deps.open(parentRequest(deps, sweep, {}), earlier).then(() => true, (err) => {
      deps.log.warn(`mlflow tracker: ${(err as Error).message}; sweep ${sweep.id} gets a new parent run`);
      return false;
    });
    if (reopened) return earlier;
  }
  const run = await deps.open(parentRequest(deps, sweep, await deps.baseTags()));
  const handle = deps.locate(run);
  if (!handle) {
    throw new Error(
      `the parent run of sweep ${sweep.id} could not be created (the tracking server is unreachable); ` +
        "its points are tracked as runs of their own",
    );
  }
  await run.logParams(sweepParams(deps, sweep));
  await run.logArtifactBytes("sweep/sweep.json", sweep.recordJson);
  return handle;
}

/** Logs the comparison to the parent run and ends it with the sweep's status. */
export async function endParentRun(
  deps: SweepHookDeps,
  sweep: SweepInfo,
  handle: unknown,
  outcome: SweepOutcome,
): Promise<void> {
  const parent = asSweepHandle(handle);
  if (!parent) {
    throw new Error(`sweep ${sweep.id} has no MLflow parent run to end (handle ${JSON.stringify(handle)})`);
  }
  const run = await deps.open(parentRequest(deps, sweep, {}), parent);
  const timestamp = Date.now();
  const counts = Object.entries(outcome.counts).map(([status, n]) => ({
    key: deps.key(`points/${status.toLowerCase()}`),
    value: n,
    timestamp,
    step: 0,
  }));
  await run.logMetrics(counts);
  const c = outcome.comparison;
  if (c) {
    await run.logMetrics(
      c.configs.filter((r) => r.n > 0).flatMap((r) =>
        Object.entries({
          mean: r.mean,
          std: r.std,
          ci95_low: r.ci95[0],
          ci95_high: r.ci95[1],
          n: r.n,
          rank: r.rank,
        })
          .filter(([, v]) => Number.isFinite(v))
          .map(([stat, value]) => ({
            key: deps.key(`compare/${r.config}/${stat}`),
            value,
            timestamp,
            step: 0,
          }))
      ),
    );
    const best = c.configs[0];
    await run.setTags({
      "batteryml.compare_metric": `${c.target}/${c.metric}`,
      ...(best && best.n > 0 ? { "batteryml.compare_best": `${best.config} ${best.label}` } : {}),
      "mlflow.note.content": truncateValue(noteOf(sweep, c.table), MAX_TAG_VALUE_LENGTH).value,
    });
    await run.logArtifactBytes("compare/compare.txt", c.table);
    for (const [ext, path] of Object.entries(c.files)) {
      await run.logArtifactFile(path, `compare/compare.${ext}`);
    }
  } else if (outcome.error) {
    await run.setTags({
      "batteryml.compare_error": truncateValue(outcome.error, MAX_TAG_VALUE_LENGTH).value,
    });
  }
  await run.end(outcome.status, Date.now());
}

function parentRequest(deps: SweepHookDeps, sweep: SweepInfo, base: Record<string, string>): StartRunRequest {
  return {
    experimentName: deps.experimentName,
    runName: sweep.id,
    startTime: Date.now(),
    userId: deps.userId,
    tags: {
      ...base,
      "mlflow.runName": sweep.id,
      "batteryml.sweep_id": sweep.id,
      "batteryml.sweep_dir": sweep.dir,
    },
  };
}

/** The sweep as params: its name, size, and every swept key with its values. */
function sweepParams(deps: SweepHookDeps, sweep: SweepInfo): Record<string, string> {
  const out: Record<string, string> = { "sweep.name": sweep.name, "sweep.points": String(sweep.points) };
  for (const [key, values] of Object.entries(sweep.axes)) out[`sweep.${key}`] = values.join(",");
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => {
      const cut = truncateValue(v, MAX_PARAM_VALUE_LENGTH);
      if (cut.truncated) {
        deps.log.warn(`mlflow tracker: sweep param '${k}' cut to ${MAX_PARAM_VALUE_LENGTH} characters`);
      }
      return [deps.key(k), cut.value];
    }),
  );
}

function noteOf(sweep: SweepInfo, table: string): string {
  return `BatteryML sweep \`${sweep.id}\` (${sweep.points} points)\n\n\`\`\`\n${table.trimEnd()}\n\`\`\`\n`;
}
