import { assertClose, assertEquals } from "./assert.ts";
import { binMatrix } from "../../../lib/gbdt/binning.ts";
import {
  buildHistogram,
  type LeafRows,
  newHistogram,
  subtractHistogram,
} from "../../../lib/gbdt/histogram.ts";
import { seededUniform } from "../../../lib/gbdt/random.ts";

function fixture() {
  const random = seededUniform(11);
  const rows = 300, cols = 5;
  const values = Float64Array.from(
    { length: rows * cols },
    (_, k) => (k % 7 === 3 ? NaN : Math.round(random() * 40)),
  );
  const data = binMatrix({ rows, cols, values }, 16);
  const grad = Float64Array.from({ length: rows }, () => random() - 0.5);
  const hess = Float64Array.from({ length: rows }, () => 0.5 + random());
  return { data, grad, hess, features: Int32Array.of(0, 1, 2, 3, 4) };
}

function leafOf(
  rows: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  constantHessian?: number,
): LeafRows {
  return {
    rows,
    begin: 0,
    count: rows.length,
    grad: Float64Array.from(rows, (r) => grad[r]),
    hess: Float64Array.from(rows, (r) => hess[r]),
    constantHessian,
  };
}

Deno.test("histogram: direct build equals brute-force per-bin sums", () => {
  const { data, grad, hess, features } = fixture();
  const rows = Int32Array.from({ length: data.rows }, (_, i) => i).filter((i) => i % 3 !== 0);
  const hist = newHistogram(data);
  buildHistogram(hist, data, leafOf(rows, grad, hess), features);
  for (let j = 0; j < data.cols; j++) {
    for (let b = 0; b < data.binCounts[j]; b++) {
      let g = 0, h = 0, c = 0;
      for (const r of rows) {
        if (data.bins[j * data.rows + r] === b) {
          g += grad[r];
          h += hess[r];
          c++;
        }
      }
      const at = data.binOffsets[j] + b;
      assertClose(hist.grad[at], g, 1e-12);
      assertClose(hist.hess[at], h, 1e-12);
      assertEquals(hist.count[at], c);
    }
  }
});

Deno.test("histogram: parent − smaller child equals the larger child built directly", () => {
  const { data, grad, hess, features } = fixture();
  const all = Int32Array.from({ length: data.rows }, (_, i) => i);
  const small = all.filter((i) => i % 4 === 1), large = all.filter((i) => i % 4 !== 1);
  for (const constant of [undefined, 1]) {
    const parent = newHistogram(data), smaller = newHistogram(data), direct = newHistogram(data);
    buildHistogram(parent, data, leafOf(all, grad, hess, constant), features);
    buildHistogram(smaller, data, leafOf(small, grad, hess, constant), features);
    buildHistogram(direct, data, leafOf(large, grad, hess, constant), features);
    subtractHistogram(parent, smaller, data, features);
    for (let b = 0; b < parent.grad.length; b++) {
      assertClose(parent.grad[b], direct.grad[b], 1e-12);
      assertClose(parent.hess[b], direct.hess[b], 1e-12);
      assertEquals(parent.count[b], direct.count[b]);
    }
  }
});

Deno.test("histogram: constant hessian gives h = count × constant; odd feature count handled", () => {
  const { data, grad, hess } = fixture();
  const rows = Int32Array.from({ length: 50 }, (_, i) => 2 * i);
  const hist = newHistogram(data);
  const features = Int32Array.of(0, 2, 4);
  buildHistogram(hist, data, leafOf(rows, grad, hess, 2), features);
  for (const j of features) {
    let total = 0;
    for (let b = data.binOffsets[j]; b < data.binOffsets[j + 1]; b++) {
      assertEquals(hist.hess[b], hist.count[b] * 2);
      total += hist.count[b];
    }
    assertEquals(total, 50);
  }
  // Features not asked for stay untouched (zero).
  for (let b = data.binOffsets[1]; b < data.binOffsets[2]; b++) assertEquals(hist.count[b], 0);
});
