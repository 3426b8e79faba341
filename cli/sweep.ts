/**
 * `batteryml sweep <sweep.yaml> [overrides, a=1,2,3 axes]`: launches a sweep's unfinished points on the
 * local executor (N worker processes) or on Slurm (array jobs); `sweep status|cancel <sweep id>`;
 * `sweep point` is what each worker and array task runs.
 */
import { buildCommand, buildRouteMap } from "@stricli/core";
import {
  cancelSweep,
  createLogger,
  formatSweepStatus,
  launchLocal,
  openSweep,
  planSweep,
  type SlurmOptions,
  slurmOptionsSchema,
  slurmScripts,
  submitSlurm,
  type SweepPlan,
  type SweepRecord,
  sweepStatus,
  type SweepTracking,
  terminalProgress,
  trackerGrants,
  waitSlurm,
} from "../mod.ts";
import {
  type CommonFlags,
  commonFlags,
  configDirFlag,
  type Ctx,
  guarded,
  jsonFlag,
  outputDirFlag,
  writeJson,
} from "./common.ts";
import { pointCommands } from "./sweep_commands.ts";
import { sweepPointCommand, sweepWorkerCommand } from "./sweep_point.ts";
import { sweepAggregateCommand } from "./sweep_aggregate.ts";

/** Flags of the launch. */
interface LaunchFlags extends CommonFlags {
  executor?: "local" | "slurm";
  workers?: number;
  reuseWorkers?: boolean;
  dryRun?: boolean;
  wait?: boolean;
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  account?: string;
  sbatch?: string[];
  configDir?: string;
  json?: boolean;
}

const text = (brief: string, placeholder: string) =>
  ({ kind: "parsed", parse: String, brief, optional: true, placeholder }) as const;

const positiveInt = (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new SyntaxError(`expected an integer ≥ 1, found '${s}'`);
  return n;
};

const launch = buildCommand({
  docs: {
    brief: "Run a sweep (grid/random × seeds × folds) on local workers or Slurm; unfinished points only",
  },
  parameters: {
    flags: {
      ...commonFlags,
      json: jsonFlag,
      executor: {
        kind: "enum",
        values: ["local", "slurm"],
        brief: "Where points run (default: the file's executor, else local)",
        optional: true,
      },
      workers: {
        kind: "parsed",
        parse: positiveInt,
        brief: "Local worker processes (default: the number of cores)",
        optional: true,
      },
      reuseWorkers: {
        kind: "boolean",
        brief:
          "Local: each worker process runs point after point (Deno starts once per worker, not per point)",
        optional: true,
      },
      dryRun: { kind: "boolean", brief: "Slurm: print the sbatch scripts, submit nothing", optional: true },
      wait: { kind: "boolean", brief: "Slurm: wait until every job has ended", optional: true },
      partition: text("Slurm partition", "name"),
      time: text("Slurm time limit per point (e.g. 00:30:00)", "limit"),
      mem: text("Slurm memory per point (e.g. 4G)", "size"),
      cpusPerTask: {
        kind: "parsed",
        parse: positiveInt,
        brief: "Slurm CPUs per point (default 1)",
        optional: true,
      },
      account: text("Slurm account", "name"),
      sbatch: {
        kind: "parsed",
        parse: String,
        brief: "An extra #SBATCH line (repeatable), e.g. --sbatch=--qos=short",
        optional: true,
        variadic: true,
        placeholder: "option",
      },
      configDir: configDirFlag,
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "The sweep file (configs/sweep/*.yaml), then overrides: a.b=v, and a.b=v1,v2 as an axis",
        parse: String,
        placeholder: "sweep.yaml|override",
      },
    },
  },
  func: async function (this: Ctx, f: LaunchFlags, ...args: string[]) {
    await guarded(this, f, async () => {
      const file = args.length > 0 && /\.ya?ml$/.test(args[0]) ? args[0] : null;
      const plan = await planSweep({ file, args: file ? args.slice(1) : args, configDir: f.configDir });
      const executor = f.executor ?? plan.spec.executor ?? "local";
      if (executor === "slurm" && f.dryRun) await printSlurmScripts(this, f, plan);
      else if (executor === "slurm") await launchOnSlurm(this, f, plan);
      else if (f.dryRun) {
        throw new SyntaxError("--dry-run prints Slurm scripts: use it with --executor slurm");
      } else await launchLocally(this, f, plan);
      // The sweep folder and its trackers' records (started and ended here); points start as processes of
      // this deno or as Slurm jobs, with their own flags.
    }, async () => {
      const file = args.length > 0 && /\.ya?ml$/.test(args[0]) ? args[0] : null;
      const plan = await planSweep({ file, args: file ? args.slice(1) : args, configDir: f.configDir });
      const trackers = trackerGrants(plan.record.outputDir, plan.tracking);
      return {
        ...trackers,
        read: [plan.record.outputDir],
        run: [...trackers.run ?? [], Deno.execPath(), "sbatch", "squeue", "scontrol", "scancel"],
      };
    });
  },
});

