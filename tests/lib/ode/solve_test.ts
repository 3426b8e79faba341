import assert from "node:assert/strict";
import { solveOde } from "../../../lib/ode/solve.ts";
import { DOPRI5, dopri5DenseWeights, RK4 } from "../../../lib/ode/tableau.ts";
import { gatherRows, unionTimeGrid } from "../../../lib/ode/time_grid.ts";
import { ExponentialField, oscillatorExact, OscillatorField } from "./fields.ts";

Deno.test("dopri5 solves dy/dt = λy to float32 tolerance at every output time (dense and landing)", () => {
  const times = [0, 0.3, 0.9, 1.7, 3];
  for (const outputMode of ["dense", "land"] as const) {
    const sol = solveOde(new ExponentialField(2, -0.8), Float64Array.of(1, -2), times, {
      method: "dopri5",
      rtol: 1e-7,
      atol: 1e-9,
      outputMode,
    });
    times.forEach((t, i) => {
      assert.ok(
        Math.abs(sol.ys[2 * i] - Math.exp(-0.8 * t)) < 1e-6,
        `${outputMode} t=${t}: ${sol.ys[2 * i]}`,
      );
      assert.ok(Math.abs(sol.ys[2 * i + 1] + 2 * Math.exp(-0.8 * t)) < 2e-6);
    });
    assert.ok(sol.stats.rejected >= 0 && sol.stats.accepted > 3);
  }
});

Deno.test("dopri5 follows the harmonic oscillator over three periods; time may run backwards", () => {
  const omega = 2, times = Array.from({ length: 31 }, (_, i) => i * 0.3);
  const sol = solveOde(new OscillatorField(omega), Float64Array.of(1, 0.5), times, {
    method: "dopri5",
    rtol: 1e-8,
    atol: 1e-10,
  });
  times.forEach((t, i) => assert.ok(Math.abs(sol.ys[2 * i] - oscillatorExact(omega, 1, 0.5, t).x) < 1e-6));
  const back = solveOde(new OscillatorField(omega), sol.ys.slice(60, 62), [9, 0], {
    method: "dopri5",
    rtol: 1e-8,
    atol: 1e-10,
  });
  assert.ok(Math.abs(back.ys[2] - 1) < 1e-5 && Math.abs(back.ys[3] - 0.5) < 1e-5);
});

Deno.test("the dense-output weights give y₀ at x = 0 and the 5th-order solution at x = 1", () => {
  assert.ok(dopri5DenseWeights(0).every((w) => w === 0));
  const w1 = dopri5DenseWeights(1);
  DOPRI5.b.forEach((b, i) => assert.ok(Math.abs(w1[i] - b) < 1e-15));
  assert.ok(Math.abs(w1[6]) < 1e-15);
  // Consistency: the weights of a quartic interpolant sum to x.
  const w = dopri5DenseWeights(0.37);
  assert.ok(Math.abs(w.reduce((a, v) => a + v, 0) - 0.37) < 1e-14);
});

function fixedError(tab: typeof RK4, steps: number): number {
  const sol = solveOde(new ExponentialField(1, -1.3), Float64Array.of(1), [0, 2], {
    method: "rk4",
    fixedTableau: tab,
    stepsPerInterval: steps,
  });
  return Math.abs(sol.ys[1] - Math.exp(-2.6));
}

Deno.test("fixed-step convergence: Dormand–Prince is 5th order, RK4 4th order, on a linear ODE", () => {
  for (const [tab, order] of [[DOPRI5, 5], [RK4, 4]] as const) {
    const e1 = fixedError(tab, 16), e2 = fixedError(tab, 32);
    const observed = Math.log2(e1 / e2);
    assert.ok(Math.abs(observed - order) < 0.3, `${tab.name}: observed order ${observed}`);
  }
});

Deno.test("euler is first order and rk4 lands on every output with the requested substeps", () => {
  const err = (n: number) => {
    const s = solveOde(new ExponentialField(1, -1), Float64Array.of(1), [0, 1], {
      method: "euler",
      stepsPerInterval: n,
    });
    return Math.abs(s.ys[1] - Math.exp(-1));
  };
  assert.ok(Math.abs(Math.log2(err(64) / err(128)) - 1) < 0.05);
  const rk = solveOde(new ExponentialField(1, -1), Float64Array.of(1), [0, 0.5, 1], {
    method: "rk4",
    stepsPerInterval: 4,
  });
  assert.equal(rk.stats.nfe, 32);
  assert.equal(rk.stats.accepted, 8);
});

Deno.test("per-sample time grids: each row reads its own times from one union solve", () => {
  const t = Float32Array.of(0, 0.5, 1, 0, 0.25, 0, 0, 2, 3);
  const grid = unionTimeGrid(t, Int32Array.of(3, 2, 3), 3);
  assert.deepEqual(Array.from(grid.times), [0, 0.25, 0.5, 1, 2, 3]);
  const sol = solveOde(new ExponentialField(3, -0.5), Float64Array.of(1, 2, 3), grid.times, {
    method: "dopri5",
    rtol: 1e-8,
    atol: 1e-10,
  });
  const out = gatherRows(grid, sol.ys, 1);
  const expected = [
    1,
    Math.exp(-0.25),
    Math.exp(-0.5),
    2,
    2 * Math.exp(-0.125),
    0,
    3,
    3 * Math.exp(-1),
    3 * Math.exp(-1.5),
  ];
  expected.forEach((e, i) => assert.ok(Math.abs(out[i] - e) < 1e-6, `entry ${i}: ${out[i]} vs ${e}`));
});

Deno.test("solveOde rejects non-monotone times and gives up on runaway step counts", () => {
  assert.throws(
    () => solveOde(new ExponentialField(1, 1), Float64Array.of(1), [0, 1, 0.5], { method: "rk4" }),
    /monotone/,
  );
  assert.throws(
    () =>
      solveOde(new ExponentialField(1, -1), Float64Array.of(1), [0, 10], {
        method: "rk4",
        stepSize: 1e-3,
        maxSteps: 100,
      }),
    /more than 100/,
  );
});
