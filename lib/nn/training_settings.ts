/**
 * Training settings of neural models: the one definition of the config's `training.*` keys and
 * defaults. The experiment schema in core/ builds its strict `training` section from this shape.
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
};

/** Schema of `training.*`; unknown keys (e.g. `observe`, set by the runner) are ignored here. */
export const trainingSettingsSchema = z.looseObject(trainingSettingsShape);

/** Validated training settings (snake_case, as in the config). */
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

/** Fills defaults and validates `training.*` (a partial object, e.g. `{ epochs: 5 }`, is fine). */
export function resolveTrainingSettings(raw: Record<string, unknown> = {}): TrainingSettings {
  const parsed = trainingSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`training.${issue.path.join(".")}: ${issue.message}`);
  }
  return parsed.data;
}
