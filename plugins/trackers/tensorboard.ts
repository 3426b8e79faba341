/**
 * `tensorboard` tracker: one TensorBoard run folder per BatteryML run (`<logdir>/<run id>`) holding one
 * event file written by lib/tfevents — scalars per metrics step, the config and params as text,
 * figures as images (PNG), the params and final status for the HParams dashboard — plus
 * `histogram(tag, values, step)` for neural models' weights. Training and validation curves
 * (`…/train_loss`, `…/val_loss`, lgbm's `train_l2`/`val_l2`) go to the sub-runs `<run id>/train` and
 * `<run id>/validation` under one tag (`…/loss`), as Keras writes them, so the two curves overlay.
 * View with `tensorboard --logdir artifacts/tensorboard`. A sweep's points go to `<logdir>/<sweep id>/<run id>`
 * with the swept keys as hparams, and the aggregation adds the dashboard's columns (tensorboard_sweep.ts).
 */
import { z } from "zod";
import { join } from "node:path";
import {
  defineTracker,
  type Figure,
  type Logger,
  type RunInfo,
  type RunStatus,
  type TrackerInstance,
} from "../../mod.ts";
import { EventWriter, SessionStatus } from "../../lib/tfevents/mod.ts";
import { sweepHandle, sweepLogdir, sweptHParams, writeSweepExperiment } from "./tensorboard_sweep.ts";

const options = z.strictObject({
  /** Folder TensorBoard is pointed at; each run gets a subfolder named by its run id (default `<output.dir>/tensorboard`). */
  logdir: z.string().min(1).optional(),
  /** Seconds between flushes of buffered events to disk (0: only on end). */
  flush_secs: z.number().min(0).default(30),
});

/** Options of the tensorboard tracker. */
export type TensorBoardOptions = z.infer<typeof options>;

/** The tracker instance, with the extra histogram method for weights. */
export interface TensorBoardTracker extends Required<TrackerInstance> {
  /** Logs a histogram of `values` (e.g. a layer's weights) at `step`. */
  histogram(tag: string, values: ArrayLike<number>, step: number): void;
}

/** Sub-runs that hold the training and validation curves (Keras's names). */
type CurveRun = "train" | "validation";

/**
 * Where a metric goes: a key whose last segment is `train_<x>` or `val_<x>` is a training or validation
 * curve, written as `<prefix>/<x>` in that sub-run; anything else stays in the run under its own key.
 */
export function routeMetric(key: string): { run: CurveRun | null; tag: string } {
  const slash = key.lastIndexOf("/");
  const prefix = key.slice(0, slash + 1), leaf = key.slice(slash + 1);
  const m = /^(train|val)_(.+)$/.exec(leaf);
  if (!m) return { run: null, tag: key };
  return { run: m[1] === "train" ? "train" : "validation", tag: prefix + m[2] };
}

const STATUS: Record<RunStatus, SessionStatus> = {
  FINISHED: SessionStatus.SUCCESS,
  FAILED: SessionStatus.FAILURE,
  KILLED: SessionStatus.FAILURE,
};

/** The logdir of a run: the option, else `tensorboard/` in the run's output folder. */
export function tensorboardLogdir(opts: TensorBoardOptions, outputDir = "artifacts"): string {
  return opts.logdir ?? join(outputDir, "tensorboard");
}

