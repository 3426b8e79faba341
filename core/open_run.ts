/**
 * Reopening a finished run: its manifest and folds, and for a fold fresh instances of the run's pipeline
 * and model with the saved state restored (core/fold_state.ts), the samples of any cells (the observed
 * prefix stamped as in the run) and predictions as rows. `predict`, milestone B's explanations and
 * milestone C's figures all go through here.
 */
import { join, resolve } from "node:path";
import { ConfigError } from "./errors.ts";
import type { ExperimentConfig, PluginEntry } from "./experiment_schema.ts";
import { loadFold } from "./fold_state.ts";
import { createPlugin, type LoadedPlugin, loadPlugin } from "./loader.ts";
import { withObservedPrefix } from "./observe.ts";
import type {
  DatasetInstance,
  FittedPipeline,
  Logger,
  ModelInstance,
  PluginContext,
  PluginKind,
  Prediction,
  ProgressSink,
} from "./plugin.ts";
import type { PredictionRow } from "./report.ts";
import { createRng } from "./rng.ts";
import type { FoldOutcome } from "./run.ts";
import { readManifest, type RunManifest } from "./run_manifest.ts";
import { entryOptions } from "./run_plugins.ts";
import type { SampleSet } from "./sample.ts";
import { predictedRows } from "./scoring.ts";
import { restrictToCells } from "./view.ts";

/** Where the run lives and what reads its cells. */
export interface OpenRunOptions {
  /** The output folder holding `runs/<id>/` (default `artifacts`). */
  outputDir?: string;
  log: Logger;
  /** Where feature extraction reports progress; absent: nowhere. */
  progress?: ProgressSink;
  /** The data entry to read cells from (default: the run's own). */
  data?: PluginEntry;
}

/** A finished run, reopened. */
export interface OpenedRun {
  runId: string;
  runDir: string;
  manifest: RunManifest;
  config: ExperimentConfig;
  folds: FoldOutcome[];
  /** The run's dataset (or the one `data` named), created once. */
  dataset: DatasetInstance;
  /** A fold with its saved pipeline and model restored (default: the first fold). */
  fold(name?: string): Promise<OpenedFold>;
}

/** One fold of a reopened run. */
export interface OpenedFold {
  fold: FoldOutcome;
  fitted: FittedPipeline;
  model: ModelInstance;
  /** The samples of `cells` (default: the fold's test cells), with the forecast's observed prefix. */
  samples(cells?: readonly string[]): Promise<SampleSet>;
  /** The model's prediction of `set` and its rows: every predicted step, the shape checked. */
  predict(set: SampleSet): Promise<{ prediction: Prediction; rows: PredictionRow[] }>;
}

/** Reopens run `runId` of `opts.outputDir`; a ConfigError when its manifest is unreadable or not FINISHED. */
export async function openRun(runId: string, opts: OpenRunOptions): Promise<OpenedRun> {
  const outputDir = opts.outputDir ?? "artifacts";
  const runDir = resolve(outputDir, "runs", runId);
  const manifest = await readManifest(runDir);
  if (manifest.status !== "FINISHED") {
    throw new ConfigError(
      "run",
      `run ${runId} is ${manifest.status}, not FINISHED (${join(runDir, "manifest.json")}): ` +
        "only a finished run has every fold scored and saved",
    );
  }
  const config = manifest.config;
  const ctx: PluginContext = {
    seed: config.experiment.seed,
    rng: createRng(config.experiment.seed),
    log: opts.log,
    cacheDir: join(outputDir, "cache"),
    progress: opts.progress,
  };
  const create = async <K extends PluginKind>(loaded: LoadedPlugin<K>, entry: PluginEntry, keyPath: string) =>
    await createPlugin(loaded, entryOptions(entry), ctx, keyPath);
  const data = opts.data ?? config.data;
  const dataset = await create(await loadPlugin(data.use, "dataset"), data, "data");
  const pipelinePlugin = await loadPlugin(config.pipeline.use, "pipeline");
  const modelPlugin = await loadPlugin(config.model.use, "model");
  const stamps = { pipeline: pipelinePlugin.definition, model: modelPlugin.definition };
  const folds = manifest.folds;
  const findFold = (name = folds[0]?.name): FoldOutcome => {
    const found = folds.find((f) => f.name === name);
    if (found) return found;
    throw new ConfigError(
      "fold",
      `run ${runId} has no fold '${name}' (its folds: ${folds.map((f) => f.name).join(", ")})`,
    );
  };
  return {
    runId,
    runDir,
    manifest,
    config,
    folds,
    dataset,
    async fold(name) {
      const fold = findFold(name);
      const model = await create(modelPlugin, config.model, "model");
      const pipeline = await create(pipelinePlugin, config.pipeline, "pipeline");
      const fitted = await loadFold(runDir, fold.name, { pipeline, model }, stamps);
      const modelName = manifestName(manifest, "model") ?? config.model.use;
      return {
        fold,
        fitted,
        model,
        async samples(cells = fold.test) {
          const set = await fitted.transform(restrictToCells(dataset, cells));
          return withObservedPrefix(set, config.evaluation.observe);
        },
        async predict(set) {
          const prediction = await model.predict(set);
          const rows = predictedRows(set, prediction, {
            fold: fold.name,
            model: modelName,
            observe: config.evaluation.observe,
          });
          return { prediction, rows };
        },
      };
    },
  };
}

/** The plugin name the manifest records for a role (`model`, `pipeline`, …). */
function manifestName(manifest: RunManifest, role: string): string | undefined {
  return manifest.plugins?.find((p) => p.role === role)?.name;
}