/** Progress lines on stderr, unless --quiet or --json. */
function sayer(ctx: Ctx, f: LaunchFlags): (s: string) => void {
  return (s) => f.quiet || f.json ? undefined : ctx.process.stderr.write(s);
}

/** `--dry-run`: the sbatch scripts of the unfinished points, printed; nothing written or submitted. */
async function printSlurmScripts(ctx: Ctx, f: LaunchFlags, plan: SweepPlan): Promise<void> {
  const options = slurmOptions(plan.spec.slurm, f);
  const scripts = await slurmScripts(await existingOr(plan), {
    options,
    commands: pointCommands(plan),
    dryRun: true,
  });
  if (f.json) return writeJson(ctx, { sweepId: plan.record.sweepId, ...scripts });
  if (scripts.note) ctx.process.stdout.write(`# assuming ${scripts.note}\n`);
  for (const s of [...scripts.arrays, scripts.aggregate]) {
    ctx.process.stdout.write(`# ${s.path}\n${s.text}\n`);
  }
}

/** Submits the unfinished points as array jobs and the aggregation job; with --wait, follows them. */
async function launchOnSlurm(ctx: Ctx, f: LaunchFlags, plan: SweepPlan): Promise<void> {
  const say = sayer(ctx, f);
  const record = await openSweep(plan);
  const scripts = await slurmScripts(record, {
    options: slurmOptions(plan.spec.slurm, f),
    commands: pointCommands(plan),
  });
  if (scripts.arrays.length === 0) say(`sweep ${record.sweepId}: every point has FINISHED already\n`);
  const submitted = await submitSlurm(record, scripts, trackingOf(f, plan));
  say(
    `sweep ${record.sweepId}: ${submitted.points.length} of ${record.points.length} points submitted as ` +
      `array job(s) ${submitted.arrayJobs!.join(", ") || "(none)"} (MaxArraySize ${scripts.maxArraySize}); ` +
      `aggregation job ${submitted.aggregateJob} (afterany)\nfolder ${plan.dir}\n`,
  );
  if (f.wait) await waitSlurm(record, submitted, terminalProgress({ quiet: f.quiet || f.json }));
  const status = await sweepStatus(record.outputDir, record.sweepId);
  if (f.json) {
    writeJson(ctx, { sweepId: record.sweepId, dir: plan.dir, launch: submitted, counts: status.counts });
  } else if (f.wait) ctx.process.stdout.write(formatSweepStatus(status));
  else ctx.process.stdout.write(`${record.sweepId}\n`);
  if (f.wait && notAllFinished(status.counts)) ctx.process.exitCode = 1;
}

/** Runs the unfinished points on local workers, then prints the status (exit 1 unless all FINISHED). */
async function launchLocally(ctx: Ctx, f: LaunchFlags, plan: SweepPlan): Promise<void> {
  const record = await openSweep(plan);
  const workers = f.workers ?? plan.spec.workers ?? navigator.hardwareConcurrency;
  sayer(ctx, f)(
    `sweep ${record.sweepId}: ${record.points.length} points on ${workers} local workers\nfolder ${plan.dir}\n`,
  );
  const result = await launchLocal(record, {
    workers,
    reuse: f.reuseWorkers,
    commands: pointCommands(plan),
    progress: terminalProgress({ quiet: f.quiet || f.json }),
    tracking: trackingOf(f, plan),
  });
  const status = await sweepStatus(record.outputDir, record.sweepId);
  const done = !notAllFinished(status.counts);
  if (f.json) {
    const { aggregate, ...launched } = result;
    writeJson(ctx, {
      sweepId: record.sweepId,
      dir: plan.dir,
      ...launched,
      aggregate: aggregate.outcome,
      counts: status.counts,
      points: status.points,
    });
  } else {
    ctx.process.stdout.write(formatSweepStatus(status));
    if (result.aggregate.outcome.error) {
      ctx.process.stderr.write(`warning: nothing compared: ${result.aggregate.outcome.error}\n`);
    }
    if (done) {
      ctx.process.stdout.write(
        `compare: batteryml runs compare ${record.sweepId} --output-dir ${record.outputDir}\n`,
      );
    }
  }
  if (!done) ctx.process.exitCode = 1;
}

