import { assertClose, assertEquals } from "../../lib/gbdt/assert.ts";
import {
  growthFlags,
  logLogSlope,
  seriesRows,
  seriesSummary,
} from "../../../scripts/bench/scaling_series.ts";

const LABELS = {
  workload: "W1_ica_scaling",
  variantPrefix: "end_to_end",
  peerName: "scipy",
  sizeKey: "curves",
};

Deno.test("scaling series: the flags judge the last step against 1 and the peer, with a 0.1 margin", () => {
  assertEquals(growthFlags(1.1), { growth: "linear or below" });
  assertEquals(growthFlags(1.11), { growth: "super-linear" });
  assertEquals(growthFlags(1.05, 0.95), { growth: "linear or below", vs_peer: "grows like the peer" });
  assertEquals(growthFlags(1.06, 0.95), { growth: "linear or below", vs_peer: "GROWS FASTER than the peer" });
  assertEquals(growthFlags(2, 2), { growth: "super-linear", vs_peer: "grows like the peer" });
});

Deno.test("scaling series: curves 16 → 128 → 1024, ours linear, the peer quadratic", () => {
  const sizes = [16, 128, 1024];
  // Ours: t = 0.007 n (slope 1); peer: t = 1e-4 n² (slope 2); medians of three runs each.
  const ours = sizes.map((n) => [0.007 * n, 0.006 * n, 0.008 * n]);
  const peer = sizes.map((n) => [1e-4 * n * n]);
  const rows = seriesRows({ sizes, ours, peer }, { ...LABELS, extra: { runs_per_size: 3 } });
  assertEquals(rows.map((r) => r.variant), ["end_to_end_16", "end_to_end_128", "end_to_end_1024"]);
  assertEquals(rows.map((r) => r.quality!.curves), sizes);
  const q = rows[2].quality!;
  assertClose(Number(q.loglog_slope), 1, 1e-12);
  assertClose(Number(q.peer_loglog_slope), 2, 1e-12);
  assertClose(Number(q.slope_from_previous), 1, 1e-12);
  assertEquals([q.growth, q.vs_peer, q.runs_per_size], ["linear or below", "grows like the peer", 3]);
  // ratio at 128 curves: 0.007·128 / (1e-4·128²).
  assertClose(rows[1].ratio!, 0.896 / 1.6384, 1e-12);
  assertEquals(rows[1].peer, "scipy");
  assertEquals(
    seriesSummary("ICA scaling", "scipy", rows),
    "ICA scaling: log–log slope ours 1.000, scipy 2.000 (last step 1.000 vs 2.000: linear or below, " +
      "grows like the peer)",
  );
});

Deno.test("scaling series: hand-computed slopes of an uneven series, without a peer", () => {
  // log2 sizes 0, 1, 2 (sizes 25, 50, 100 → ratios 2); times 1, 2, 8 → log2 t = 0, 1, 3.
  // Fit: slope = Σ(x−1)(y−4/3)/Σ(x−1)² = ((−1)(−4/3) + (1)(5/3))/2 = 1.5; last step log2(8/2)/1 = 2.
  const rows = seriesRows({ sizes: [25, 50, 100], ours: [[1], [2], [8]] }, { ...LABELS, sizeKey: "seq_len" });
  const q = rows[2].quality!;
  assertClose(Number(q.loglog_slope), 1.5, 1e-12);
  assertClose(Number(q.slope_from_previous), 2, 1e-12);
  assertClose(Number(rows[1].quality!.slope_from_previous), 1, 1e-12);
  assertEquals([q.growth, q.vs_peer, q.peer_loglog_slope, rows[0].ratio], [
    "super-linear",
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(
    seriesSummary("LSTM step", "torch", rows),
    "LSTM step: log–log slope ours 1.500 (last step 2.000: super-linear)",
  );
  assertClose(logLogSlope([25, 100], [3, 3]), 0, 1e-12);
  assertEquals(seriesSummary("empty", "x", []), "");
});
