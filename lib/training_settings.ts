/**
 * Training settings of neural models: the one definition of the config's `training.*` keys and their
 * defaults. The experiment schema in core/ validates `training` with this schema, so the composed config
 * and every fit context carry exactly these typed values (configs/config.yaml does not restate them).
 */
import { z } from "zod";

/** The keys of `training.*` with their types and defaults. */
export const trainingSettingsShape = {
  epochs: z.int().min(1).default(200),
  batch_size: z.int().min(1).default(32),
  optimizer: z.enum(["adamw", "adam", "sgd"]).default("adamw"),
  learning_rate: z.number().positive().default(1e-3),
  weight_decay: z.number().min(0).default(1e-4),
  schedule: z.enum(["constant", "cosine", "cosine_restarts"]).default("cosine_restarts"),
  restart_period: z.int().min(1).default(50),
  patience: z.int().min(0).default(30),
  grad_clip: z.number().min(0).default(1.0),
  backend: z.enum(["auto", "wasm", "cpu", "webgpu"]).default("auto"),
  mixed_precision: z.boolean().default(false),
  // Dynamic loss scaling of mixed precision (lib/train/_loss_scale.ts). Optional, with the defaults in
  // LOSS_SCALE_DEFAULTS applied where they are used: left out, they stay out of the composed config, so
  // configs written before mixed precision existed keep their hash (and their runs' ids).
  loss_scale_init: z.number().positive().optional(),
  loss_scale_growth_factor: z.number().gt(1).optional(),
  loss_scale_backoff_factor: z.number().gt(0).lt(1).optional(),
  loss_scale_growth_interval: z.int().min(1).optional(),
  // Which library runs the CPU products of the fused kernels and dense layers (lib/nn/cpu_blas.ts):
  // builtin = XNNPACK in wasm; openblas = the system's OpenBLAS through FFI (faster; other last bits).
  // Optional for the same reason as loss_scale_*: left out, it keeps every earlier config's hash.
  blas: z.enum(["builtin", "openblas"]).optional(),
};

/** Schema of `training.*`: unknown keys are refused (a misspelt key must not fall back to a default). */
export const trainingSettingsSchema = z.strictObject(trainingSettingsShape);

/** Validated training settings (snake_case, as in the config): what `FitContext.training` holds. */
export type TrainingSettings = z.output<typeof trainingSettingsSchema>;

/**
 * Fills defaults and validates a partial `training` object (e.g. `{ epochs: 5 }`) — for code that builds a
 * fit context without a composed config (tests, contract suites). Throws a RangeError naming the key.
 */
export function resolveTrainingSettings(raw: Partial<TrainingSettings> = {}): TrainingSettings {
  const parsed = trainingSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const unknown = (issue as { keys?: string[] }).keys ?? [];
    const key = [...issue.path.map(String), ...unknown].join(".");
    throw new RangeError(`training.${key}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * PyTorch GradScaler's defaults: initial scale 2^16, ×2 after 2000 finite steps in a row, ×0.5 on an
 * overflow.
 */
export const LOSS_SCALE_DEFAULTS = { init: 65536, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 };

/** The loss scaler's settings (the `training.loss_scale_*` keys, defaults filled in). */
export function lossScaleSettings(s: TrainingSettings): {
  init: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
} {
  return {
    init: s.loss_scale_init ?? LOSS_SCALE_DEFAULTS.init,
    growthFactor: s.loss_scale_growth_factor ?? LOSS_SCALE_DEFAULTS.growthFactor,
    backoffFactor: s.loss_scale_backoff_factor ?? LOSS_SCALE_DEFAULTS.backoffFactor,
    growthInterval: s.loss_scale_growth_interval ?? LOSS_SCALE_DEFAULTS.growthInterval,
  };
}
