import { assert, assertClose, assertEquals, assertThrows } from "../../lib/gbdt/assert.ts";
import { parseNumericCsv } from "../../../lib/io/mod.ts";
import { friedmanCsv } from "../../../scripts/bench/friedman_csv.ts";
import { parseLightgbmLog } from "../../../scripts/bench/lightgbm_cli.ts";
import { logLogSlope, scalingRows, slopeSummary } from "../../../scripts/bench/w2_scaling.ts";

Deno.test("bench scaling: the log–log slope of t = c·nᵏ is k", () => {
  const rows = [1e4, 1e5, 1e6];
  for (const k of [0.5, 1, 1.25, 2]) assertClose(logLogSlope(rows, rows.map((n) => 3e-7 * n ** k)), k, 1e-12);
  // Least squares through three points: log t = 0, 1·ln10, 3·ln10 at log n = 0, ln10, 2·ln10 → slope 1.5.
  assertClose(logLogSlope([1, 10, 100], [1, 10, 1000]), 1.5, 1e-12);
  assertThrows(() => logLogSlope([5, 5], [1, 2]), /two different sizes/);
});

Deno.test("bench scaling: rows carry both slopes and flag growth faster than the peer's", () => {
  const rows = [1e4, 1e5, 1e6];
  const linear = rows.map((n) => [n * 1e-6, n * 1.1e-6]);
  const quadratic = rows.map((n) => [n * n * 1e-11]);
  const report = scalingRows({ rows, ours: quadratic, peer: linear });
  assertEquals(report.map((r) => r.variant), ["train_loop_10000", "train_loop_100000", "train_loop_1000000"]);
  const q = report[2].quality!;
  assertClose(Number(q.loglog_slope), 2, 1e-12);
  assertClose(Number(q.peer_loglog_slope), 1, 1e-12);
  assertClose(Number(q.slope_from_previous), 2, 1e-12);
  assertClose(Number(q.peer_slope_from_previous), 1, 1e-12);
  assertEquals(report[0].quality!.slope_from_previous, undefined);
  assertEquals(q.growth, "super-linear");
  assertEquals(q.vs_peer, "GROWS FASTER than the peer");
  assertEquals(
    slopeSummary(report),
    "GBDT scaling (100 rounds): log–log slope ours 2.000, LightGBM 1.000 " +
      "(last step 2.000 vs 1.000: super-linear, GROWS FASTER than the peer)",
  );
  // Ratio = our median / the peer's median at each size.
  assertClose(report[2].ratio!, (1e12 * 1e-11) / (1e6 * 1.05e-6), 1e-9);
  const same = scalingRows({ rows, ours: linear, peer: linear })[0].quality!;
  assertEquals([same.growth, same.vs_peer], ["linear or below", "grows like the peer"]);
  // The flags judge the last step: flat then linear fits a slope of 0.5 overall but is linear at the end.
  const bent = scalingRows({ rows, ours: [[1], [1], [10]], peer: [[1], [1], [10]] })[2].quality!;
  assertClose(Number(bent.loglog_slope), 0.5, 1e-12);
  assertClose(Number(bent.slope_from_previous), 1, 1e-12);
  assertEquals(bent.growth, "linear or below");
});

Deno.test("bench scaling: LightGBM's load and loop times come from its log; a short log is an error", () => {
  const log = [
    "[LightGBM] [Info] Finished loading data in 0.657638 seconds",
    "[LightGBM] [Info] 0.010178 seconds elapsed, finished iteration 1",
    "[LightGBM] [Info] 0.019632 seconds elapsed, finished iteration 2",
  ].join("\n");
  assertEquals(parseLightgbmLog(log, 2), { loadSeconds: 0.657638, loopSeconds: 0.019632 });
  assertThrows(() => parseLightgbmLog(log, 3), /timings for 3 iterations \(found iteration 2\)/);
  assertThrows(() => parseLightgbmLog("[LightGBM] [Fatal] bad", 1), /found no iteration line/);
});

Deno.test("bench scaling: Friedman rows — header, size, ranges, deterministic per seed", () => {
  const bytes = friedmanCsv(500, 7);
  const table = parseNumericCsv(bytes, "friedman");
  assertEquals(table.header, ["y", ...Array.from({ length: 20 }, (_, j) => `x${j}`)]);
  assertEquals(table.rows, 500);
  for (let j = 1; j <= 20; j++) assert(table.columns[j].every((v) => v >= 0 && v < 1), `x${j - 1} in [0, 1)`);
  // y − f(x) is the N(0, 1) noise (up to the printed decimals): mean ≈ 0, sd ≈ 1 over 500 rows.
  const [y, x0, x1, x2, x3, x4] = table.columns;
  const noise = y.map((v, i) =>
    v - (10 * Math.sin(Math.PI * x0[i] * x1[i]) + 20 * (x2[i] - 0.5) ** 2 + 10 * x3[i] + 5 * x4[i])
  );
  const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
  const sd = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / (noise.length - 1));
  assert(Math.abs(mean) < 0.2 && Math.abs(sd - 1) < 0.15, `noise mean ${mean}, sd ${sd}`);
  assertEquals(friedmanCsv(500, 7), bytes);
  assert(friedmanCsv(500, 8).some((b, i) => b !== bytes[i]));
});
