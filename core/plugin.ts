/**
 * The plugin contract: six kinds, one definition shape. A definition is a plain object checked by shape
 * (never `instanceof`), so a plugin may bring its own copy of zod or any Standard Schema library.
 */
import type { SampleSet } from "./sample.ts";
import type { Rng } from "./rng.ts";
import type { ProgressSink } from "../lib/progress.ts";
import type { TrainingSettings } from "../lib/training_settings.ts";

export type { ProgressSink, ProgressStartOptions, ProgressTask } from "../lib/progress.ts";
export type { TrainingSettings } from "../lib/training_settings.ts";
import type { ColumnTable, Curve, Logger } from "../lib/dataset_shapes.ts";
export type { ColumnTable, Curve, Logger } from "../lib/dataset_shapes.ts";
import { commandsProblems, type PluginCommand } from "./plugin_command.ts";
export type {
  PluginCommand,
  PluginCommandArgument,
  PluginCommandFlag,
  PluginCommandIo,
} from "./plugin_command.ts";

/** Major version of the plugin API; the loader refuses definitions built for another major. */
export const PLUGIN_API_VERSION = 1;

/** The six kinds of plugin. */
export const PLUGIN_KINDS = ["dataset", "split", "pipeline", "model", "loss", "tracker"] as const;
/** One of the six kinds of plugin. */
export type PluginKind = typeof PLUGIN_KINDS[number];

/** The Standard Schema v1 interface (standardschema.dev), declared here so the core depends on no library. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
/** Result of a Standard Schema validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };
/** One validation issue: a message and the path to the offending key. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What every `create` receives. */
export interface PluginContext {
  /** The run's seed; `rng` is a generator derived from it for this plugin. */
  seed: number;
  rng: Rng;
  log: Logger;
  /** Folder for content-addressed cache entries (`<output.dir>/cache`). */
  cacheDir: string;
  /** The run's `output.dir`: where plugins that write (trackers) put their folders unless told otherwise. */
  outputDir?: string;
  /**
   * Where long work (feature extraction over many curves) reports progress; the core decides whether it
   * is drawn (a terminal, not quiet). Absent: report nowhere. Plugins never draw on the terminal themselves.
   */
  progress?: ProgressSink;
}

/** The definition every plugin module default-exports. */
export interface PluginDefinition<K extends PluginKind = PluginKind, O = unknown, I = unknown> {
  kind: K;
  name: string;
  version: string;
  apiVersion: number;
  description?: string;
  options: StandardSchemaV1<unknown, O>;
  /** What the plugin may use when sandboxed (URL plugins): paths, hosts, variables; nothing when absent. */
  permissions?: { read?: string[]; write?: string[]; net?: string[]; env?: string[] };
  create(options: O, ctx: PluginContext): I | Promise<I>;
  /** CLI commands the plugin contributes (a dataset's are mounted under `batteryml data`). */
  commands?: Record<string, PluginCommand>;
}

// ---------------------------------------------------------------------------------------------------
// Dataset

/** A cell of a dataset; `cellKey` = "<experiment label>/<cell>" is its identity everywhere. */
export interface CellInfo {
  cellKey: string;
  experiment: string;
  cell: string;
  /** Chamber set-point (°C): what splits use. */
  chamberC: number;
  metadata: Record<string, string | number>;
}

/** Options of `curves`: which test and which direction. */
export interface CurveQuery {
  kind: "0.1C" | "0.5C";
  direction: "discharge" | "charge";
}

/** What a dataset plugin's `create` returns. */
export interface DatasetInstance {
  cells(): CellInfo[] | Promise<CellInfo[]>;
  /** Canonical per-RPT table (`performance_summary` at least) restricted to `cellKeys`. */
  table(name: string, cellKeys: readonly string[]): Promise<ColumnTable>;
  curves(cellKey: string, query: CurveQuery): Promise<Curve[]>;
  /** sha256 of every source file read so far, by path. */
  fingerprint(): Promise<Record<string, string>>;
  /** Data problems kept as warnings (e.g. `data.strict=false`); the runner lists them in the manifest. */
  warnings?(): string[];
}

// ---------------------------------------------------------------------------------------------------
// Split

/**
 * One fold of a split: lists of cellKeys. The core, not the split, then moves inner-validation cells out
 * of `train` (`evaluation.val_per_temperature`); a fold with a `val` list is refused.
 */
export interface Fold {
  name: string;
  train: string[];
  test: string[];
  /**
   * The stream of the split's `rng` the core draws this fold's validation cells from: `rng.fork(label)`
   * for a label (default: the fold's name, so no fold depends on another), or null for `rng` itself as
   * the split received it (a one-fold split that draws nothing else from it).
   */
  valStream?: string | null;
}

