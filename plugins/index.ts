/**
 * Built-in plugins: a static map name → module loader per kind. Static `import()` strings let
 * `deno compile` embed every built-in; the loader validates them exactly like third-party plugins.
 */
import type { PluginKind } from "../core/plugin.ts";

/** Lazily imports one plugin module. */
export type ModuleLoader = () => Promise<unknown>;

/** Built-in plugins by kind and name. */
export const BUILTIN_PLUGINS: Record<PluginKind, Record<string, ModuleLoader>> = {
  dataset: {
    m50t: () => import("./datasets/m50t.ts"),
    csv_table: () => import("./datasets/csv_table.ts"),
  },
  split: {
    temperature_holdout: () => import("./splits/temperature_holdout.ts"),
    loco: () => import("./splits/loco.ts"),
    random_by_cell: () => import("./splits/random_by_cell.ts"),
    cross_experiment: () => import("./splits/cross_experiment.ts"),
  },
  pipeline: {
    summary_set: () => import("./pipelines/summary_set.ts"),
    ica_peaks: () => import("./pipelines/ica_peaks.ts"),
    latent_ode_seq: () => import("./pipelines/latent_ode_seq.ts"),
    health_indicators: () => import("./pipelines/health_indicators.ts"),
  },
  model: {
    dummy: () => import("./models/dummy.ts"),
    linear: () => import("./models/linear.ts"),
    lgbm: () => import("./models/lgbm.ts"),
    mlp: () => import("./models/mlp.ts"),
    lstm_attn: () => import("./models/lstm_attn.ts"),
    neural_ode: () => import("./models/neural_ode.ts"),
    cnn_lstm: () => import("./models/cnn_lstm.ts"),
    acla: () => import("./models/acla.ts"),
  },
  loss: {
    mse: () => import("./losses/mse.ts"),
    mae: () => import("./losses/mae.ts"),
    huber: () => import("./losses/huber.ts"),
    mape: () => import("./losses/mape.ts"),
    physics_informed: () => import("./losses/physics_informed.ts"),
  },
  tracker: {
    local: () => import("./trackers/local.ts"),
    tensorboard: () => import("./trackers/tensorboard.ts"),
    mlflow: () => import("./trackers/mlflow.ts"),
  },
};
