import { assertEquals } from "./assert.ts";
import { binMatrix } from "../../../lib/gbdt/binning.ts";
import { seededUniform } from "../../../lib/random/mod.ts";
import { ScanKernel, type ScanLimits } from "../../../lib/gbdt/_scan_kernel.ts";
import { LearnerWorkspace } from "../../../lib/gbdt/_workspace.ts";

const VALUE_BINS = 12;

/**
 * A workspace whose first histogram holds one feature's slots: 12 value bins and a NaN bin, gradient sums
 * multiples of 1/8 and small integer counts (some empty). With ε and the hessian per row also dyadic, every
 * partial sum is exact, so sums taken from scratch equal the kernel's running sums bit for bit.
 */
function setup(seed: number) {
  const values = Float64Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? NaN : i));
  const ws = new LearnerWorkspace(binMatrix({ rows: 40, cols: 1, values }, VALUE_BINS + 1, 1), 1);
  const random = seededUniform(seed);
  const slots = ws.histograms[0].sums;
  for (let b = 0; b <= VALUE_BINS; b++) {
    const count = Math.floor(random() * 4);
    slots[2 * b] = count === 0 ? 0 : Math.round((random() - 0.5) * 64) / 8;
    slots[2 * b + 1] = count;
  }
  return { ws, kernel: new ScanKernel(ws.kernels, ws.scanIo), slots };
}

const score = (g: number, h: number, l: ScanLimits) => {
  const t = Math.sign(g) * Math.max(Math.abs(g) - l.l1, 0);
  return (t * t) / (h + l.l2);
};

/** Every threshold from scratch, in scan order; the first strictly best valid one above the bar wins. */
function bruteForce(slots: Float64Array, forward: boolean, l: ScanLimits, bar: number) {
  const bins = VALUE_BINS + 1;
  let totalG = 0, totalC = 0;
  for (let b = 0; b < bins; b++) {
    totalG += slots[2 * b];
    totalC += slots[2 * b + 1];
  }
  const totalH = totalC * l.hessianPerRow;
  const thresholds = forward
    ? Array.from({ length: VALUE_BINS }, (_, t) => t)
    : Array.from({ length: VALUE_BINS - 1 }, (_, i) => VALUE_BINS - 2 - i);
  let best = { threshold: -1, gain: bar, lg: 0, lh: 0, lc: 0 }, splittable = false;
  for (const t of thresholds) {
    // Left: value bins ≤ t, plus the NaN bin in a reverse pass.
    let lg = 0, lc = 0;
    for (let b = 0; b <= t; b++) {
      lg += slots[2 * b];
      lc += slots[2 * b + 1];
    }
    if (!forward) {
      lg += slots[2 * VALUE_BINS];
      lc += slots[2 * VALUE_BINS + 1];
    }
    // The side a pass accumulates (left forward, right reverse) starts from ε; the other is the total
    // minus it (so it lacks ε), as in LightGBM.
    const rc = totalC - lc, rg = totalG - lg;
    const accumulated = (forward ? lc : rc) * l.hessianPerRow + l.epsilon;
    const lh = forward ? accumulated : totalH - accumulated;
    const rh = forward ? totalH - accumulated : accumulated;
    if (lc < l.minData || rc < l.minData || lh < l.minHess || rh < l.minHess) continue;
    const gain = score(lg, lh, l) + score(rg, rh, l);
    if (gain <= l.shift) continue;
    splittable = true;
    if (gain > best.gain) best = { threshold: t, gain, lg, lh, lc };
  }
  return { totals: { grad: totalG, hess: totalH, count: totalC }, best, splittable };
}

// Every combination of the limits; small counts (0–3 per bin) and these minima put many thresholds exactly
// on a limit (2 rows; 2·1 + 0.25 = 2.25 hessian), where ≥ must pass and < must not.
const LIMITS: ScanLimits[] = [];
for (const minData of [1, 2, 3]) {
  for (const minHess of [0, 2.25]) {
    for (const [l1, l2] of [[0, 0], [0.75, 1]]) {
      for (const hessianPerRow of [1, 0.5]) {
        LIMITS.push({ minData, minHess, l1, l2, shift: l1 === 0 ? 0 : 0.5, hessianPerRow, epsilon: 0.25 });
      }
    }
  }
}

Deno.test("scan: both passes find the brute-force best threshold, gain and left sums bit for bit", () => {
  let found = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const { kernel, slots } = setup(seed);
    for (const limits of LIMITS) {
      for (const forward of [false, true]) {
        for (const lowBar of [true, false]) {
          const probe = bruteForce(slots, forward, limits, limits.shift);
          // A bar just below the best gain: only that threshold (or an equal later one, which loses) beats it.
          const bar = lowBar || probe.best.threshold < 0 ? limits.shift : probe.best.gain * (1 - 1e-9);
          const { totals, best, splittable } = bruteForce(slots, forward, limits, bar);
          kernel.setLeaf(totals, limits);
          kernel.pass(forward, slots.byteOffset, VALUE_BINS, bar);
          const where = `seed ${seed}, limits ${JSON.stringify(limits)}, forward ${forward}, bar ${bar}`;
          assertEquals(kernel.threshold, best.threshold, where);
          assertEquals(kernel.splittable, splittable, where);
          if (best.threshold < 0) continue;
          found++;
          assertEquals(
            [kernel.gain, kernel.leftGrad, kernel.leftHess, kernel.leftCount],
            [best.gain, best.lg, best.lh, best.lc],
            where,
          );
        }
      }
    }
  }
  // The table exercises real choices, not only "no split".
  assertEquals(found > 1000, true, `only ${found} passes found a split`);
});

Deno.test("scan: a bar above every gain finds nothing but still reports the feature splittable", () => {
  const { kernel, slots } = setup(3);
  const limits = LIMITS[0];
  const { totals, best, splittable } = bruteForce(slots, false, limits, limits.shift);
  assertEquals(splittable, true);
  kernel.setLeaf(totals, limits);
  kernel.pass(false, slots.byteOffset, VALUE_BINS, best.gain * 2);
  assertEquals(kernel.threshold, -1);
  assertEquals(kernel.splittable, true);
});
