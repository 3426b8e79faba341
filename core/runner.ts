/**
 * The experiment lifecycle, in the only order the platform allows: compose → load plugins → split by
 * cell → fit the pipeline on the training View → samples → train with inner validation → refit on
 * train ∪ validation → predict the test cells → report → track. The manifest is written atomically.
 * Scripts call this; they never re-implement the order.
 */
import { join, resolve } from "node:path";
import { hostname } from "node:os";
import { writeFileAtomic } from "../lib/io/mod.ts";
import { type ComposedConfig, makeRunId } from "./config.ts";
import { ConfigError } from "./errors.ts";
import type { PluginEntry } from "./experiment_schema.ts";
import { createPlugin, type LoadedPlugin, loadPlugin, validateOptions } from "./loader.ts";
import type {
  CellInfo,
  DatasetInstance,
  Figure,
  FitContext,
  FitResult,
  FittedPipeline,
  Fold,
  InstanceOf,
  Logger,
  LossInstance,
  ModelInstance,
  PipelineInstance,
  PluginContext,
  PluginKind,
  ProgressSink,
} from "./plugin.ts";
import { type GuardedPlugin, type GuardOptions, PluginCalls } from "./plugin_guard.ts";
import { stampOf, writePluginState } from "./plugin_state.ts";
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
import { scoredRows } from "./scoring.ts";
import { type NamedTracker, TrackerGroup } from "./tracking.ts";
import { restrictToCells } from "./view.ts";
import { selectFolds } from "./fold_selection.ts";

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
  /** Figures made from the scored predictions; written to `figures/` and sent to every tracker. */
  figures?: (
    rows: readonly PredictionRow[],
    report: Record<string, TargetReport>,
  ) => Promise<Record<string, Figure>>;
}

