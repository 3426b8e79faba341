/**
 * The experiment schema: what a composed config may hold outside the plugins' own options. Plugin
 * options are validated by each plugin's schema; here an entry only needs its `use` specifier.
 */
import { z } from "zod";

/** A plugin entry `{ use: <specifier>, ...options }`. */
export const pluginEntrySchema = z.looseObject({
  use: z.string().min(1, "expected a plugin specifier (built-in name, path, URL or npm:)"),
});

/** Training settings shared by neural models (`training.*`). */
export const trainingSchema = z.strictObject({
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
});

/** What sequence forecasts see: the first `rpts` RPTs or the first `days` days. */
export const observeSchema = z.strictObject({
  rpts: z.int().min(1).optional(),
  days: z.number().positive().optional(),
}).refine((o) => (o.rpts === undefined) !== (o.days === undefined), {
  message: "give exactly one of 'rpts' or 'days'",
});

/** The whole composed experiment config. */
export const experimentSchema = z.strictObject({
  experiment: z.strictObject({
    name: z.string().min(1).default("batteryml"),
    seed: z.int().min(0).default(42),
    description: z.string().optional(),
  }),
  data: pluginEntrySchema,
  split: pluginEntrySchema,
  pipeline: pluginEntrySchema,
  model: pluginEntrySchema,
  loss: pluginEntrySchema.nullable().default(null),
  tracking: z.array(pluginEntrySchema).default([]),
  training: trainingSchema.default(trainingSchema.parse({})),
  evaluation: z.strictObject({
    observe: observeSchema.nullable().default(null),
    refit: z.boolean().default(true),
  }).default({ observe: null, refit: true }),
  output: z.strictObject({ dir: z.string().min(1).default("artifacts") }).default({ dir: "artifacts" }),
});

/** A validated experiment config. */
export type ExperimentConfig = z.infer<typeof experimentSchema>;
/** A plugin entry of a validated config. */
export type PluginEntry = z.infer<typeof pluginEntrySchema>;
