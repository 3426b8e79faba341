import assert from "node:assert/strict";
import { savgolCoefficients, savgolFilter } from "../../../lib/signal/savgol.ts";
import { assertAllClose } from "./assert_close.ts";

const cubic = (t: number) => 0.5 * t ** 3 - 2 * t ** 2 + 3 * t - 1;
const cubicD1 = (t: number) => 1.5 * t ** 2 - 4 * t + 3;
const cubicD2 = (t: number) => 3 * t - 4;

function sampled(f: (t: number) => number, n: number, t0: number, delta: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => f(t0 + i * delta));
}

Deno.test("classic taps: 5-point quadratic smoothing and 5-point first derivative", () => {
  assertAllClose(savgolCoefficients(5, 2), [-3 / 35, 12 / 35, 17 / 35, 12 / 35, -3 / 35], 1e-13, 1e-15);
  assertAllClose(savgolCoefficients(5, 2, 1), [-0.2, -0.1, 0, 0.1, 0.2], 1e-13, 1e-15);
});

Deno.test("SG derivative of a cubic is exact, interior and edges (window 21, order 3)", () => {
  const delta = 0.1;
  const x = sampled(cubic, 40, -2, delta);
  const d1 = savgolFilter(x, { window: 21, order: 3, deriv: 1, delta });
  const d2 = savgolFilter(x, { window: 21, order: 3, deriv: 2, delta });
  const d3 = savgolFilter(x, { window: 21, order: 3, deriv: 3, delta });
  assertAllClose(d1, sampled(cubicD1, 40, -2, delta), 1e-10, 1e-10, "d1");
  assertAllClose(d2, sampled(cubicD2, 40, -2, delta), 1e-9, 1e-9, "d2");
  assertAllClose(d3, new Float64Array(40).fill(3), 1e-8, 0, "d3");
});

Deno.test("SG smoothing (deriv 0) of a quadratic with order ≥ 2 returns it unchanged", () => {
  const x = sampled((t) => 2 * t * t - 3 * t + 0.5, 25, -1, 0.13);
  for (const order of [2, 3, 4, 6]) {
    assertAllClose(savgolFilter(x, { window: 11, order }), x, 1e-11, 1e-12, `order ${order}`);
  }
});

// Reference: /usr/bin/python3 -c 'import numpy as np; from scipy.signal import savgol_filter;
//   x = np.sin(0.3*np.arange(30)) + 0.01*np.arange(30)**2;
//   print(savgol_filter(x, 7, 2).tolist()); print(savgol_filter(x, 9, 4, deriv=2, delta=0.5).tolist())'
// (scipy 1.10.1; mode='interp' is savgol_filter's default)
const SCIPY_W7_O2 = [
  -0.017191867610222067,
  0.32434668008388917,
  0.620311081058816,
  0.8707013353145601,
  1.0889150545409094,
  1.2441515584875065,
  1.3305834645474985,
  1.350316040360842,
  1.313199146526042,
  1.2359473778882446,
  1.140646998561985,
  1.052783041736277,
  0.9989628075606711,
  1.0045391122661178,
  1.0913455965981125,
  1.2757463917149683,
  1.5671743600879364,
  1.9672884859900839,
  2.469825683372053,
  3.0611602586858044,
  3.7215210535085284,
  4.4267575432410755,
  5.150497131544072,
  5.8665009358246945,
  6.55100762847271,
  7.184855965488685,
  7.75519640334347,
  8.257949060330201,
  8.697111294173936,
  9.072683104874672,
];
const SCIPY_W9_O4_D2 = [
  0.11269520268065536,
  -0.021232920807987388,
  -0.12708068192767785,
  -0.20484808067841598,
  -0.25453511706024834,
  -0.27802908604879684,
  -0.26954138308116704,
  -0.22983018938494815,
  -0.16244278762311226,
  -0.0733986936984341,
  0.029348048674474936,
  0.13661937900505217,
  0.23883306883583555,
  0.3268586736722856,
  0.39283312839672635,
  0.4308631314571201,
  0.4375515759429853,
  0.412301003028265,
  0.3573669711888816,
  0.2776565738816963,
  0.18029010350057195,
  0.0739650168628474,
  -0.03182098270495182,
  -0.12761834691872043,
  -0.2048697825418584,
  -0.25667464890433234,
  -0.2766448375659732,
  -0.2683550748520312,
  -0.2318053607621539,
  -0.16699569529634156,
];

Deno.test("matches scipy savgol_filter on a non-polynomial signal (other windows, orders, deriv 2)", () => {
  const x = Float64Array.from({ length: 30 }, (_, i) => Math.sin(0.3 * i) + 0.01 * i * i);
  assertAllClose(savgolFilter(x, { window: 7, order: 2 }), SCIPY_W7_O2, 1e-11, 1e-13, "w7 o2");
  assertAllClose(
    savgolFilter(x, { window: 9, order: 4, deriv: 2, delta: 0.5 }),
    SCIPY_W9_O4_D2,
    1e-10,
    1e-12,
  );
});

Deno.test("savgol rejects even windows, too high orders/derivatives and short signals", () => {
  const x = new Float64Array(30);
  assert.throws(() => savgolFilter(x, { window: 8, order: 2 }), RangeError);
  assert.throws(() => savgolFilter(x, { window: 7, order: 7 }), RangeError);
  assert.throws(() => savgolFilter(x, { window: 7, order: 2, deriv: 3 }), RangeError);
  assert.throws(() => savgolFilter(x, { window: 7, order: 2, delta: 0 }), RangeError);
  assert.throws(() => savgolFilter(new Float64Array(5), { window: 7, order: 2 }), RangeError);
});
