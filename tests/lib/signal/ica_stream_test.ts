/** The streamed ICA: same features as curve-by-curve ICA, and one curve's samples held at a time. */
import assert from "node:assert/strict";
import { linspace } from "../../../lib/signal/grid.ts";
import { icaFeatures } from "../../../lib/signal/ica.ts";
import { type CurveSamples, streamIcaFeatures } from "../../../lib/signal/ica_stream.ts";
import { assertClose } from "./assert_close.ts";

/**
 * A discharge-like curve with one plateau: Q(V) = cap·(1 − σ((V − v0)/w)), so |dQ/dV| peaks at V = v0 with
 * height cap/(4w) (closed form; the 1 mV grid and the cubic SG fit reproduce it to well under 1 %).
 */
function logisticCurve(cap: number, v0: number, w: number): CurveSamples {
  const voltage = linspace(3.0, 4.2, 4001).points;
  const chargeAh = voltage.map((v) => cap * (1 - 1 / (1 + Math.exp(-(v - v0) / w))));
  return { voltage, chargeAh };
}

const CASES = [
  { cap: 5, v0: 3.6, w: 0.02 },
  { cap: 4, v0: 3.75, w: 0.03 },
  { cap: 4.5, v0: 3.9, w: 0.025 },
];

Deno.test("ICA stream: each curve's features equal its own ICA, the peak where the closed form puts it", async () => {
  const seen: number[] = [];
  const summary = await streamIcaFeatures(CASES.map((c) => logisticCurve(c.cap, c.v0, c.w)), (f, index) => {
    const c = CASES[index];
    seen.push(index);
    assert.deepEqual(
      f,
      icaFeatures(...Object.values(logisticCurve(c.cap, c.v0, c.w)) as [Float64Array, Float64Array]),
    );
    assertClose(f.peaks[0].voltage, c.v0, 0, 1e-9, `curve ${index} peak voltage`);
    assertClose(f.peaks[0].height, c.cap / (4 * c.w), 5e-3, 0, `curve ${index} peak height`);
    // ∫|dQ/dV| dV over the window = Q(3.0) − Q(4.2) ≈ cap.
    assertClose(f.total_area_ah, c.cap, 1e-3, 0, `curve ${index} total area`);
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(summary.curves, 3);
  assert.ok(summary.computeSeconds >= 0);
});

Deno.test("ICA stream: a curve is reduced to its features before the next is read (one live curve)", async () => {
  let taken = 0, reduced = 0;
  const liveAtEachRead: number[] = [];
  async function* source(): AsyncGenerator<CurveSamples> {
    for (let k = 0; k < 50; k++) {
      liveAtEachRead.push(taken - reduced); // curves taken and not yet handed on as features
      await Promise.resolve();
      taken++;
      yield logisticCurve(5 - k / 50, 3.6 + k / 200, 0.02);
    }
  }
  const summary = await streamIcaFeatures(source(), () => reduced++);
  assert.deepEqual(liveAtEachRead, new Array(50).fill(0));
  assert.equal(summary.peakLiveCurves, 1);
  assert.equal(summary.curves, 50);
  assert.equal(reduced, 50);
});