/** Per-fold outcome. */
export interface FoldOutcome {
  name: string;
  train: string[];
  val: string[];
  test: string[];
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

/** Plugins of one run, loaded and shape-checked. */
interface RunPlugins {
  dataset: LoadedPlugin<"dataset">;
  split: LoadedPlugin<"split">;
  pipeline: LoadedPlugin<"pipeline">;
  model: LoadedPlugin<"model">;
  loss: LoadedPlugin<"loss"> | null;
  trackers: LoadedPlugin<"tracker">[];
}

/** Loads every plugin a config names and validates each one's options (no instance is created). */
export async function loadConfigPlugins(composed: ComposedConfig): Promise<RunPlugins> {
  const c = composed.config;
  // Verified copies of URL plugins go under output.dir, one of the folders `--print-permissions` allows.
  const urlCacheDir = join(c.output.dir, "plugins");
  const load = <K extends PluginKind>(entry: PluginEntry, kind: K) =>
    loadPlugin(entry.use, kind, { urlCacheDir, timeoutS: c.plugins.timeout_s });
  return {
    dataset: await load(c.data, "dataset"),
    split: await load(c.split, "split"),
    pipeline: await load(c.pipeline, "pipeline"),
    model: await load(c.model, "model"),
    loss: c.loss ? await load(c.loss, "loss") : null,
    trackers: await Promise.all(c.tracking.map((t) => load(t, "tracker"))),
  };
}

/** The options of an entry: everything but `use`. */
export function entryOptions(entry: PluginEntry): Record<string, unknown> {
  const { use: _use, ...options } = entry;
  return options;
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
  const manifest = (
    status: ManifestStatus,
    trackers?: TrackerGroup,
    inputs: Record<string, string> = {},
    dataWarnings: string[] = [],
  ) => writeManifest(summary, composed, plugins, trackers, inputs, startedAt, status, dataWarnings);
  await createRunDir(runDir, c.output.dir);
  // Held until the end: `runs list` tells a live RUNNING run from a crashed one by this lock.
  const lock = await holdRunLock(runDir);
  await manifest("RUNNING");
  opts.onStart?.(runDir, runId);
  calls.listen();
  let status: RunSummary["status"] = "FAILED";
  let trackers: TrackerGroup | undefined;
  let lifecycle: Lifecycle | undefined;
  try {
    trackers = new TrackerGroup(await createTrackers(plugins, c.tracking, ctxFor, calls), log);
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
    lifecycle = new Lifecycle(opts, plugins, ctxFor, rng, runDir, trackers, calls);
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
    status = opts.signal?.aborted ? "KILLED" : "FAILED";
    // A stray rejection aborts the run with a PluginError naming the plugin: report that, not its echo.
    throw calls.signal.aborted ? calls.signal.reason : err;
  } finally {
    calls.stop();
    summary.status = status;
    timings.total_s = (Date.now() - startedAt.getTime()) / 1000;
    await manifest(
      status,
      trackers,
      await safeFingerprint(lifecycle, calls),
      await safeDataWarnings(lifecycle, calls),
    );
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
  lifecycle: Lifecycle | undefined,
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
async function safeDataWarnings(lifecycle: Lifecycle | undefined, calls: PluginCalls): Promise<string[]> {
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
    out.push({ name: loaded.definition.name, instance: calls.guard(instance, who, { abortable: false }) });
  }
  return out;
}

/** How a plugin is named in PluginErrors. */
function guardedPlugin(loaded: LoadedPlugin): GuardedPlugin {
  return { specifier: loaded.specifier, kind: loaded.definition.kind, name: loaded.definition.name };
}

/** The per-fold work, kept in one place so the order cannot drift. */
class Lifecycle {
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
    const folds = selectFolds(await split.folds(cells, this.rng.fork("folds")), c.evaluation.folds);
    checkFolds(folds, cells);
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
    fold: Fold,
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
      const train = await fitted.transform(restrictToCells(dataset, fold.train));
      const val = await fitted.transform(restrictToCells(dataset, fold.val));
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
    const testSet = await fitted.transform(restrictToCells(dataset, fold.test));
    const prediction = await model.predict(testSet);
    step("predict", { cells: fold.test.length, samples: testSet.n });
    rows.push(...scoredRows(testSet, prediction, {
      fold: fold.name,
      model: this.plugins.model.definition.name,
      chamber,
      observe: c.evaluation.observe,
    }));
    await this.saveFold(fold.name, fitted, model);
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
    fold: Fold,
    innerFit: FitResult | undefined,
    step: (s: RunStep["step"], detail: Record<string, unknown>) => void,
    firstFit: boolean,
  ): Promise<{ fitted: FittedPipeline; model: ModelInstance; plan: RefitPlan }> {
    const iterations = innerFit?.bestIteration;
    const optimizerSteps = innerFit?.optimizerSteps;
    const trainCells = [...fold.train, ...fold.val];
    const fitted = await pipeline.fit(restrictToCells(dataset, trainCells));
    const trainSet = await fitted.transform(restrictToCells(dataset, trainCells));
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

  fitContext(fold: Fold, stage: string): FitContext {
    const c = this.opts.composed.config;
    return {
      label: `${safeName(fold.name)}/${stage}`,
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

  async saveFold(name: string, fitted: FittedPipeline, model: ModelInstance): Promise<void> {
    const dir = join(this.runDir, "folds", safeName(name));
    await writePluginState(
      join(dir, "pipeline"),
      stampOf(this.plugins.pipeline.definition),
      await fitted.state(),
    );
    await writePluginState(join(dir, "model"), stampOf(this.plugins.model.definition), await model.state());
  }
}

/** A model must accept the pipeline's layout, and only a loss-taking model may have a loss. */
function checkCombination(plugins: RunPlugins, pipeline: PipelineInstance, model: ModelInstance): void {
  const modelName = plugins.model.definition.name;
  if (!model.accepts.layouts.includes(pipeline.produces)) {
    throw new ConfigError(
      "model",
      `model '${modelName}' accepts ${model.accepts.layouts.join("/")} samples, ` +
        `pipeline '${plugins.pipeline.definition.name}' produces ${pipeline.produces}`,
    );
  }
  if (plugins.loss && !model.accepts.loss) {
    throw new ConfigError("loss", `model '${modelName}' takes no loss; remove it with loss=null`);
  }
}

/**
 * Loads the config's plugins, validates every plugin's options, and checks that the combination can
 * work (model vs pipeline layout, loss vs model) — all before any data is read.
 */
export async function validateRunConfig(composed: ComposedConfig, log: Logger): Promise<RunPlugins> {
  const c = composed.config;
  const plugins = await loadConfigPlugins(composed);
  // Creating an instance is a plugin call too: within the timeout, never a hang.
  const calls = new PluginCalls(c.plugins.timeout_s);
  const create = <K extends "pipeline" | "model">(role: K, entry: PluginEntry) =>
    calls.call(
      guardedPlugin(plugins[role]),
      "create",
      () => createPlugin(plugins[role], entryOptions(entry), ctx, role),
    );
  const ctx: PluginContext = {
    seed: c.experiment.seed,
    rng: createRng(c.experiment.seed),
    log,
    cacheDir: join(c.output.dir, "cache"),
  };
  await validateOptions(plugins.dataset.definition, entryOptions(c.data), "data");
  await validateOptions(plugins.split.definition, entryOptions(c.split), "split");
  if (plugins.loss && c.loss) await validateOptions(plugins.loss.definition, entryOptions(c.loss), "loss");
  for (const [i, t] of plugins.trackers.entries()) {
    await validateOptions(t.definition, entryOptions(c.tracking[i]), `tracking.${i}`);
  }
  const pipeline = await create("pipeline", c.pipeline) as PipelineInstance;
  const model = await create("model", c.model) as ModelInstance;
  checkCombination(plugins, pipeline, model);
  if (plugins.loss && c.loss) {
    checkLossLayout(plugins, pipeline, await createPlugin(plugins.loss, entryOptions(c.loss), ctx, "loss"));
  }
  return plugins;
}

/** A loss that needs a time axis (physics_informed) would quietly reduce to its data term on T = 1. */
function checkLossLayout(plugins: RunPlugins, pipeline: PipelineInstance, loss: LossInstance): void {
  if (!loss.layouts || loss.layouts.includes(pipeline.produces)) return;
  throw new ConfigError(
    "loss",
    `loss '${plugins.loss!.definition.name}' needs ${loss.layouts.join("/")} samples (terms along the ` +
      `time axis), pipeline '${plugins.pipeline.definition.name}' produces ${pipeline.produces} samples ` +
      "(T = 1), on which those terms are zero; use a point-wise loss (loss=mse) or a sequence pipeline",
  );
}

/** Folds must hold known cells, and a test cell may never be a training or validation cell. */
function checkFolds(folds: Fold[], cells: CellInfo[]): void {
  const known = new Set(cells.map((c) => c.cellKey));
  if (folds.length === 0) throw new ConfigError("split", "the split produced no folds");
  for (const f of folds) {
    for (const key of [...f.train, ...f.val, ...f.test]) {
      if (!known.has(key)) throw new ConfigError("split", `fold '${f.name}' names unknown cell '${key}'`);
    }
    const fitCells = new Set([...f.train, ...f.val]);
    const leaked = f.test.filter((k) => fitCells.has(k));
    if (leaked.length) {
      throw new ConfigError("split", `fold '${f.name}' tests on training cells: ${leaked.join(", ")}`);
    }
    if (f.train.length === 0) throw new ConfigError("split", `fold '${f.name}' has no training cells`);
    if (f.test.length === 0) throw new ConfigError("split", `fold '${f.name}' has no test cells`);
  }
}

/** Re-exported for scripts that score forecasts the way the runner does. */
export { observedPrefix } from "./scoring.ts";

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
  if (figure.svg) await writeFileAtomic(join(runDir, "figures", `${safeName(name)}.svg`), figure.svg);
  if (figure.png) await writeFileAtomic(join(runDir, "figures", `${safeName(name)}.png`), figure.png);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** A manifest's status: RUNNING from the start until the run ends. */
type ManifestStatus = RunSummary["status"] | "RUNNING";

/** The process writing a run: `batteryml runs` shows a RUNNING run whose process is gone as CRASHED. */
export interface RunProcess {
  pid: number;
  hostname: string;
}

async function writeManifest(
  summary: RunSummary,
  composed: ComposedConfig,
  plugins: RunPlugins,
  trackers: TrackerGroup | undefined,
  inputs: Record<string, string>,
  startedAt: Date,
  status: ManifestStatus,
  dataWarnings: string[],
): Promise<void> {
  const describe = (role: string, p: LoadedPlugin | null) =>
    p && {
      role,
      specifier: p.specifier,
      name: p.definition.name,
      version: p.definition.version,
      source: p.source,
      resolved: p.resolved,
      integrity: p.integrity ?? null,
    };
  const manifest = {
    runId: summary.runId,
    status,
    process: { pid: Deno.pid, hostname: hostname() } satisfies RunProcess,
    configHash: composed.hash,
    config: composed.config,
    selections: composed.selections,
    seed: composed.config.experiment.seed,
    inputs,
    /** Data problems the dataset let through as warnings (`data.strict=false`). */
    dataWarnings,
    plugins: [
      describe("data", plugins.dataset),
      describe("split", plugins.split),
      describe("pipeline", plugins.pipeline),
      describe("model", plugins.model),
      describe("loss", plugins.loss),
      ...plugins.trackers.map((t, i) => describe(`tracking.${i}`, t)),
    ].filter(Boolean),
    runtime: { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript },
    trackerFailures: trackers?.failures ?? {},
    startedAt: startedAt.toISOString(),
    endedAt: status === "RUNNING" ? null : new Date().toISOString(),
    timings: summary.timings,
    folds: summary.folds,
    headline: summary.headline ?? null,
    metrics: summary.report,
  };
  await writeFileAtomic(join(summary.runDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** Re-exported so callers can create single plugins the way the runner does. */
export type { InstanceOf };
export type { RefitPlan };
