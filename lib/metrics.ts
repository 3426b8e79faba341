/**
 * Regression metrics for degradation targets: RMSE, MAE, MAPE, R², max absolute error; grouped (per
 * cell, per chamber temperature) and aggregated over folds (mean, std, 95 % t-interval, pooled).
 */

/** The metrics of one set of (true, predicted) pairs. */
export interface Metrics {
  n: number;
  rmse: number;
  mae: number;
  /** Mean absolute percentage error in %, over the pairs whose |y| is not near zero (see `mapeFloor`). */
  mape: number;
  /** Pairs left out of MAPE because |y| < the floor (near zero relative to the target's scale). */
  mape_excluded: number;
  r2: number;
  max_error: number;
}

/**
 * MAPE leaves out targets within this fraction of the largest |y| of the target: a relative error
 * against a value near zero measures the noise of the zero, not the model (one LAM_PE point at −0.00076
 * on a scale of 0.47 made MAPE 3,065 %). 1 % keeps every SOH or capacity point of a real cell.
 */
export const MAPE_RELATIVE_FLOOR = 0.01;

/** The |y| below which a point is left out of MAPE: 1 % of the largest |y| of the scored targets. */
export function mapeFloor(yTrue: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < yTrue.length; i++) max = Math.max(max, Math.abs(yTrue[i]));
  return MAPE_RELATIVE_FLOOR * max;
}

/**
 * Metrics of paired arrays; R² is NaN when y has no variance, MAPE NaN when no pair qualifies. `floor`:
 * points with |y| < floor (and y = 0) are left out of MAPE and counted; pass the floor of the whole target
 * (`mapeFloor` over every scored point) so that groups of it use one rule.
 */
export function regressionMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  floor: number = mapeFloor(yTrue),
): Metrics {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue has ${yTrue.length} values, yPred ${yPred.length}`);
  }
  const n = yTrue.length;
  if (n === 0) return { n: 0, rmse: NaN, mae: NaN, mape: NaN, mape_excluded: 0, r2: NaN, max_error: NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let sse = 0, sae = 0, sst = 0, ape = 0, apeCount = 0, maxErr = 0;
  for (let i = 0; i < n; i++) {
    const e = yPred[i] - yTrue[i];
    sse += e * e;
    sae += Math.abs(e);
    sst += (yTrue[i] - mean) ** 2;
    maxErr = Math.max(maxErr, Math.abs(e));
    if (yTrue[i] !== 0 && Math.abs(yTrue[i]) >= floor) {
      ape += Math.abs(e / yTrue[i]);
      apeCount++;
    }
  }
  return {
    n,
    rmse: Math.sqrt(sse / n),
    mae: sae / n,
    mape: apeCount ? (100 * ape) / apeCount : NaN,
    mape_excluded: n - apeCount,
    r2: sst > 0 ? 1 - sse / sst : NaN,
    max_error: maxErr,
  };
}

/** Metrics per group label (e.g. cellKey or chamber temperature). */
export function groupedMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  groups: ArrayLike<string | number>,
  floor: number = mapeFloor(yTrue),
): Record<string, Metrics> {
  const idx = new Map<string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = String(groups[i]);
    let list = idx.get(g);
    if (!list) idx.set(g, list = []);
    list.push(i);
  }
  const out: Record<string, Metrics> = {};
  for (const g of [...idx.keys()].sort(naturalCompare)) {
    const rows = idx.get(g)!;
    out[g] = regressionMetrics(rows.map((i) => yTrue[i]), rows.map((i) => yPred[i]), floor);
  }
  return out;
}

/** Mean, sample std and 95 % Student-t interval of one metric over folds. */
export interface FoldSummary {
  folds: number;
  mean: number;
  std: number;
  ci95: [number, number];
}

/** Summary of per-fold values (NaN folds are left out and not counted). */
export function summariseFolds(values: readonly number[]): FoldSummary {
  const v = values.filter(Number.isFinite);
  const k = v.length;
  if (k === 0) return { folds: 0, mean: NaN, std: NaN, ci95: [NaN, NaN] };
  const mean = v.reduce((a, b) => a + b, 0) / k;
  if (k === 1) return { folds: 1, mean, std: NaN, ci95: [NaN, NaN] };
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1));
  const half = studentT975(k - 1) * std / Math.sqrt(k);
  return { folds: k, mean, std, ci95: [mean - half, mean + half] };
}

/** The 97.5 % quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function studentT975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be ≥ 1, found ${df}`);
  let lo = 0, hi = 700;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** CDF of Student's t via the regularised incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** I_x(a, b) by the continued fraction of Numerical Recipes' betacf (Lentz's method). */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaContinuedFraction(x, a, b) / a;
  return 1 - Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (
      const aa of [
        m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
        -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1)),
      ]
    ) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(z) by the Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for z > 0. */
function logGamma(z: number): number {
  const g = 7;
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = c[0];
  for (let i = 1; i < g + 2; i++) x += c[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Degradation modes: 0 at RPT0 by definition, so a relative error is meaningless near the start. */
const ZERO_START_TARGETS = /^(lli|lam_pe|lam_ne(_[a-z]+)?)$/;

/** The metrics a target is headlined by (printed first, named by run summaries and `runs list`). */
export interface Headline {
  metrics: ("rmse" | "mae" | "mape")[];
  /** Why: a target that starts at zero is judged by absolute errors. */
  reason: string;
}

/**
 * RMSE and MAPE for targets with a scale away from zero (SOH, capacity); MAE and RMSE for targets that
 * start at zero (LLI, LAM_PE, LAM_NE by name) or that MAPE had to leave points out of.
 */
export function headlineFor(target: string, overall: Metrics): Headline {
  if (ZERO_START_TARGETS.test(target)) {
    return { metrics: ["mae", "rmse"], reason: `${target} starts at zero: absolute errors, not MAPE` };
  }
  if (overall.mape_excluded > 0) {
    return {
      metrics: ["mae", "rmse"],
      reason: `${overall.mape_excluded} of ${overall.n} points are near zero: MAPE covers only the rest`,
    };
  }
  return { metrics: ["rmse", "mape"], reason: "target away from zero" };
}

function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
