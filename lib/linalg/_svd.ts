/**
 * Thin SVD by one-sided Jacobi rotations (Hestenes). Written here because no maintained npm linear
 * algebra package runs in Deno without native code, and the matrices of per-RPT features are small
 * (≤ thousands × tens), where Jacobi is accurate to working precision — what least-squares parity with
 * LAPACK needs.
 */

/** A = U·diag(s)·Vᵀ with U m×n, s (n), V n×n, all row-major Float64Arrays. */
export interface Svd {
  m: number;
  n: number;
  u: Float64Array;
  s: Float64Array;
  v: Float64Array;
}

/** Thin SVD of a row-major m×n matrix (m ≥ n is not required: columns are orthogonalised). */
export function svd(a: ArrayLike<number>, m: number, n: number, maxSweeps = 60): Svd {
  if (a.length !== m * n) throw new RangeError(`matrix has ${a.length} values, expected ${m}·${n}`);
  const u = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) rotated = rotatePair(u, v, m, n, p, q) || rotated;
    }
    if (!rotated) break;
  }
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = 0; i < m; i++) norm += u[i * n + j] ** 2;
    s[j] = Math.sqrt(norm);
    if (s[j] > 0) { for (let i = 0; i < m; i++) u[i * n + j] /= s[j]; }
  }
  return { m, n, u, s, v };
}

/** Rotates columns p, q of U (and V) to make them orthogonal; false when they already are. */
function rotatePair(u: Float64Array, v: Float64Array, m: number, n: number, p: number, q: number): boolean {
  let alpha = 0, beta = 0, gamma = 0;
  for (let i = 0; i < m; i++) {
    const up = u[i * n + p], uq = u[i * n + q];
    alpha += up * up;
    beta += uq * uq;
    gamma += up * uq;
  }
  if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) return false;
  const zeta = (beta - alpha) / (2 * gamma);
  const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
  const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
  for (let i = 0; i < m; i++) {
    const up = u[i * n + p], uq = u[i * n + q];
    u[i * n + p] = c * up - sn * uq;
    u[i * n + q] = sn * up + c * uq;
  }
  for (let i = 0; i < n; i++) {
    const vp = v[i * n + p], vq = v[i * n + q];
    v[i * n + p] = c * vp - sn * vq;
    v[i * n + q] = sn * vp + c * vq;
  }
  return true;
}
