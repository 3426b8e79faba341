/**
 * The Run: the experiment protocol in the only order the platform allows — compose → load plugins → split
 * by cell → inner validation (core/inner_validation.ts) → fit the pipeline on the training View → samples
 * with their observed prefix (core/observe.ts) → train → refit on train ∪ validation → predict the test
 * cells → score → save each fold's state → report → track. `openRun` (core/open_run.ts) reopens what a
 * run saved. Scripts call this; they never re-implement the order.
 */
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../lib/io/mod.ts";
import { type ComposedConfig, makeRunId } from "./config.ts";
import { ConfigError } from "./errors.ts";
import type { PluginEntry } from "./experiment_schema.ts";
import { safeFileName, saveFold } from "./fold_state.ts";
import { type FoldCells, withInnerValidation } from "./inner_validation.ts";
import { createPlugin, type LoadedPlugin, validateOptions } from "./loader.ts";
import { withObservedPrefix } from "./observe.ts";
import type {
  DatasetInstance,
  Figure,
  FitContext,
  FitResult,
  FittedPipeline,
  InstanceOf,
  Logger,
  LossInstance,
  ModelInstance,
  PipelineInstance,
  PluginContext,
  ProgressSink,
  RunSweepInfo,
} from "./plugin.ts";
import { type GuardedPlugin, type GuardOptions, PluginCalls } from "./plugin_guard.ts";
import { type RefitPlan, refitPlan } from "./refit_plan.ts";
import {
  buildReport,
  type PredictionRow,
  predictionsCsv,
  type RunHeadline,
  runHeadline,
  type TargetReport,
} from "./report.ts";
import { createRng, type Rng } from "./rng.ts";
import { holdRunLock } from "./run_liveness.ts";
import { type ManifestStatus, writeManifest } from "./run_manifest.ts";
import {
  checkCombination,
  entryOptions,
  guardedPlugin,
  type RunPlugins,
  validateRunConfig,
} from "./run_plugins.ts";
import type { SampleSet } from "./sample.ts";
import { scoredRows } from "./scoring.ts";
import { type NamedTracker, TrackerGroup } from "./tracking.ts";
import { restrictToCells } from "./view.ts";
import { selectFolds } from "./fold_selection.ts";
import { settleInterrupt } from "./run_signals.ts";

/** A step of the lifecycle, reported as it happens (the milestone scripts print these). */
export interface RunStep {
  step: "load" | "split" | "pipeline" | "samples" | "train" | "refit" | "predict" | "report";
  fold?: string;
  detail: Record<string, unknown>;
}

/** Settings of one run. */
export interface RunOptions {
  composed: ComposedConfig;
  log: Logger;
  onStep?: (step: RunStep) => void;
  /** Called once the run folder and its RUNNING manifest exist. */
  onStart?: (runDir: string, runId: string) => void;
  /** Interrupts the run (Ctrl-C, SIGTERM: see run_signals.ts); it then finishes as KILLED. */
  signal?: AbortSignal;
  /** Where plugins report the progress of long work (`terminalProgress` draws it); absent: nowhere. */
  progress?: ProgressSink;
  /**
   * The sweep this run is a point of: its id, the point, its swept values, and per tracking entry (by
   * index) what that tracker's `sweepStart` returned. Trackers get it as `RunInfo.sweep`.
   */
  sweep?: { id: string; point: number; params: Record<string, string>; handles: readonly unknown[] };
  /** Figures made from the scored predictions; written to `figures/` and sent to every tracker. */
  figures?: (
    rows: readonly PredictionRow[],
    report: Record<string, TargetReport>,
  ) => Promise<Record<string, Figure>>;
}

/** Per-fold outcome: its cells (validation picked by the core) and what training chose. */
export interface FoldOutcome extends FoldCells {
  bestIteration?: number;
  /** Validation loss of the inner fit at the chosen iteration (for model selection across runs). */
  validationLoss?: number;
  /** How long the refit trained, and why (absent without a refit). */
  refit?: RefitPlan;
  importance?: Record<string, number>;
  seconds: number;
}