/** What a split plugin's `create` returns. */
export interface SplitInstance {
  /** (The core awaits it: a sandboxed split's host proxy answers with a promise.) */
  folds(cells: readonly CellInfo[], rng: Rng): Fold[];
}

// ---------------------------------------------------------------------------------------------------
// Plugin state (pipelines and models)

/** Typed arrays a plugin state may hold; written bit-exactly to a binary sidecar (core/plugin_state.ts). */
export type StateArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/**
 * One value of a plugin state: JSON values (numbers include NaN, ±Infinity and −0, kept exactly), typed
 * arrays, and plain arrays/objects of them. Object keys starting with `$` are reserved for the core.
 */
export type PluginStateValue =
  | null
  | boolean
  | number
  | string
  | StateArray
  | PluginStateValue[]
  | { [key: string]: PluginStateValue };

/** What a fitted pipeline or model hands the core to save, and gets back in `restore`. */
export type PluginState = { [key: string]: PluginStateValue };

// ---------------------------------------------------------------------------------------------------
// Pipeline

/** Layout of the samples a pipeline produces. */
export type SampleLayout = "tabular" | "sequence";

/** A pipeline fitted on a training View. */
export interface FittedPipeline {
  transform(view: DatasetInstance): Promise<SampleSet>;
  /** What `restore` needs to rebuild this fitted pipeline; the core writes it (plugins write no files). */
  state(): PluginState | Promise<PluginState>;
}

/** What a pipeline plugin's `create` returns. */
export interface PipelineInstance {
  produces: SampleLayout;
  fit(trainView: DatasetInstance): Promise<FittedPipeline>;
  /** The fitted pipeline whose `state()` gave `state` (the core checked it is this plugin's, same major). */
  restore(state: PluginState): FittedPipeline | Promise<FittedPipeline>;
}

// ---------------------------------------------------------------------------------------------------
// Model

/** Predictions: y (N·T·K) with a mask of the steps predicted. */
export interface Prediction {
  y: Float32Array;
  yShape: [number, number, number];
  mask: Uint8Array;
}

/** What a model fit reports back: the iterations/epochs chosen on validation, used for the refit. */
export interface FitResult {
  bestIteration?: number;
  /** The loss on the validation set at `bestIteration` (model selection compares it across settings). */
  validationLoss?: number;
  history?: Record<string, number[]>;
  /** Gradient-trained models: optimizer steps up to the end of `bestIteration` (what the refit repeats). */
  optimizerSteps?: number;
  /** Gradient-trained models: mini-batches (optimizer steps) per full epoch of this fit. */
  batchesPerEpoch?: number;
  /** Gradient-trained models: optimizer steps run in total. */
  stepsRun?: number;
}

/** Where models send per-step metrics during training (the runner forwards them to trackers). */
export type MetricSink = (values: Record<string, number>, step: number) => void | Promise<void>;

/** Where neural models send weight histograms (parameter name → values) every few epochs. */
export type HistogramSink = (values: Record<string, ArrayLike<number>>, step: number) => void | Promise<void>;

/** Context of one `fit` call. */
export interface FitContext {
  /** Which fit this is, e.g. "train_10_40C_test_25C/inner" — unique within a run (checkpoint folders). */
  label?: string;
  rng: Rng;
  log: Logger;
  /** Set on the refit after validation: train exactly this many iterations/epochs. */
  iterations?: number;
  /**
   * Set on the refit after validation of a gradient-trained model: run exactly this many optimizer steps
   * (the inner fit's `optimizerSteps`), possibly ending mid-epoch; wins over `iterations`.
   */
  optimizerSteps?: number;
  /** The loss plugin instance, for models that take one. */
  loss?: LossInstance;
  /** Name and options of that loss (checkpoints fingerprint them). */
  lossSpec?: { name: string; options: Record<string, unknown> };
  metrics?: MetricSink;
  /** Weight histograms for trackers that draw them (TensorBoard). */
  histograms?: HistogramSink;
  /**
   * The validated `training.*` settings of the composed config, every key present with its schema default
   * (lib/training_settings.ts). Code without a config builds them with `resolveTrainingSettings`.
   */
  training: TrainingSettings;
  /** `evaluation.observe`: what a sequence forecast sees (absent or null: not forecasting). */
  observe?: ObserveSetting | null;
  /** Aborted when the run is interrupted (Ctrl-C, SIGTERM): long fits check it and stop. */
  signal?: AbortSignal;
  /** Where training reports its progress (epochs, batches, boosting rounds); absent: report nowhere. */
  progress?: ProgressSink;
}

/** What a forecast observes: the first `rpts` RPTs or the first `days` days (exactly one is set). */
export interface ObserveSetting {
  rpts?: number;
  days?: number;
}

/** Per-feature attributions of predictions (e.g. SHAP). */
export interface Explanation {
  featureNames: string[];
  /** N·F per target, by target name. */
  values: Record<string, Float64Array>;
  base: Record<string, number>;
}

