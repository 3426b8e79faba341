/**
 * IcaWorkerPool: ICA on Workers gives bit-identical features to `icaFeatures` in this thread, in order,
 * and an ICA error on a Worker reaches the caller with its message.
 */
import { assert, assertEquals } from "../gbdt/assert.ts";
import { icaFeatures, icaFeaturesOfCurves, IcaWorkerPool, W1_ICA_OPTIONS } from "../../../lib/signal/mod.ts";
import { linspace } from "../../../lib/signal/grid.ts";

/**
 * A discharge-like curve with two plateaus: Q(V) = a·(1 − σ((V − 3.6 − s)/w)) + b·(1 − σ((V − 3.9 − s)/w)),
 * so |dQ/dV| peaks near 3.6 + s and 3.9 + s (well separated: each peak within 1 mV of its centre).
 */
function ocvDischargeCurve(scale: number, shift: number) {
  const voltage = linspace(3.0, 4.2, 4001).points;
  const sigma = (v: number, v0: number) => 1 / (1 + Math.exp(-(v - v0) / 0.02));
  const chargeAh = voltage.map((v) =>
    scale * (3 * (1 - sigma(v, 3.6 + shift)) + 2 * (1 - sigma(v, 3.9 + shift)))
  );
  return { voltage, chargeAh };
}

Deno.test("ica pool: features on 1, 2 and 3 Workers equal icaFeatures in this thread, bit for bit, in order", async () => {
  const curves = Array.from({ length: 7 }, (_, k) => ocvDischargeCurve(1 - 0.03 * k, 0.004 * k));
  const reference = curves.map((c) => icaFeatures(c.voltage, c.chargeAh, W1_ICA_OPTIONS));
  assert(reference.every((f) => f.peaks.length >= 2), "curves with several peaks");
  // Known answer: the tallest peak sits at the larger plateau's centre, 3.6 V + shift.
  reference.forEach((f, k) =>
    assert(Math.abs(f.peaks[0].voltage - (3.6 + 0.004 * k)) <= 0.0015, `peak ${k}`)
  );
  assert(new Set(reference.map((f) => f.total_area_ah)).size === curves.length, "distinct curves");
  for (const threads of [1, 2, 3]) {
    const got = await icaFeaturesOfCurves(curves, W1_ICA_OPTIONS, threads);
    // JSON of the features: NaN and -0 aside (none here), equal strings mean equal doubles.
    assertEquals(JSON.stringify(got), JSON.stringify(reference), `${threads} threads`);
    for (let k = 0; k < curves.length; k++) assertEquals(got[k].total_area_ah, reference[k].total_area_ah);
  }
});

Deno.test("ica pool: an error of ICA on a Worker rejects that curve with ICA's message; the pool goes on", async () => {
  const pool = await IcaWorkerPool.start(2);
  try {
    const good = ocvDischargeCurve(1, 0);
    const bad = { voltage: Float64Array.of(2.5, 2.6), chargeAh: Float64Array.of(0, 0.1) }; // outside 3.0–4.2 V
    let expected = "";
    try {
      icaFeatures(bad.voltage, bad.chargeAh, W1_ICA_OPTIONS);
    } catch (err) {
      expected = (err as Error).message;
    }
    assert(expected !== "", "the bad curve fails in this thread too");
    let message = "";
    await pool.features(bad.voltage, bad.chargeAh, W1_ICA_OPTIONS).catch((e) =>
      message = (e as Error).message
    );
    assertEquals(message, expected);
    assert(expected.includes("no voltage inside the window"), expected);
    const f = await pool.features(good.voltage, good.chargeAh, W1_ICA_OPTIONS);
    assertEquals(f.total_area_ah, icaFeatures(good.voltage, good.chargeAh, W1_ICA_OPTIONS).total_area_ah);
  } finally {
    pool.close();
  }
});
