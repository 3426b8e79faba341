import assert from "node:assert/strict";
import { runFigures } from "../../../lib/plot/run_figures.ts";

Deno.test("run figures: parity per target; trajectories only where a cell has several scored RPTs", () => {
  const point = (cellKey: string, rpt: number, target: string) => ({
    cellKey,
    chamberC: 25,
    rpt,
    target,
    yTrue: 1 - 0.01 * rpt,
    yPred: 1 - 0.012 * rpt,
  });
  const rows = [point("5/D", 0, "soh"), point("5/D", 1, "soh"), point("5/E", 3, "lli")];
  const figures = runFigures(rows);
  assert.deepEqual(Object.keys(figures).sort(), ["parity_lli", "parity_soh", "trajectories_soh"]);
  assert.match(figures.trajectories_soh.svg, />5\/D \(25 °C\)</);
  assert.match(figures.trajectories_soh.svg, />RPT number \(–\)/);
});