/** What a run returns (and `--json` prints). */
export interface RunSummary {
  runId: string;
  runDir: string;
  configHash: string;
  status: "FINISHED" | "FAILED" | "KILLED";
  folds: FoldOutcome[];
  report: Record<string, TargetReport>;
  /** The first target's headline metric (MAE for targets that start at zero, else RMSE). */
  headline?: RunHeadline;
  timings: Record<string, number>;
}

/**
 * Runs the experiment end to end and writes `<output.dir>/runs/<run id>/`. The manifest is written at
 * the start (status RUNNING, with pid and host, so a crashed run is recognisable) and rewritten
 * atomically at the end with FINISHED, FAILED or KILLED; every tracker is ended with the same status.
 */
export async function runExperiment(opts: RunOptions): Promise<RunSummary> {
  const { composed, log } = opts;
  const c = composed.config;
  const startedAt = new Date();
  const runId = makeRunId(composed.hash, startedAt);
  const runDir = resolve(c.output.dir, "runs", runId);
  const timings: Record<string, number> = {};
  const rng = createRng(c.experiment.seed);
  const plugins = await validateRunConfig(composed, log);
  const calls = new PluginCalls(c.plugins.timeout_s, opts.signal);
  const ctxFor = (label: string): PluginContext => ({
    seed: c.experiment.seed,
    rng: rng.fork(label),
    log,
    cacheDir: join(c.output.dir, "cache"),
    outputDir: c.output.dir,
    progress: opts.progress,
  });
  const summary: RunSummary = {
    runId,
    runDir,
    configHash: composed.hash,
    status: "FAILED",
    folds: [],
    report: {},
    timings,
  };
  const manifest = (status: ManifestStatus, extras = {}) =>
    writeManifest(summary, composed, plugins, startedAt, status, extras);
  await createRunDir(runDir, c.output.dir);
  // Held until the end: `runs list` tells a live RUNNING run from a crashed one by this lock.
  const lock = await holdRunLock(runDir);
  await manifest("RUNNING");
  opts.onStart?.(runDir, runId);
  calls.listen();
  let status: RunSummary["status"] = "FAILED";
  let trackers: TrackerGroup | undefined;
  let lifecycle: Run | undefined;
  try {
    trackers = new TrackerGroup(await createTrackers(plugins, c.tracking, ctxFor, calls, opts.sweep), log);
    await trackers.start({
      runId,
      runDir,
      experimentName: c.experiment.name,
      configHash: composed.hash,
      config: c as unknown as Record<string, unknown>,
      configYaml: composed.yaml,
      startedAt,
    });
    await trackers.params(flattenParams(c as unknown as Record<string, unknown>));
    lifecycle = new Run(opts, plugins, ctxFor, rng, runDir, trackers, calls);
    const rows = await lifecycle.run(summary, timings);
    summary.report = buildReport(rows);
    summary.headline = runHeadline(summary.report);
    opts.onStep?.({ step: "report", detail: { targets: Object.keys(summary.report) } });
    await writeFileAtomic(join(runDir, "predictions.csv"), predictionsCsv(rows));
    for (const [name, figure] of Object.entries(await opts.figures?.(rows, summary.report) ?? {})) {
      await writeFigure(runDir, name, figure);
      await trackers.figure(name, figure);
    }
    await trackers.metrics(finalMetrics(summary.report), 0);
    await trackers.artifact(join(runDir, "predictions.csv"));
    status = "FINISHED";
  } catch (err) {
    await settleInterrupt(err, opts.signal);
    status = opts.signal?.aborted ? "KILLED" : "FAILED";
    // A stray rejection aborts the run with a PluginError naming the plugin: report that, not its echo.
    throw calls.signal.aborted ? calls.signal.reason : err;
  } finally {
    calls.stop();
    summary.status = status;
    timings.total_s = (Date.now() - startedAt.getTime()) / 1000;
    await manifest(status, {
      trackers,
      inputs: await safeFingerprint(lifecycle, calls),
      dataWarnings: await safeDataWarnings(lifecycle, calls),
    });
    await lock.release();
    await trackers?.end(status);
  }
  return summary;
}

