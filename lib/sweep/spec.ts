/**
 * The sweep file (`configs/sweep/*.yaml`): what varies and how often each configuration is repeated.
 *
 * ```yaml
 * name: lr_grid                      # part of the sweep id (default: the file name)
 * overrides: [split=loco, model=lgbm] # applied to every point
 * grid:                              # the cartesian product of these values
 *   model.learning_rate: [0.05, 0.1]
 * random:                            # seeded random search, combined with every grid point
 *   samples: 4
 *   seed: 0
 *   params:
 *     model.num_leaves: { int: [4, 31] }
 *     model.feature_fraction: { uniform: [0.5, 1.0] }
 *     model.lambda_l2: { log_uniform: [0.001, 10] }
 *     model.boosting: { choice: [gbdt, dart] }
 * seeds: [1, 2, 3]                   # experiment.seed values (default: the config's seed)
 * folds: all                         # each fold of the split is its own point, or a list of fold names
 * executor: local                    # or slurm; --executor wins
 * workers: 2                         # local workers (default: the number of cores)
 * slurm: { partition: debug, time: "00:30:00", mem: 2G, cpus_per_task: 1, account: null, extra: [] }
 * ```
 */
import { z } from "zod";
import YAML from "yaml";
import { SweepError } from "./errors.ts";

/** How one random-search parameter is drawn. */
export const distributionSchema = z.union([
  z.strictObject({ choice: z.array(z.unknown()).min(1) }),
  z.strictObject({ uniform: z.tuple([z.number(), z.number()]) }),
  z.strictObject({ log_uniform: z.tuple([z.number().positive(), z.number().positive()]) }),
  z.strictObject({ int: z.tuple([z.int(), z.int()]) }),
]);

/** A random-search parameter's distribution. */
export type Distribution = z.infer<typeof distributionSchema>;

/** Slurm settings of a sweep (each also a `sweep` flag). */
export const slurmOptionsSchema = z.strictObject({
  partition: z.string().min(1).nullable().default(null),
  time: z.string().min(1).nullable().default(null),
  mem: z.string().min(1).nullable().default(null),
  cpus_per_task: z.int().min(1).default(1),
  account: z.string().min(1).nullable().default(null),
  /** Extra `#SBATCH` lines, written as given (`--qos=short`, `--constraint=avx2`). */
  extra: z.array(z.string().min(1)).default([]),
});

/** Slurm settings. */
export type SlurmOptions = z.infer<typeof slurmOptionsSchema>;

/** The sweep file's schema. */
export const sweepSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").optional(),
  overrides: z.array(z.string()).default([]),
  grid: z.record(z.string(), z.array(z.unknown()).min(1, "an axis needs at least one value")).default({}),
  random: z.strictObject({
    samples: z.int().min(1),
    seed: z.int().min(0).default(0),
    params: z.record(z.string(), distributionSchema),
  }).optional(),
  seeds: z.array(z.int().min(0)).min(1).optional(),
  folds: z.union([z.literal("all"), z.array(z.string().min(1)).min(1)]).optional(),
  executor: z.enum(["local", "slurm"]).optional(),
  workers: z.int().min(1).optional(),
  slurm: slurmOptionsSchema.prefault({}),
});

/** A parsed sweep file. */
export type SweepSpec = z.infer<typeof sweepSpecSchema>;

/** Parses a sweep file's text; problems name the file and the key. */
export function parseSweepSpec(text: string, file: string): SweepSpec {
  let raw: unknown;
  try {
    raw = YAML.parse(text) ?? {};
  } catch (err) {
    throw new SweepError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const result = sweepSpecSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const keys = (issue as { keys?: string[] }).keys ?? [];
    const key = [...issue.path.map(String), ...keys].join(".") || "(top level)";
    throw new SweepError(`${file}: key '${key}': ${issue.message}`);
  }
  return result.data;
}

/** An empty sweep (only command-line axes), as when no file is given. */
export function emptySweepSpec(): SweepSpec {
  return sweepSpecSchema.parse({});
}
