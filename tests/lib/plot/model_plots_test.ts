import assert from "node:assert/strict";
import { attentionCells, attentionHeatmap } from "../../../lib/plot/attention.ts";
import { predictedTrajectories } from "../../../lib/plot/_trajectories_pred.ts";

Deno.test("attention heatmap averages heads within the length and renders", () => {
  // 2 heads, T = 3, length 2: head 0 attends to key 0, head 1 to keys 0/1 equally.
  const w = new Float32Array(2 * 3 * 3);
  w[0] = 1;
  w[3] = 1; // head 0 rows 0, 1 → key 0
  w[9] = 1;
  w[12] = 0.5;
  w[13] = 0.5; // head 1
  const cells = attentionCells({ weights: w, heads: 2, steps: 3, length: 2 });
  assert.deepEqual(cells.map((c) => c.weight), [1, 0, 0.75, 0.25]);
  const fig = attentionHeatmap({ weights: w, heads: 2, steps: 3, length: 2, labels: [0, 1, 2] });
  assert.match(fig.svg, /<svg/);
  assert.ok(fig.png.length > 1000);
});

Deno.test("predicted trajectories render measured dots and predicted lines per cell", () => {
  const points = [0, 1, 2].flatMap((s) => [
    { cellKey: "5/A", chamberC: 25, t: s, yTrue: 1 - 0.01 * s, yPred: 1 - 0.012 * s },
    { cellKey: "5/B", chamberC: 40, t: s, yTrue: NaN, yPred: 1 - 0.02 * s },
  ]);
  const fig = predictedTrajectories(points, { xLabel: "days", yLabel: "SOH", observedUntil: { "5/A": 1 } });
  assert.match(fig.svg, /stroke-dasharray/);
  assert.throws(() => predictedTrajectories([], { xLabel: "x", yLabel: "y" }), RangeError);
});