/** The run folder, or a ConfigError naming output.dir when it cannot be created (not writable, a file). */
async function createRunDir(runDir: string, outputDir: string): Promise<void> {
  try {
    await Deno.mkdir(runDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(
      "output.dir",
      `cannot create the run folder in '${outputDir}': ${(err as Error).message.split("\n")[0]}; ` +
        "choose a writable folder (and run with the flags `run --print-permissions` prints)",
      { cause: err },
    );
  }
}

/** Input hashes for the manifest, also after a failure or an interruption (then without waiting on aborts). */
async function safeFingerprint(
  lifecycle: Run | undefined,
  calls: PluginCalls,
): Promise<Record<string, string>> {
  const ds = lifecycle?.dataset;
  if (!ds || !lifecycle) return {};
  try {
    return await calls.call(lifecycle.pluginOf("dataset"), "fingerprint", () => ds.fingerprint(), false);
  } catch {
    return {};
  }
}

/** The data problems the dataset let through as warnings (`data.strict=false`), for the manifest. */
async function safeDataWarnings(lifecycle: Run | undefined, calls: PluginCalls): Promise<string[]> {
  const ds = lifecycle?.dataset;
  if (!ds?.warnings || !lifecycle) return [];
  try {
    return await calls.call(lifecycle.pluginOf("dataset"), "warnings", () => ds.warnings!(), false);
  } catch {
    return [];
  }
}

/** Trackers, guarded without abort: an interrupted run must still end them (KILLED). */
async function createTrackers(
  plugins: RunPlugins,
  entries: PluginEntry[],
  ctxFor: (label: string) => PluginContext,
  calls: PluginCalls,
  sweep?: RunOptions["sweep"],
): Promise<NamedTracker[]> {
  const out: NamedTracker[] = [];
  for (let i = 0; i < entries.length; i++) {
    const loaded = plugins.trackers[i];
    const who = guardedPlugin(loaded);
    const instance = await calls.call(
      who,
      "create",
      () => createPlugin(loaded, entryOptions(entries[i]), ctxFor(`tracker${i}`), `tracking.${i}`),
      false,
    );
    out.push({
      name: loaded.definition.name,
      instance: calls.guard(instance, who, { abortable: false }),
      ...(sweep ? { sweep: sweepInfoFor(sweep, i) } : {}),
    });
  }
  return out;
}

/** What tracking entry `i` of a sweep point learns of its sweep (its own handle only). */
function sweepInfoFor(sweep: NonNullable<RunOptions["sweep"]>, i: number): RunSweepInfo {
  const { handles, ...info } = sweep;
  return handles[i] === undefined ? info : { ...info, handle: handles[i] };
}

/** The per-fold work, kept in one place so the order cannot drift. */
class Run {
  /** Set once created; the manifest reads its input fingerprints even when a later step fails. */
  dataset: DatasetInstance | undefined;
  /** The loss instance for models that take one, created once per run. */
  loss: LossInstance | undefined;
  /** Its name and validated options (checkpoints fingerprint them). */
  lossSpec: { name: string; options: Record<string, unknown> } | undefined;
  constructor(
    readonly opts: RunOptions,
    readonly plugins: RunPlugins,
    readonly ctxFor: (label: string) => PluginContext,
    readonly rng: Rng,
    readonly runDir: string,
    readonly trackers: TrackerGroup,
    readonly calls: PluginCalls,
  ) {}

  /** The guard identity of one of the run's plugins. */
  pluginOf(role: "dataset" | "split" | "pipeline" | "model"): GuardedPlugin {
    return guardedPlugin(this.plugins[role]);
  }

  /** Creates an instance through the loader, within the timeout, and guards every call into it. */
  async create<K extends "dataset" | "split" | "pipeline" | "model">(
    role: K,
    entry: PluginEntry,
    label: string,
    keyPath: string,
    options: GuardOptions = {},
  ): Promise<InstanceOf[K]> {
    const loaded = this.plugins[role] as LoadedPlugin<K>;
    const who = guardedPlugin(loaded);
    const instance = await this.calls.call(
      who,
      "create",
      () => createPlugin(loaded, entryOptions(entry), this.ctxFor(label), keyPath),
    );
    return this.calls.guard(instance, who, options);
  }

  async run(summary: RunSummary, timings: Record<string, number>): Promise<PredictionRow[]> {
    const c = this.opts.composed.config;
    let t0 = Date.now();
    await this.createLoss();
    const dataset = await this.create("dataset", c.data, "data", "data");
    this.dataset = dataset;
    const cells = await dataset.cells();
    this.opts.onStep?.({
      step: "load",
      detail: { cells: cells.length, dataset: this.plugins.dataset.definition.name },
    });
    const split = await this.create("split", c.split, "split", "split");
    // The split and the validation draws share the "folds" stream (fresh for each draw: forks never advance
    // it), so a fold's validation cells do not depend on which folds `evaluation.folds` selects.
    const folds = selectFolds(
      withInnerValidation(
        await split.folds(cells, this.rng.fork("folds")),
        cells,
        () => this.rng.fork("folds"),
        c.evaluation.val_per_temperature,
      ),
      c.evaluation.folds,
    );
    this.opts.onStep?.({ step: "split", detail: { folds: folds.length, first: folds[0] } });
    timings.load_split_s = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const chamber = new Map(cells.map((cell) => [cell.cellKey, cell.chamberC]));
    const rows: PredictionRow[] = [];
    for (const fold of folds) {
      this.calls.signal.throwIfAborted();
      const started = Date.now();
      const outcome = await this.runFold(dataset, fold, rows, chamber);
      summary.folds.push({ ...outcome, seconds: (Date.now() - started) / 1000 });
    }
    timings.folds_s = (Date.now() - t0) / 1000;
    return rows;
  }

  async runFold(
    dataset: DatasetInstance,
    fold: FoldCells,
    rows: PredictionRow[],
    chamber: Map<string, number>,
  ): Promise<Omit<FoldOutcome, "seconds">> {
    const c = this.opts.composed.config;
    const step = (s: RunStep["step"], detail: Record<string, unknown>) =>
      this.opts.onStep?.({ step: s, fold: fold.name, detail });
    const pipeline = await this.create("pipeline", c.pipeline, "pipeline", "pipeline", {
      guardResultOf: ["fit", "restore"],
    });
    let bestIteration: number | undefined;
    let validationLoss: number | undefined;
    let innerFit: FitResult | undefined;
    let inner: { fitted: FittedPipeline; model: ModelInstance } | undefined;
    if (fold.val.length > 0) {
      const fitted = await pipeline.fit(restrictToCells(dataset, fold.train));
      step("pipeline", { fittedOn: fold.train, stage: "inner" });
      const train = await this.samples(fitted, dataset, fold.train);
      const val = await this.samples(fitted, dataset, fold.val);
      step("samples", {
        train: train.n,
        val: val.n,
        features: train.featureNames,
        targets: train.targetNames,
      });
      const model = await this.createModel(pipeline);
      const fit = await model.fit(train, val, this.fitContext(fold, "inner"));
      bestIteration = fit.bestIteration;
      innerFit = fit;
      validationLoss = Number.isFinite(fit.validationLoss) ? fit.validationLoss : undefined;
      step("train", { bestIteration, trainSamples: train.n, valSamples: val.n });
      inner = { fitted, model };
    }
    // evaluation.refit=false keeps the inner fit (validation cells never trained on); the default refits
    // on train ∪ validation with the chosen iterations.
    const { fitted, model, plan } = inner && !c.evaluation.refit
      ? { ...inner, plan: undefined }
      : await this.refit(pipeline, dataset, fold, innerFit, step, inner === undefined);
    const testSet = await this.samples(fitted, dataset, fold.test);
    const prediction = await model.predict(testSet);
    step("predict", { cells: fold.test.length, samples: testSet.n });
    rows.push(...scoredRows(testSet, prediction, {
      fold: fold.name,
      model: this.plugins.model.definition.name,
      chamber,
      observe: c.evaluation.observe,
    }));
    await saveFold(this.runDir, fold.name, { fitted, model }, {
      pipeline: this.plugins.pipeline.definition,
      model: this.plugins.model.definition,
    });
    return { ...fold, bestIteration, validationLoss, refit: plan, importance: await model.importance?.() };
  }

  /**
   * Fits the pipeline and a new model on train ∪ validation for what the inner fit validated: its
   * optimizer steps when the model reports them (more cells per epoch must not mean more steps), else
   * its best iteration count.
   */
  async refit(
    pipeline: PipelineInstance,
    dataset: DatasetInstance,
    fold: FoldCells,
    innerFit: FitResult | undefined,
    step: (s: RunStep["step"], detail: Record<string, unknown>) => void,
    firstFit: boolean,
  ): Promise<{ fitted: FittedPipeline; model: ModelInstance; plan: RefitPlan }> {
    const iterations = innerFit?.bestIteration;
    const optimizerSteps = innerFit?.optimizerSteps;
    const trainCells = [...fold.train, ...fold.val];
    const fitted = await pipeline.fit(restrictToCells(dataset, trainCells));
    const trainSet = await this.samples(fitted, dataset, trainCells);
    if (firstFit) {
      step("samples", { train: trainSet.n, features: trainSet.featureNames, targets: trainSet.targetNames });
    }
    const model = await this.createModel(pipeline);
    const refitResult = await model.fit(trainSet, undefined, {
      ...this.fitContext(fold, "refit"),
      iterations,
      optimizerSteps,
    });
    const plan = refitPlan(innerFit, refitResult);
    step("refit", { cells: trainCells.length, samples: trainSet.n, iterations, optimizerSteps });
    return { fitted, model, plan };
  }

  /** The configured loss, once per run: every loss-taking model's fits get this instance. */
  async createLoss(): Promise<void> {
    const entry = this.opts.composed.config.loss, loaded = this.plugins.loss;
    if (!entry || !loaded) return;
    const options = await validateOptions(loaded.definition, entryOptions(entry), "loss");
    this.loss = await createPlugin(loaded, options, this.ctxFor("loss"), "loss");
    this.lossSpec = { name: loaded.definition.name, options: options as Record<string, unknown> };
  }

  async createModel(pipeline: PipelineInstance): Promise<ModelInstance> {
    const c = this.opts.composed.config;
    // Every fit sees the run's abort signal, so long training stops on Ctrl-C / SIGTERM.
    const signal = this.calls.signal;
    const model = await this.create("model", c.model, "model", "model", {
      args: (method, args) => method === "fit" ? [args[0], args[1], { ...args[2] as object, signal }] : args,
    });
    checkCombination(this.plugins, pipeline, model);
    return model;
  }

  /** The samples of some cells, with the forecast's observed prefix stamped (core/observe.ts). */
  async samples(fitted: FittedPipeline, dataset: DatasetInstance, cells: string[]): Promise<SampleSet> {
    const set = await fitted.transform(restrictToCells(dataset, cells));
    return withObservedPrefix(set, this.opts.composed.config.evaluation.observe);
  }

  fitContext(fold: FoldCells, stage: string): FitContext {
    const c = this.opts.composed.config;
    return {
      label: `${safeFileName(fold.name)}/${stage}`,
      rng: this.rng.fork(`fit/${fold.name}/${stage}`),
      log: this.opts.log,
      progress: this.opts.progress,
      training: c.training,
      observe: c.evaluation.observe,
      loss: this.loss,
      lossSpec: this.lossSpec,
      metrics: (values: Record<string, number>, stepNo: number) =>
        this.trackers.metrics(prefixKeys(values, `${fold.name}/${stage}/`), stepNo),
      histograms: (values: Record<string, ArrayLike<number>>, stepNo: number) =>
        this.trackers.histograms(prefixKeys(values, `${fold.name}/${stage}/weights/`), stepNo),
    };
  }
}

function finalMetrics(report: Record<string, TargetReport>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [target, r] of Object.entries(report)) {
    for (const [k, v] of Object.entries(r.overall)) if (k !== "n") out[`test/${target}/${k}`] = v;
  }
  return out;
}

function prefixKeys<V>(values: Record<string, V>, prefix: string): Record<string, V> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k, v]));
}

/** Flattens the config into `a.b.c` → scalar params for trackers. */
export function flattenParams(
  obj: Record<string, unknown>,
  prefix = "",
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    } else if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") out[key] = v;
    else out[key] = JSON.stringify(v);
  }
  return out;
}

async function writeFigure(runDir: string, name: string, figure: Figure): Promise<void> {
  if (figure.svg) await writeFileAtomic(join(runDir, "figures", `${safeFileName(name)}.svg`), figure.svg);
  if (figure.png) await writeFileAtomic(join(runDir, "figures", `${safeFileName(name)}.png`), figure.png);
}

/** Re-exported so callers can create single plugins the way the run does. */
export type { InstanceOf };
export type { RefitPlan };