/** The sweep's trackers, warning on stderr (a failing tracker never stops the sweep). */
function trackingOf(f: LaunchFlags, plan: SweepPlan): SweepTracking {
  const log = createLogger({ quiet: f.quiet || f.json, debug: f.debug });
  return { entries: plan.tracking, log };
}

/** The record of a sweep that exists (with its launches), else the plan's: a dry run writes nothing. */
async function existingOr(plan: SweepPlan): Promise<SweepRecord> {
  return await sweepStatus(plan.record.outputDir, plan.record.sweepId).then(
    (s) => s.record,
    () => plan.record,
  );
}

function notAllFinished(counts: Record<string, number>): boolean {
  return Object.entries(counts).some(([k, n]) => k !== "FINISHED" && n > 0);
}

/** The file's `slurm:` settings with the flags on top. */
function slurmOptions(file: SlurmOptions, f: LaunchFlags): SlurmOptions {
  return slurmOptionsSchema.parse({
    ...file,
    ...(f.partition ? { partition: f.partition } : {}),
    ...(f.time ? { time: f.time } : {}),
    ...(f.mem ? { mem: f.mem } : {}),
    ...(f.cpusPerTask ? { cpus_per_task: f.cpusPerTask } : {}),
    ...(f.account ? { account: f.account } : {}),
    extra: [...file.extra, ...f.sbatch ?? []],
  });
}

const sweepIdArg = {
  kind: "tuple",
  parameters: [{
    brief: "Sweep id (printed by `sweep`; folders under <output.dir>/sweeps/)",
    parse: String,
    placeholder: "sweep-id",
  }],
} as const;

const status = buildCommand({
  docs: { brief: "A sweep's points: finished, failed (with their logs), running, crashed, pending" },
  parameters: { flags: { ...commonFlags, json: jsonFlag, outputDir: outputDirFlag }, positional: sweepIdArg },
  func: async function (this: Ctx, f: CommonFlags & { json?: boolean; outputDir: string }, id: string) {
    await guarded(this, f, async () => {
      const s = await sweepStatus(f.outputDir, id);
      if (f.json) {
        writeJson(this, {
          sweepId: s.sweepId,
          dir: s.dir,
          counts: s.counts,
          points: s.points,
          launches: s.record.launches,
        });
      } else this.process.stdout.write(formatSweepStatus(s));
    }, () => ({ read: [f.outputDir] }));
  },
});

const cancel = buildCommand({
  docs: { brief: "Stop a sweep: its queued/running Slurm jobs and its local workers (points record KILLED)" },
  parameters: { flags: { ...commonFlags, outputDir: outputDirFlag }, positional: sweepIdArg },
  func: async function (this: Ctx, f: CommonFlags & { outputDir: string }, id: string) {
    await guarded(this, f, async () => {
      const { cancelledJobs } = await cancelSweep(f.outputDir, id);
      this.process.stdout.write(
        `sweep ${id}: stop requested${cancelledJobs.length ? `; scancel ${cancelledJobs.join(" ")}` : ""}\n`,
      );
      // The cancel request file, and Slurm's queue: its jobs are cancelled.
    }, () => ({ read: [f.outputDir], write: [f.outputDir], run: ["squeue", "scancel"] }));
  },
});

/** The `sweep` route map (`sweep <file>` launches). */
export const sweepRoutes = buildRouteMap({
  routes: {
    launch,
    status,
    cancel,
    point: sweepPointCommand,
    worker: sweepWorkerCommand,
    aggregate: sweepAggregateCommand,
  },
  defaultCommand: "launch",
  // `point`, `worker` and `aggregate` are what the executors start, not commands users type.
  docs: {
    brief: "Sweeps over configs × seeds × folds, on local workers or Slurm",
    hideRoute: { point: true, worker: true, aggregate: true },
  },
});
