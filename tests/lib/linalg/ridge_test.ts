import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import { ridgeSolve } from "../../../lib/linalg/ridge.ts";
import { svd } from "../../../lib/linalg/_svd.ts";

Deno.test("SVD reconstructs the matrix and has orthonormal factors", () => {
  const rng = createRng(3);
  const m = 7, n = 4;
  const a = Array.from({ length: m * n }, () => rng.normal());
  const { u, s, v } = svd(a, m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let k = 0; k < n; k++) x += u[i * n + k] * s[k] * v[j * n + k];
      assert.ok(Math.abs(x - a[i * n + j]) < 1e-12);
    }
  }
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      let vv = 0;
      for (let k = 0; k < n; k++) vv += v[k * n + p] * v[k * n + q];
      assert.ok(Math.abs(vv - (p === q ? 1 : 0)) < 1e-12);
    }
  }
});

Deno.test("ridge equals the normal-equation solution (XᵀX + αI)⁻¹Xᵀy on a 2×2 hand example", () => {
  // X = [[1,0],[0,2],[1,1]], y = [1,2,3], α = 0.5: XᵀX + αI = [[2.5,1],[1,5.5]], Xᵀy = [4,7].
  const beta = ridgeSolve([1, 0, 0, 2, 1, 1], [1, 2, 3], 3, 2, { alpha: 0.5 });
  const det = 2.5 * 5.5 - 1;
  assert.ok(Math.abs(beta[0] - (5.5 * 4 - 7) / det) < 1e-13);
  assert.ok(Math.abs(beta[1] - (2.5 * 7 - 4) / det) < 1e-13);
});

Deno.test("with α = 0 and collinear columns the minimum-norm solution is returned", () => {
  // Columns identical: any β with β0 + β1 = 2 fits y = 2x; the minimum-norm one is (1, 1).
  const beta = ridgeSolve([1, 1, 2, 2, 3, 3], [2, 4, 6], 3, 2, { alpha: 0 });
  assert.ok(Math.abs(beta[0] - 1) < 1e-12 && Math.abs(beta[1] - 1) < 1e-12, `${beta}`);
});
