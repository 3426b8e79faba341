import assert from "node:assert/strict";
import { trackTransitions } from "../../../lib/signal/peak_tracking.ts";
import { referenceTransitions } from "../../../lib/battery/mod.ts";

const peak = (voltage: number, prominence = 1) => ({ voltage, prominence });
const REFS = [{ name: "a", voltageV: 3.5 }, { name: "b", voltageV: 3.8 }, { name: "c", voltageV: 4.1 }];

Deno.test("trackTransitions: windows at the first curve, nearest within maxShift afterwards", () => {
  const curves = [
    [peak(3.52, 2), peak(3.55, 5), peak(3.79), peak(4.08)], // a takes the more prominent 3.55 in [−∞, 3.65)
    [peak(3.57), peak(3.71), peak(4.2)], // b moved 0.08 (> maxShift 0.05): missing; c moved 0.12: missing
    [peak(3.60), peak(3.77), peak(4.11)], // b found again near its last position 3.79
  ];
  const got = trackTransitions(REFS, curves, { maxShiftV: 0.05 }).map((row) => row.map((p) => p?.voltage));
  assert.deepEqual(got, [[3.55, 3.79, 4.08], [3.57, undefined, undefined], [3.6, 3.77, 4.11]]);
});

Deno.test("trackTransitions: a rank-2 peak that changes transitions keeps its name (the issue's cell 5/D case)", () => {
  // Ranked by prominence, the second peak is at 3.61 V first and at 3.82 V later; tracked, each stays put.
  const curves = [[peak(4.05, 9), peak(3.61, 5), peak(3.82, 4)], [
    peak(4.04, 9),
    peak(3.82, 6),
    peak(3.60, 3),
  ]];
  const refs = [{ name: "x", voltageV: 3.62 }, { name: "y", voltageV: 3.83 }, { name: "z", voltageV: 4.06 }];
  const got = trackTransitions(refs, curves, { maxShiftV: 0.05 }).map((row) => row.map((p) => p?.voltage));
  assert.deepEqual(got, [[3.61, 3.82, 4.05], [3.6, 3.82, 4.04]]);
});

Deno.test("trackTransitions: two transitions never share a peak; the offset shifts the first windows", () => {
  const refs = [{ name: "a", voltageV: 3.5 }, { name: "b", voltageV: 3.56 }];
  const got = trackTransitions(refs, [[peak(3.52), peak(3.58)], [peak(3.555)]], { maxShiftV: 0.05 });
  assert.deepEqual(got.map((r) => r.map((p) => p?.voltage)), [[3.52, 3.58], [undefined, 3.555]]);
  const shifted = trackTransitions([{ name: "a", voltageV: 3.5 }, { name: "b", voltageV: 3.8 }], [[
    peak(3.62),
  ]], {
    maxShiftV: 0.05,
    offsetV: 0.2,
  });
  assert.deepEqual(shifted[0].map((p) => p?.voltage), [3.62, undefined]); // windows split at 3.85, not 3.65
});

Deno.test("referenceTransitions: the fresh LG M50's dQ/dV peaks from the OCPs, named by electrode", () => {
  const refs = referenceTransitions();
  assert.deepEqual(refs.map((r) => r.name), ["pe1", "ne1", "ne2", "ne3", "ne4", "ne5"]);
  // Voltages high to low; the NMC peak near 4.1 V and the graphite-stage peak near 3.45 V (the windows
  // scripts/ica_directions.ts uses: 4.00–4.12 V and 3.35–3.55 V).
  refs.forEach((r, i) => i > 0 && assert.ok(r.voltageV < refs[i - 1].voltageV));
  assert.ok(refs[0].voltageV > 4.0 && refs[0].voltageV < 4.12, `${refs[0].voltageV}`);
  assert.ok(refs[4].voltageV > 3.35 && refs[4].voltageV < 3.55, `${refs[4].voltageV}`);
  // The NMC peak is the fresh cell's tallest (its plateau is the flattest stretch of the OCV).
  assert.ok(refs.every((r) => r.dqdvAhPerV > 0 && r.dqdvAhPerV <= refs[0].dqdvAhPerV));
});