/** What a model plugin's `create` returns. */
export interface ModelInstance {
  accepts: { layouts: SampleLayout[]; loss: boolean };
  fit(train: SampleSet, val: SampleSet | undefined, ctx: FitContext): Promise<FitResult>;
  predict(set: SampleSet): Promise<Prediction>;
  /** The fitted model as values (weights as typed arrays); the core writes it (plugins write no files). */
  state(): PluginState | Promise<PluginState>;
  /** Becomes the model whose `state()` gave `state`: predictions after it are bit-identical. */
  restore(state: PluginState): void | Promise<void>;
  explain?(set: SampleSet, background: SampleSet): Promise<Explanation>;
  /** Named importances (e.g. gain) for reports. */
  importance?(): Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------
// Loss

/** Direction a target is expected to move over time, for physics-informed losses. */
export type TargetDirection = "non_increasing" | "non_decreasing" | "none";

/** Extra inputs of a loss: step times, the observation mask and per-target directions. */
export interface LossInputs<T> {
  t?: T;
  mask?: T;
  targetNames: readonly string[];
  directions: readonly TargetDirection[];
}

/** What a loss plugin's `create` returns; tensors are tfjs tensors (opaque to the core). */
export interface LossInstance<T = unknown> {
  compute(yTrue: T, yPred: T, inputs: LossInputs<T>): T;
  /**
   * Sample layouts the loss means something on (default: all). A loss whose terms need a time axis
   * declares `["sequence"]`, and a run that pairs it with a tabular pipeline is refused before any data
   * is read.
   */
  layouts?: readonly SampleLayout[];
}

// ---------------------------------------------------------------------------------------------------
// Tracker

/** What a tracker learns about the run at start. */
export interface RunInfo {
  runId: string;
  runDir: string;
  experimentName: string;
  configHash: string;
  config: Record<string, unknown>;
  configYaml: string;
  startedAt: Date;
  /** The sweep this run is a point of; absent for a run started on its own. */
  sweep?: RunSweepInfo;
}

/** What a run that is a sweep point tells each tracker about its sweep. */
export interface RunSweepInfo {
  /** The sweep id (`<name>-<hash8>`). */
  id: string;
  /** The point's index in the sweep. */
  point: number;
  /** The swept keys and this point's values, as override texts (`model` → `linear`, `experiment.seed` → `2`). */
  params: Record<string, string>;
  /** What this tracker's `sweepStart` returned for the sweep; absent when it has no such hook or it failed. */
  handle?: unknown;
}

/** A sweep as its trackers see it, before the points run and at aggregation. */
export interface SweepInfo {
  id: string;
  name: string;
  /** The sweep folder (absolute): `sweep.json`, points, logs, compare files. */
  dir: string;
  /** The number of points. */
  points: number;
  /** Every swept key with the values it takes, in order (configuration keys, `experiment.seed`, `evaluation.folds`). */
  axes: Record<string, string[]>;
  /** The sweep's record, as written to `sweep.json`. */
  recordJson: string;
}

/** A configuration of the sweep as compared at aggregation. */
export interface SweepConfigResult {
  config: string;
  label: string;
  rank: number;
  n: number;
  mean: number;
  std: number;
  ci95: [number, number];
  /** "best", "within noise of best", "differs from best" or why it cannot tell. */
  verdict: string;
}

/** How a sweep ended, for `sweepEnd`. */
export interface SweepOutcome {
  /** FINISHED when every point finished, FAILED otherwise. */
  status: RunStatus;
  /** Points per status (FINISHED, FAILED, KILLED, CRASHED, PENDING, RUNNING). */
  counts: Record<string, number>;
  /** The comparison `runs compare` made; absent when nothing could be compared (then `error` says why). */
  comparison?: {
    target: string;
    metric: string;
    lowerIsBetter: boolean;
    configs: SweepConfigResult[];
    /** The compared value of every finished point, with its run and swept values. */
    values: { point: number; runId: string; config: string; params: Record<string, string>; value: number }[];
    /** The table as `runs compare` prints it. */
    table: string;
    /** The comparison files in the sweep folder (compare.json, .csv, .svg, .png). */
    files: { json: string; csv: string; svg: string; png: string };
  };
  error?: string;
}

/** Final status of a run. */
export type RunStatus = "FINISHED" | "FAILED" | "KILLED";

/** A figure as SVG text and/or PNG bytes. */
export interface Figure {
  svg?: string;
  png?: Uint8Array;
}

/**
 * What a tracker plugin's `create` returns; the runner isolates failures (warn once, keep going).
 * `start`, `metrics` and `end` are required; a tracker leaves out what it does not record (the core skips it).
 */
export interface TrackerInstance {
  start(run: RunInfo): void | Promise<void>;
  metrics(values: Record<string, number>, step: number): void | Promise<void>;
  end(status: RunStatus): void | Promise<void>;
  /** Optional: the run's flattened parameters. */
  params?(values: Record<string, string | number | boolean>): void | Promise<void>;
  /** Optional: a Markdown note. */
  text?(name: string, markdown: string): void | Promise<void>;
  /** Optional: a figure (SVG and/or PNG). */
  figure?(name: string, figure: Figure): void | Promise<void>;
  /** Optional: a file to keep with the run. */
  artifact?(path: string, name?: string): void | Promise<void>;
  /** Optional: a histogram of values (e.g. a layer's weights) at a step. */
  histogram?(tag: string, values: ArrayLike<number>, step: number): void | Promise<void>;
  /**
   * Optional, called on an instance made for the sweep (no run is started on it): opens the sweep's own
   * record (an MLflow parent run) before its points run. Returns a JSON value every point's run gets as
   * `RunInfo.sweep.handle`; `previous` is what an earlier launch of the same sweep returned (resume).
   */
  sweepStart?(sweep: SweepInfo, previous?: unknown): unknown | Promise<unknown>;
  /** Optional: closes the sweep's record at aggregation with the comparison and the sweep's status. */
  sweepEnd?(sweep: SweepInfo, handle: unknown, outcome: SweepOutcome): void | Promise<void>;
}

/** Instance type per kind. */
export interface InstanceOf {
  dataset: DatasetInstance;
  split: SplitInstance;
  pipeline: PipelineInstance;
  model: ModelInstance;
  loss: LossInstance;
  tracker: TrackerInstance;
}

/** Shape check of a definition: the reasons it is not a valid plugin (empty when it is). */
export function definitionProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) {
    return [`default export is ${describe(value)}, not an object`];
  }
  const d = value as Record<string, unknown>;
  const problems: string[] = [];
  if (!PLUGIN_KINDS.includes(d.kind as PluginKind)) {
    problems.push(`'kind' is ${describe(d.kind)}, expected one of ${PLUGIN_KINDS.join(", ")}`);
  }
  if (typeof d.name !== "string" || !/^[A-Za-z0-9_.@/-]+$/.test(d.name)) {
    problems.push(`'name' is ${describe(d.name)}, expected a string of letters, digits, _ . - @ /`);
  }
  if (typeof d.version !== "string" || d.version === "") {
    problems.push(`'version' is ${describe(d.version)}, expected a non-empty string`);
  }
  if (!Number.isInteger(d.apiVersion)) {
    problems.push(`'apiVersion' is ${describe(d.apiVersion)}, expected an integer`);
  } else if (d.apiVersion !== PLUGIN_API_VERSION) {
    problems.push(`'apiVersion' is ${d.apiVersion}, this BatteryML supports ${PLUGIN_API_VERSION}`);
  }
  const std = (d.options as Record<string, unknown> | undefined)?.["~standard"] as
    | Record<string, unknown>
    | undefined;
  if (typeof std !== "object" || std === null || typeof std.validate !== "function") {
    problems.push("'options' is not a Standard Schema (e.g. a zod 4 schema): it has no '~standard.validate'");
  }
  if (typeof d.create !== "function") problems.push(`'create' is ${describe(d.create)}, expected a function`);
  problems.push(...commandsProblems(d.commands));
  return problems;
}

