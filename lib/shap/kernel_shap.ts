/**
 * KernelSHAP (Lundberg & Lee 2017): Shapley values as the weighted least-squares fit of an additive model
 * to v(S) over coalitions, with the Shapley kernel π(z) = (M−1)/(C(M,|z|)·|z|·(M−|z|)) and the efficiency
 * constraint Σφ = v(all) − v(∅) imposed exactly by eliminating the last feature. With every coalition the
 * fit is the exact Shapley value; otherwise coalitions are sampled from the kernel (sizes ∝ 1/(s(M−s)),
 * each with its complement, as antithetic pairs cancel most of the sampling noise).
 */
import { solveLinear } from "./_solve.ts";
import { maskToCoalition } from "./coalition_values.ts";

/** Coalitions to evaluate and their regression weights. */
export interface WeightedCoalitions {
  coalitions: Uint8Array[];
  weights: Float64Array;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The Shapley kernel weight of a coalition of size s among m features (0 < s < m). */
export function kernelWeight(m: number, s: number): number {
  return (m - 1) / (binomial(m, s) * s * (m - s));
}

/** Every coalition except the empty and the full one, with its kernel weight (exact KernelSHAP). */
export function allCoalitions(m: number): WeightedCoalitions {
  if (m > 30) throw new RangeError(`cannot enumerate 2^${m} coalitions`);
  const coalitions: Uint8Array[] = [];
  const weights: number[] = [];
  for (let mask = 1; mask < 2 ** m - 1; mask++) {
    const z = maskToCoalition(mask, m);
    coalitions.push(z);
    weights.push(kernelWeight(m, z.reduce((a, b) => a + b, 0)));
  }
  return { coalitions, weights: Float64Array.from(weights) };
}

/** About `budget` coalitions drawn from the kernel in complementary pairs; repeats add up their weight. */
export function sampledCoalitions(m: number, budget: number, random: () => number): WeightedCoalitions {
  const sizeWeight = Array.from({ length: m - 1 }, (_, i) => 1 / ((i + 1) * (m - i - 1)));
  const total = sizeWeight.reduce((a, b) => a + b, 0);
  const counts = new Map<string, { z: Uint8Array; n: number }>();
  const add = (z: Uint8Array) => {
    const key = z.join("");
    const hit = counts.get(key);
    if (hit) hit.n++;
    else counts.set(key, { z, n: 1 });
  };
  for (let drawn = 0; drawn < budget; drawn += 2) {
    const z = randomSubset(m, drawSize(sizeWeight, total, random), random);
    add(z);
    add(z.map((b) => 1 - b));
  }
  const entries = [...counts.values()];
  return { coalitions: entries.map((e) => e.z), weights: Float64Array.from(entries, (e) => e.n) };
}

function drawSize(sizeWeight: number[], total: number, random: () => number): number {
  let u = random() * total;
  for (let i = 0; i < sizeWeight.length; i++) {
    u -= sizeWeight[i];
    if (u < 0) return i + 1;
  }
  return sizeWeight.length;
}

/** A uniformly random subset of size s (partial Fisher–Yates). */
function randomSubset(m: number, s: number, random: () => number): Uint8Array {
  const order = Array.from({ length: m }, (_, i) => i);
  const z = new Uint8Array(m);
  for (let i = 0; i < s; i++) {
    const j = i + Math.floor(random() * (m - i));
    [order[i], order[j]] = [order[j], order[i]];
    z[order[i]] = 1;
  }
  return z;
}

/** Values of the coalitions (C·K), of the empty (K) and of the full coalition (K). */
export interface CoalitionValueSet {
  values: Float64Array;
  empty: Float64Array;
  full: Float64Array;
}

/** The constrained weighted least-squares fit: φ (m per output, K outputs) with Σφ = full − empty exactly. */
export function kernelShapFit(set: WeightedCoalitions, v: CoalitionValueSet, m: number): Float64Array[] {
  const K = v.empty.length;
  const delta = Array.from(v.full, (f, k) => f - v.empty[k]);
  if (m === 1) return delta.map((d) => Float64Array.of(d));
  const n = m - 1;
  const a = new Float64Array(n * n), b = new Float64Array(n * K);
  const xRow = new Float64Array(n);
  set.coalitions.forEach((z, c) => {
    const w = set.weights[c];
    for (let j = 0; j < n; j++) xRow[j] = z[j] - z[m - 1];
    for (let i = 0; i < n; i++) {
      if (xRow[i] === 0) continue;
      for (let j = 0; j < n; j++) a[i * n + j] += w * xRow[i] * xRow[j];
      for (let k = 0; k < K; k++) {
        const y = v.values[c * K + k] - v.empty[k] - z[m - 1] * delta[k];
        b[i * K + k] += w * xRow[i] * y;
      }
    }
  });
  const sol = solveLinear(a, b, n, K);
  return delta.map((d, k) => {
    const phi = new Float64Array(m);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += phi[j] = sol[j * K + k];
    phi[m - 1] = d - sum;
    return phi;
  });
}
