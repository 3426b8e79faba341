/**
 * The experiment schema: what a composed config may hold outside the plugins' own options. Plugin
 * options are validated by each plugin's schema; here an entry only needs its `use` specifier.
 */
import { z } from "zod";
import { trainingSettingsSchema } from "../lib/training_settings.ts";

/** Default of `plugins.timeout_s`: generous, since one model fit may legitimately take long. */
export const DEFAULT_PLUGIN_TIMEOUT_S = 3600;
/** Largest `plugins.timeout_s`: a week (setTimeout holds at most 2^31 − 1 ms, about 24.8 days). */
const MAX_TIMEOUT_S = 7 * 24 * 3600;

/** A plugin entry `{ use: <specifier>, ...options }`. */
export const pluginEntrySchema = z.looseObject({
  use: z.string().min(1, "expected a plugin specifier (built-in name, path, URL or npm:)"),
});

/** Training settings shared by neural models (`training.*`): keys, types and defaults defined once in lib/training_settings.ts. */
export const trainingSchema = trainingSettingsSchema;

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
  training: trainingSchema.prefault({}),
  evaluation: z.strictObject({
    observe: observeSchema.nullable().default(null),
    refit: z.boolean().default(true),
    /** Training cells per chamber temperature the core moves to inner validation (0: none). */
    val_per_temperature: z.int().min(0).default(1),
    /**
     * Only these folds of the split, by name (a sweep runs one fold per point). Optional without a default,
     * so configs that leave it out keep their config hash.
     */
    folds: z.array(z.string().min(1)).min(1, "name at least one fold").optional(),
  }).default({ observe: null, refit: true, val_per_temperature: 1 }),
  output: z.strictObject({ dir: z.string().min(1).default("artifacts") }).default({ dir: "artifacts" }),
  plugins: z.strictObject({
    /** Seconds any one call into a plugin may take before the run fails naming it (a hang, never a wait). */
    timeout_s: z.number().positive().max(MAX_TIMEOUT_S).default(DEFAULT_PLUGIN_TIMEOUT_S),
  }).default({ timeout_s: DEFAULT_PLUGIN_TIMEOUT_S }),
});

/** A validated experiment config. */
export type ExperimentConfig = z.infer<typeof experimentSchema>;
/** A plugin entry of a validated config. */
export type PluginEntry = z.infer<typeof pluginEntrySchema>;
