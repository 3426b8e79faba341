import assert from "node:assert/strict";
import { adjointSolve } from "../../../lib/ode/adjoint.ts";
import { backpropSolve } from "../../../lib/ode/backprop.ts";
import type { DifferentiableField } from "../../../lib/ode/field.ts";
import { MlpField } from "../../../lib/ode/mlp_field.ts";
import { solveOde, type SolveOptions } from "../../../lib/ode/solve.ts";
import { ExponentialField, oscillatorExact, OscillatorField } from "./fields.ts";

/** Seeded uniform numbers in [−1, 1) (LCG), so the tests are deterministic. */
function uniforms(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** L = Σ cᵢ·yᵢ over all outputs; returns L and dL/dys = c. */
function weightedLoss(ys: Float64Array, c: Float64Array): number {
  return ys.reduce((a, v, i) => a + v * c[i], 0);
}

function gradients(
  field: DifferentiableField,
  y0: Float64Array,
  times: number[],
  c: Float64Array,
  opts: SolveOptions,
) {
  const sol = solveOde(field, y0, times, { ...opts, record: true });
  return {
    backprop: backpropSolve(field, sol.trace!, c),
    adjoint: adjointSolve(field, times, sol.ys, c, opts),
  };
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

Deno.test("dy/dt = λy: backprop and adjoint gradients equal the closed form (dopri5, rk4)", () => {
  const times = [0, 0.5, 1.2, 2], lambda = -0.7, y0 = 1.5;
  const c = Float64Array.of(0.3, -1, 0.8, 1.1);
  let dLam = 0, dY0 = 0;
  times.forEach((t, i) => {
    dLam += c[i] * t * y0 * Math.exp(lambda * t);
    dY0 += c[i] * Math.exp(lambda * t);
  });
  const cases: SolveOptions[] = [
    { method: "dopri5", rtol: 1e-9, atol: 1e-11 },
    { method: "dopri5", rtol: 1e-9, atol: 1e-11, outputMode: "land" },
    { method: "rk4", stepsPerInterval: 40 },
  ];
  for (const opts of cases) {
    const g = gradients(new ExponentialField(1, lambda), Float64Array.of(y0), times, c, opts);
    for (const [name, r] of Object.entries(g)) {
      close(r.dParams[0], dLam, 1e-6, `${opts.method}/${opts.outputMode} ${name} dλ`);
      close(r.dy0[0], dY0, 1e-6, `${opts.method} ${name} dy0`);
    }
  }
});

Deno.test("harmonic oscillator: gradients with respect to ω, x₀ and v₀ equal the closed form", () => {
  const omega = 1.7, x0 = 0.4, v0 = -1.1, times = [0, 0.7, 1.9, 3.3, 4];
  const c = new Float64Array(times.length * 2);
  times.forEach((_, i) => (c[2 * i] = 1 - 0.3 * i)); // loss on x only
  const expected = { dOmega: 0, dx0: 0, dv0: 0 };
  times.forEach((t, i) => {
    const e = oscillatorExact(omega, x0, v0, t);
    expected.dOmega += c[2 * i] * e.dOmega;
    expected.dx0 += c[2 * i] * e.dx0;
    expected.dv0 += c[2 * i] * e.dv0;
  });
  const g = gradients(new OscillatorField(omega), Float64Array.of(x0, v0), times, c, {
    method: "dopri5",
    rtol: 1e-9,
    atol: 1e-11,
  });
  for (const [name, r] of Object.entries(g)) {
    close(r.dParams[0], expected.dOmega, 1e-6, `${name} dω`);
    close(r.dy0[0], expected.dx0, 1e-6, `${name} dx0`);
    close(r.dy0[1], expected.dv0, 1e-6, `${name} dv0`);
  }
});

const SHAPE = { stateWidth: 3, hidden: [8, 8], timeInput: true };

function mlpProblem() {
  const rows = 2;
  const field = new MlpField(
    SHAPE,
    rows,
    uniforms(3 * 0 + 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3, 7).map((v) => 0.6 * v),
  );
  return { field, y0: uniforms(rows * 3, 11), times: [0, 0.4, 1, 1.5], c: uniforms(4 * rows * 3, 13) };
}

Deno.test("MLP field: adjoint gradients equal backprop gradients (dopri5 at tight tolerance)", () => {
  const { field, y0, times, c } = mlpProblem();
  const g = gradients(field, y0, times, c, { method: "dopri5", rtol: 1e-10, atol: 1e-12 });
  g.backprop.dy0.forEach((v, i) => close(g.adjoint.dy0[i], v, 1e-6, `dy0[${i}]`));
  g.backprop.dParams.forEach((v, i) => close(g.adjoint.dParams[i], v, 1e-6, `dθ[${i}]`));
});

Deno.test("MLP field: backprop gradients match central finite differences (rk4, dopri5 landing)", () => {
  for (
    const opts of [{ method: "rk4", stepsPerInterval: 3 }, {
      method: "dopri5",
      outputMode: "land",
    }] as SolveOptions[]
  ) {
    const { field, y0, times, c } = mlpProblem();
    const loss = () => weightedLoss(solveOde(field, y0, times, opts).ys, c);
    const g = gradients(field, y0, times, c, opts).backprop;
    const picks = Array.from({ length: 20 }, (_, k) => Math.floor((k * field.paramCount) / 20) + (k % 3));
    for (const p of picks) {
      const keep = field.theta[p], eps = 1e-5;
      field.theta[p] = keep + eps;
      const up = loss();
      field.theta[p] = keep - eps;
      const down = loss();
      field.theta[p] = keep;
      const fd = (up - down) / (2 * eps);
      assert.ok(
        Math.abs(g.dParams[p] - fd) <= 2e-2 * Math.max(Math.abs(fd), 1e-3),
        `${opts.method} θ[${p}]: ${g.dParams[p]} vs ${fd}`,
      );
    }
  }
});
