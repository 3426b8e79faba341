/** Dense linear solves for the small normal equations of KernelSHAP (M−1 unknowns). */

/**
 * Solves A·X = B in place by Gaussian elimination with partial pivoting; A is n×n row-major, B is n×k
 * row-major. Throws when A is singular to working precision (a feature no sampled coalition varied).
 */
export function solveLinear(a: Float64Array, b: Float64Array, n: number, k: number): Float64Array {
  const scale = Math.max(1e-300, ...Array.from(a, Math.abs));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (Math.abs(a[pivot * n + col]) <= 1e-13 * scale) {
      throw new RangeError(`linear system is singular at column ${col}`);
    }
    if (pivot !== col) {
      swapRows(a, n, pivot, col);
      swapRows(b, k, pivot, col);
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] -= f * a[col * n + c];
      for (let c = 0; c < k; c++) b[r * k + c] -= f * b[col * k + c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    for (let c = 0; c < k; c++) {
      let s = b[r * k + c];
      for (let j = r + 1; j < n; j++) s -= a[r * n + j] * b[j * k + c];
      b[r * k + c] = s / a[r * n + r];
    }
  }
  return b;
}

function swapRows(m: Float64Array, width: number, i: number, j: number): void {
  for (let c = 0; c < width; c++) {
    const t = m[i * width + c];
    m[i * width + c] = m[j * width + c];
    m[j * width + c] = t;
  }
}
