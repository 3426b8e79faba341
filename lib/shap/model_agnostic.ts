/**
 * Model-agnostic SHAP for any batch model (neural nets, ODE models): interventional Shapley values over a
 * background set the caller draws from training data (never the explained rows, whose values would leak
 * into their own baseline). Few features → exact Shapley over all 2^M coalitions; more → KernelSHAP.
 * Several outputs are explained from the same model calls, one attribution table per output.
 */
import {
  type BatchPredict,
  coalitionValues,
  maskToCoalition,
  type ValueContext,
} from "./coalition_values.ts";
import { shapleyFromValueTable } from "./exact_shapley.ts";
import { allCoalitions, kernelShapFit, sampledCoalitions, type WeightedCoalitions } from "./kernel_shap.ts";

/** Settings of {@link explainModelAgnostic}. */
export interface AgnosticOptions {
  predict: BatchPredict;
  numFeatures: number;
  numOutputs: number;
  /** Background rows (backgroundRows·F, row-major) from the training data. */
  background: ArrayLike<number>;
  backgroundRows: number;
  /** `exact`: all 2^M coalitions; `kernel`: KernelSHAP; `auto` (default): exact when M ≤ exactMaxFeatures. */
  method?: "auto" | "exact" | "kernel";
  /** Default 10. */
  exactMaxFeatures?: number;
  /** KernelSHAP coalitions per row (default 2M + 2048, shap's default); all of them when fewer exist. */
  nsamples?: number;
  /** Uniform [0, 1) source for coalition sampling; required when KernelSHAP samples. */
  random?: () => number;
  /** Most rows per `predict` call (default 8192). */
  batchRows?: number;
}

/** Attributions: per output an n·F table, and the base value v(∅) = mean model output on the background. */
export interface AgnosticExplanation {
  values: Float64Array[];
  base: Float64Array;
  /** What was computed: `exact` or `kernel` (sampled or enumerated). */
  method: "exact" | "kernel";
}

/** SHAP values of `n` rows (row-major n·F) of a black-box model. */
export async function explainModelAgnostic(
  rows: ArrayLike<number>,
  n: number,
  opts: AgnosticOptions,
): Promise<AgnosticExplanation> {
  const F = opts.numFeatures, K = opts.numOutputs;
  if (rows.length !== n * F) throw new RangeError(`${rows.length} values for ${n} rows of ${F} features`);
  if (opts.backgroundRows < 1 || opts.background.length !== opts.backgroundRows * F) {
    throw new RangeError(`background must hold backgroundRows·F = ${opts.backgroundRows}·${F} values`);
  }
  const ctx: ValueContext = { ...opts, batchRows: opts.batchRows ?? 8192 };
  const method = chooseMethod(opts);
  const base = await coalitionValues(ctx, rows, [new Uint8Array(F)]);
  const full = await opts.predict(Float64Array.from(rows), n);
  const values = Array.from({ length: K }, () => new Float64Array(n * F));
  const plan = method === "kernel" ? kernelPlan(F, opts) : undefined;
  for (let i = 0; i < n; i++) {
    const x = Array.prototype.slice.call(rows, i * F, (i + 1) * F) as number[];
    const phis = plan
      ? await kernelRow(ctx, x, plan, base, full.subarray(i * K, (i + 1) * K))
      : await exactRow(ctx, x);
    phis.forEach((phi, k) => values[k].set(phi, i * F));
  }
  return { values, base, method };
}

function chooseMethod(opts: AgnosticOptions): "exact" | "kernel" {
  const m = opts.method ?? "auto";
  if (m !== "auto") return m;
  return opts.numFeatures <= (opts.exactMaxFeatures ?? 10) ? "exact" : "kernel";
}

function kernelPlan(F: number, opts: AgnosticOptions): WeightedCoalitions {
  const budget = opts.nsamples ?? 2 * F + 2048;
  if (F <= 30 && 2 ** F - 2 <= budget) return allCoalitions(F);
  if (!opts.random) throw new RangeError("KernelSHAP must sample coalitions: pass a seeded `random` source");
  return sampledCoalitions(F, budget, opts.random);
}

async function exactRow(ctx: ValueContext, x: number[]): Promise<Float64Array[]> {
  const F = ctx.numFeatures, K = ctx.numOutputs;
  const masks = Array.from({ length: 2 ** F }, (_, mask) => maskToCoalition(mask, F));
  const v = await coalitionValues(ctx, x, masks);
  return Array.from({ length: K }, (_, k) => {
    const table = Float64Array.from({ length: masks.length }, (_, c) => v[c * K + k]);
    return shapleyFromValueTable(table, F);
  });
}

async function kernelRow(
  ctx: ValueContext,
  x: number[],
  plan: WeightedCoalitions,
  empty: Float64Array,
  full: Float64Array,
): Promise<Float64Array[]> {
  const values = await coalitionValues(ctx, x, plan.coalitions);
  return kernelShapFit(plan, { values, empty, full: Float64Array.from(full) }, ctx.numFeatures);
}
