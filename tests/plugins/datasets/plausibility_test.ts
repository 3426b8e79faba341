/**
 * The plausibility checks against hand-computed limits: bands from the nominal capacity, the throughput
 * rate bound, the mean-voltage check, the cross-cell magnitude check (medians by hand), strict vs lenient
 * sinks; and the synthetic dataset (every experiment) passes with no warning.
 */
import assert from "node:assert/strict";
import { DataError } from "../../../core/errors.ts";
import type { Curve } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";
import m50t, { m50tOptions } from "../../../plugins/datasets/m50t.ts";
import {
  type CellLimits,
  checkCellMagnitudes,
  checkColumnBands,
  checkCurve,
  checkThroughput,
  DataIssues,
} from "../../../lib/m50t/mod.ts";
import { recordingLogger } from "./m50t/helpers.ts";

const M50T: CellLimits = { nominalCapacityAh: 5, voltageWindowV: [2.5, 4.2] };
const src = { file: "f.csv", headerOf: (c: string) => `<${c}>` };
const f64 = (...v: number[]) => Float64Array.from(v);

/** The findings of one check run leniently. */
function findings(run: (issues: DataIssues) => void): string[] {
  const issues = new DataIssues(false);
  run(issues);
  return issues.warnings();
}

Deno.test("bands scale with the nominal capacity: C/10 capacity within 0.3–1.2 × C_nom", () => {
  const cap = f64(1.5, 6, 1.49, 6.01, NaN);
  const at5 = findings((i) => checkColumnBands({ capacity_c10_Ah: cap }, src, M50T, i));
  assert.equal(at5.length, 1, "one finding per column: its first row, and how many more");
  assert.match(
    at5[0],
    /row 4, column '<capacity_c10_Ah>'.*expected ≥ 1\.5 and ≤ 6 .*found 1\.49 \(and 1 more rows/,
  );
  // A 2.5 Ah cell: the band is 0.75–3 Ah, so 6 Ah and 6.01 Ah are out and 1.49 / 1.5 are in.
  const at2p5 = findings((i) =>
    checkColumnBands({ capacity_c10_Ah: cap }, src, { ...M50T, nominalCapacityAh: 2.5 }, i)
  );
  assert.equal(at2p5.length, 1);
  assert.match(at2p5[0], /row 3,.*≤ 3 .*found 6 \(and 1 more rows/);
});

Deno.test("throughput: at most 5C around the clock (600 Ah/day for 5 Ah); mean voltage within the window", () => {
  const cols = {
    days: f64(NaN, 10, 10),
    charge_throughput_Ah: f64(0, 6000, 6000.5),
    energy_throughput_Wh: f64(0, 6000 * 2.5, 6000.5 * 4.21),
  };
  const out = findings((i) => checkThroughput(cols, src, M50T, i));
  assert.equal(out.length, 2, out.join("\n"));
  assert.match(out[0], /row 4,.*expected ≤ 6000 Ah after 10 days.*found 6000\.5/);
  assert.match(out[1], /row 4,.*energy and charge throughput disagree.*= 4\.21 V/);
});

Deno.test("magnitudes: a cell whose median is ≥ 100× the median of the other cells' medians is named", () => {
  const cell = (key: string, ...v: number[]) => ({
    cellKey: key,
    source: { file: `${key}.csv`, headerOf: (c: string) => c },
    columns: { pe_capacity_Ah: f64(...v) },
  });
  // Medians: A 5.6, B 5.5, C 5.4 → others' median for D = 5.5; D's median 0.0055 = 0.001 × 5.5.
  const cells = [
    cell("A", 5.6),
    cell("B", 5.5, 5.5),
    cell("C", 5.3, 5.4, 5.5),
    cell("D", 0, 0.0054, 0.0055, 0.0056),
  ];
  const out = findings((i) => checkCellMagnitudes(cells, i));
  assert.equal(out.length, 1, out.join("\n"));
  assert.match(out[0], /file 'D\.csv', row 3, column 'pe_capacity_Ah': pe_capacity_Ah of D is ~0\.001×/);
  assert.match(out[0], /expected a median near 5\.5 \(median of 3 other cells/);
  // 99× is genuine spread, not a unit error.
  assert.deepEqual(findings((i) => checkCellMagnitudes([...cells.slice(0, 3), cell("E", 5.5 * 99)], i)), []);
  // With fewer than two other cells nothing can be said.
  assert.deepEqual(findings((i) => checkCellMagnitudes([cell("A", 5), cell("D", 0.005)], i)), []);
});

Deno.test("a 0.1C curve must span 2.5–4.2 V (top within 0.2 V, bottom within 0.1 V) and pass 1.5–6 Ah", () => {
  const curve = (v: number[], q: number[]): Curve => ({
    cellKey: "x",
    rpt: 0,
    source: "c.csv",
    time_s: f64(...v.map((_, i) => i)),
    voltage_V: f64(...v),
    current_A: f64(...v.map(() => -0.5)),
    charge_Ah: f64(...q),
  });
  const run = (c: Curve, kind: "0.1C" | "0.5C" = "0.1C") =>
    findings((i) => checkCurve(c, { ...src, file: "c.csv", kind }, M50T, i));
  assert.deepEqual(run(curve([4.0, 3.5, 2.6], [0, 2, 4.8])), []);
  assert.match(run(curve([4.0, 3.5, 2.61], [0, 2, 4.8]))[0], /does not span.*found 4–2\.61 V/);
  assert.match(run(curve([3.99, 3.5, 2.5], [0, 2, 4.8]))[0], /row 2,.*does not span/);
  assert.match(run(curve([4.1, 3.5, 2.5], [0, 2, 1.49]))[0], /row 4,.*charge passed.*found 1\.49 Ah/);
  assert.match(run(curve([4.1, 3.5, 2.5], [0, 2, 6.01]))[0], /charge passed.*expected 1\.5–6 Ah/);
  assert.deepEqual(
    run(curve([4.1, 3.9, 3.7], [0, 0.5, 1]), "0.5C"),
    [],
    "only 0.1C curves are full discharges",
  );
});

Deno.test("strict sinks throw the first finding as a DataError; lenient sinks list each finding once", () => {
  const cols = { soh: f64(1, 2.9) };
  assert.throws(
    () => checkColumnBands(cols, src, M50T, new DataIssues(true)),
    (e: Error) => e instanceof DataError && e.location.row === 3 && e.location.found === "2.9",
  );
  const log = recordingLogger();
  const lenient = new DataIssues(false, log);
  checkColumnBands(cols, src, M50T, lenient);
  checkColumnBands(cols, src, M50T, lenient);
  assert.equal(lenient.warnings().length, 1);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0], /^data\.strict=false: file 'f\.csv', row 3/);
});

Deno.test("the synthetic dataset (every experiment) loads with no plausibility warning", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "plausibility_synth_" });
  try {
    const ctx = { seed: 0, rng: createRng(0), log: recordingLogger(), cacheDir };
    const ds = await m50t.create(
      m50tOptions.parse({ experiment: ["1", "2,2", "3", "4", "5"], synthetic: { seed: 42 }, strict: false }),
      ctx,
    ) as Awaited<ReturnType<typeof m50t.create>> & { warnings(): string[] };
    const keys = (await ds.cells()).map((c) => c.cellKey);
    assert.equal(keys.length, 40);
    await ds.table("summary_per_set", keys);
    await ds.table("summary_per_cycle", keys);
    assert.deepEqual(ds.warnings(), []);
    assert.deepEqual(ctx.log.warnings, []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
