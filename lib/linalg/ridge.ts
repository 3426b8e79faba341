/**
 * Ridge regression in closed form through the SVD: β = V·diag(s / (s² + α))·Uᵀ·y. With α = 0 this is
 * the minimum-norm least-squares solution (numpy's `lstsq`), with singular values below
 * `rcond · s_max` treated as zero — so collinear features (T, 1/T and exp(−Ea/RT) over two
 * temperatures) give the same answer LAPACK would.
 */
import { svd } from "./_svd.ts";

/** Ridge settings: α ≥ 0 and the relative cut-off of small singular values. */
export interface RidgeOptions {
  alpha: number;
  rcond?: number;
}

/** Solves min ‖Xβ − y‖² + α‖β‖² for row-major X (m×n). */
export function ridgeSolve(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  m: number,
  n: number,
  opts: RidgeOptions,
): Float64Array {
  if (y.length !== m) throw new RangeError(`y has ${y.length} values, X has ${m} rows`);
  if (!(opts.alpha >= 0)) throw new RangeError(`alpha must be ≥ 0, found ${opts.alpha}`);
  const { u, s, v } = svd(x, m, n);
  const sMax = Math.max(0, ...s);
  const cutoff = (opts.rcond ?? Number.EPSILON * Math.max(m, n)) * sMax;
  const beta = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (s[k] <= cutoff) continue;
    let uty = 0;
    for (let i = 0; i < m; i++) uty += u[i * n + k] * y[i];
    const w = s[k] / (s[k] * s[k] + opts.alpha) * uty;
    for (let j = 0; j < n; j++) beta[j] += v[j * n + k] * w;
  }
  return beta;
}
