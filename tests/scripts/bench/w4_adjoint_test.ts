import * as tf from "@tensorflow/tfjs";
import { assert, assertClose, assertEquals } from "../../lib/gbdt/assert.ts";
import { selectBackend } from "../../../lib/train/mod.ts";
import { W4Model, w4SolveOptions } from "../../../scripts/bench/w4_node.ts";
import { adjointMemorySummary } from "../../../scripts/bench/w4_adjoint.ts";
import { benchRow } from "../../../scripts/bench/report.ts";

/** Loss and gradients of the W4 model (seed 0) for a gradient method. */
function lossAndGrads(adjoint: boolean, stepsPerInterval: number) {
  const model = new W4Model(0, { ...w4SolveOptions("rk4", stepsPerInterval), adjoint });
  const params = model.params();
  const { value, grads } = tf.variableGrads(() => model.loss(), params);
  const out = { loss: value.dataSync()[0], grads: params.map((p) => Array.from(grads[p.name].dataSync())) };
  tf.dispose([value, ...Object.values(grads), ...params, model.x0, model.target]);
  return { ...out, nfe: model.lastNfe };
}

Deno.test("W4 adjoint variant: same loss and NFE as backprop, gradients equal to the solver's accuracy", async () => {
  await selectBackend("wasm");
  for (const steps of [4, 16]) {
    const bp = lossAndGrads(false, steps), adj = lossAndGrads(true, steps);
    // The forward solve is identical (15 intervals × steps × 4 stages evaluations).
    assertEquals([adj.nfe, bp.nfe], [15 * steps * 4, 15 * steps * 4]);
    assertEquals(adj.loss, bp.loss);
    // Backprop differentiates the rk4 discretisation exactly; the adjoint solves the continuous adjoint
    // ODE with the same rk4 steps: they agree up to rk4's O(h⁴) error, far below float32 noise here.
    let worst = 0, scale = 0;
    bp.grads.forEach((g, k) =>
      g.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(adj.grads[k][i] - v));
        scale = Math.max(scale, Math.abs(v));
      })
    );
    assert(scale > 0, "gradients are not all zero");
    assert(worst <= 1e-4 * scale, `steps ${steps}: worst gradient difference ${worst} (scale ${scale})`);
  }
});

Deno.test("W4 adjoint memory summary: first and last sizes of the series, adjoint and backprop", () => {
  const row = (steps: number, adj: number, bp: number) =>
    benchRow("W4_node_adjoint_memory", `rk4_steps_${steps}`, [0.1], {
      name: "batteryml-deno backprop",
      median: 0.05,
    }, {
      solver_steps: 15 * steps,
      peak_rss_mib: adj,
      backprop_peak_rss_mib: bp,
    });
  const rows = [row(4, 120, 121), row(16, 120.5, 140), row(64, 121, 210)];
  assertEquals(
    adjointMemorySummary(rows),
    "W4 peak RSS, 60 → 960 rk4 steps per solve: adjoint 120 → 121 MiB, backprop 121 → 210 MiB",
  );
  assertClose(rows[0].ratio!, 2, 1e-12);
  assertEquals(adjointMemorySummary(rows.slice(0, 1)), "");
});