function createTensorBoard(opts: TensorBoardOptions, log: Logger, outputDir?: string): TensorBoardTracker {
  const logdir = tensorboardLogdir(opts, outputDir);
  let writer: EventWriter | undefined;
  let run: RunInfo | undefined;
  /** The train/validation sub-run writers, opened on their first curve point. */
  const curveWriters = new Map<CurveRun, Promise<EventWriter>>();
  /** Steps of text and image tags, so repeated names become a sequence instead of overwriting step 0. */
  const tagSteps = new Map<string, number>();
  const nextStep = (tag: string) => {
    const step = tagSteps.get(tag) ?? 0;
    tagSteps.set(tag, step + 1);
    return step;
  };
  const open = () => {
    if (!writer || !run) throw new Error("tensorboard tracker: start() was not called");
    return writer;
  };
  const curveWriter = (name: CurveRun) => {
    let w = curveWriters.get(name);
    if (!w) {
      w = EventWriter.open(join(runFolder(run!), name), { flushSecs: opts.flush_secs });
      curveWriters.set(name, w);
    }
    return w;
  };
  /** A sweep point's run goes under its sweep's folder, so the sweep is one HParams experiment. */
  const runFolder = (info: RunInfo) =>
    info.sweep ? join(sweepLogdir(logdir, info.sweep.id), info.runId) : join(logdir, info.runId);
  let warnedSvg = false;
  return {
    async start(info: RunInfo) {
      run = info;
      writer = await EventWriter.open(runFolder(info), { flushSecs: opts.flush_secs });
      open().text("config", fenced("yaml", info.configYaml), nextStep("config"));
    },
    params(values) {
      open().text("params", paramsTable(values), nextStep("params"));
      const swept = run!.sweep ? sweptHParams(run!.sweep.params, run!.sweep.handle) : {};
      open().sessionStart({ ...values, ...swept }, run!.startedAt.getTime() / 1000);
    },
    metrics(values, step) {
      const main = open();
      const curves = new Map<CurveRun, Record<string, number>>();
      const own: Record<string, number> = {};
      for (const [key, v] of Object.entries(values)) {
        const { run: target, tag } = routeMetric(key);
        if (target === null) own[tag] = v;
        else curves.set(target, { ...curves.get(target), [tag]: v });
      }
      if (Object.keys(own).length > 0) main.scalars(own, step);
      if (curves.size === 0) return;
      return (async () => {
        for (const [target, group] of curves) (await curveWriter(target)).scalars(group, step);
      })();
    },
    text(name, markdown) {
      open().text(name, markdown, nextStep(name));
    },
    figure(name: string, figure: Figure) {
      if (figure.png) return open().image(name, figure.png, nextStep(name));
      // TensorBoard renders raster images only; say so once rather than dropping figures silently.
      if (!warnedSvg) {
        log.warn(`tensorboard tracker: figure '${name}' has no PNG; TensorBoard shows PNG only`);
      }
      warnedSvg = true;
    },
    artifact() {
      // TensorBoard has no artifact store; the local and mlflow trackers keep artifacts.
    },
    async end(status: RunStatus) {
      const w = open();
      w.text("status", `Run ended: **${status}**`, nextStep("status"));
      w.sessionEnd(STATUS[status]);
      for (const curve of curveWriters.values()) await (await curve).close();
      await w.close();
    },
    histogram(tag, values, step) {
      open().histogram(tag, values, step);
    },
    sweepStart: (sweep) => sweepHandle(sweep),
    sweepEnd: (sweep, _handle, outcome) => writeSweepExperiment(logdir, sweep, outcome),
  };
}

/** Markdown table of params, sorted by name; `|` is escaped so values cannot break the table. */
function paramsTable(values: Record<string, string | number | boolean>): string {
  const cell = (s: string) => s.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replaceAll("\n", " ");
  const rows = Object.keys(values).sort().map((k) => `| ${cell(k)} | ${cell(String(values[k]))} |`);
  return ["| param | value |", "|---|---|", ...rows].join("\n");
}

/** A fenced code block whose fence is longer than any backtick run inside, so YAML shows verbatim. */
function fenced(language: string, text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${language}\n${text.endsWith("\n") ? text : text + "\n"}${fence}`;
}

/** The `tensorboard` tracker definition. */
const tensorboard = defineTracker({
  kind: "tracker",
  name: "tensorboard",
  version: "0.1.0",
  apiVersion: 1,
  description:
    "TensorBoard event files under <logdir>/<run id>: scalars, train/validation curves, config/params text, HParams (a sweep as one experiment), figures, histograms.",
  options,
  create: (o: TensorBoardOptions, ctx) => createTensorBoard(o, ctx.log, ctx.outputDir),
});
export default tensorboard;