/** Methods each kind's instance must have. */
export const INSTANCE_METHODS: Record<PluginKind, readonly string[]> = {
  dataset: ["cells", "table", "curves", "fingerprint"],
  split: ["folds"],
  pipeline: ["fit", "restore"],
  model: ["fit", "predict", "state", "restore"],
  loss: ["compute"],
  tracker: ["start", "metrics", "end"],
};

/** Optional methods: when present they must be functions (a tracker's `figure: 42` is refused). */
export const OPTIONAL_INSTANCE_METHODS: Record<PluginKind, readonly string[]> = {
  dataset: ["warnings"],
  split: [],
  pipeline: [],
  model: ["explain", "importance"],
  loss: [],
  tracker: ["params", "text", "figure", "artifact", "histogram"],
};

/** Shape check of an instance: the missing methods (empty when complete). */
export function instanceProblems(kind: PluginKind, instance: unknown): string[] {
  if (typeof instance !== "object" || instance === null) return [`create() returned ${describe(instance)}`];
  const inst = instance as Record<string, unknown>;
  const missing = INSTANCE_METHODS[kind]
    .filter((m) => typeof inst[m] !== "function")
    .map((m) => `instance has no method '${m}'`);
  const notMethods = OPTIONAL_INSTANCE_METHODS[kind]
    .filter((m) => inst[m] !== undefined && typeof inst[m] !== "function")
    .map((m) => `instance's optional '${m}' is ${describe(inst[m])}, expected a method or nothing`);
  return [...missing, ...notMethods];
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}
