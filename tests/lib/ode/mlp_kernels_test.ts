import assert from "node:assert/strict";
import { accumulateWeightGradient, affineForward, inputGradient } from "../../../lib/ode/_mlp_kernels.ts";
import { MlpField } from "../../../lib/ode/mlp_field.ts";
import { useNativeBlas } from "../../../lib/blas/mod.ts";
import { openBlas } from "../../fixtures/openblas.ts";

/** The products in JS and, with `training.blas=openblas`, as float64 OpenBLAS calls: the same checks. */
const MODES = [{ name: "JS", blas: null }, { name: "OpenBLAS", blas: openBlas }];

function uniforms(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const near = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) < 1e-12, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
};

// Sizes that hit the 4 × 4 blocks and every edge (rows, nin, nout not multiples of 4, and smaller than 4).
for (const mode of MODES) {
  for (const [rows, nin, nout] of [[8, 33, 64], [5, 7, 9], [3, 2, 5], [9, 12, 6]]) {
    Deno.test({
      name:
        `MLP products (${mode.name}${mode.name === "OpenBLAS" && !openBlas ? ": not loadable here" : ""}) ` +
        `equal the naive loops (${rows} × ${nin} → ${nout})`,
      ignore: mode.name === "OpenBLAS" && !openBlas,
      fn: () => {
        const was = useNativeBlas(mode.blas);
        try {
          checkProducts(rows, nin, nout);
        } finally {
          useNativeBlas(was);
        }
      },
    });
  }
}

function checkProducts(rows: number, nin: number, nout: number): void {
  {
    const wAt = 3, bAt = wAt + nin * nout;
    const theta = uniforms(bAt + nout + 2, rows * 100 + nin), x = uniforms(rows * nin + 4, 5);
    const g = uniforms(rows * nout, 6), act = uniforms(rows * nin + 4, 8);
    for (const tanh of [false, true]) {
      const got = new Float64Array(rows * nout + 1);
      affineForward(x, 4, rows, nin, theta, wAt, bAt, nout, got, 1, tanh);
      const want = new Float64Array(rows * nout + 1);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < nout; j++) {
          let s = theta[bAt + j];
          for (let i = 0; i < nin; i++) s += x[4 + r * nin + i] * theta[wAt + i * nout + j];
          want[1 + r * nout + j] = tanh ? Math.tanh(s) : s;
        }
      }
      near(got, want, `forward tanh=${tanh}`);
    }
    for (const withAct of [false, true]) {
      const got = new Float64Array(rows * nin);
      inputGradient(g, 0, rows, nout, theta, wAt, nin, got, withAct ? act : null, 4);
      const want = new Float64Array(rows * nin);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < nin; i++) {
          let s = 0;
          for (let j = 0; j < nout; j++) s += g[r * nout + j] * theta[wAt + i * nout + j];
          const a = act[4 + r * nin + i];
          want[r * nin + i] = withAct ? s * (1 - a * a) : s;
        }
      }
      near(got, want, `input gradient act=${withAct}`);
    }
    const got = uniforms(theta.length, 9), want = got.slice();
    accumulateWeightGradient(x, 4, g, 0, rows, nin, nout, got, wAt, bAt);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < nout; j++) {
        want[bAt + j] += g[r * nout + j];
        for (let i = 0; i < nin; i++) want[wAt + i * nout + j] += x[4 + r * nin + i] * g[r * nout + j];
      }
    }
    near(got, want, "weight gradient");
  }
}

Deno.test("MLP field: recorded and unrecorded vjp agree; records survive growth and clearing", () => {
  const shape = { stateWidth: 6, hidden: [9, 8], timeInput: true }, rows = 5;
  const field = new MlpField(shape, rows, uniforms(7 * 9 + 9 + 9 * 8 + 8 + 8 * 6 + 6, 3));
  for (let round = 0; round < 2; round++) {
    const ys = Array.from({ length: 70 }, (_, k) => uniforms(field.dim, 20 + k));
    const handles = ys.map((y, k) => field.evalRecorded(0.1 * k, y, new Float64Array(field.dim)));
    ys.forEach((y, k) => {
      const a = uniforms(field.dim, 200 + k);
      const dyA = new Float64Array(field.dim), dpA = new Float64Array(field.paramCount);
      const dyB = new Float64Array(field.dim), dpB = new Float64Array(field.paramCount);
      field.vjpRecorded(handles[k], a, dyA, dpA);
      field.vjp(0.1 * k, y, a, dyB, dpB);
      near(dyA, dyB, `dy ${k}`);
      near(dpA, dpB, `dθ ${k}`);
    });
    field.clearRecords();
  }
});
