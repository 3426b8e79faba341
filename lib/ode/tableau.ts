/**
 * Butcher tableaus of the explicit Runge–Kutta methods: Dormand–Prince 5(4) (Dormand & Prince 1980,
 * the 5th-order solution is propagated, FSAL), classic RK4 and explicit Euler.
 */

/** An explicit Runge–Kutta method: nodes c, lower-triangular a, weights b, optional embedded error weights. */
export interface Tableau {
  readonly name: string;
  /** Order of the propagated solution (for convergence checks and the step-size exponent). */
  readonly order: number;
  readonly c: readonly number[];
  /** a[i][j], j < i; a[0] is empty. */
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  /** b − b̂ (5th minus 4th order), over the stages plus the FSAL stage; absent for fixed-step methods. */
  readonly errorWeights?: readonly number[];
  /** First same as last: the stage at the new point is the next step's first stage. */
  readonly fsal: boolean;
}

/** Dormand–Prince 5(4). */
export const DOPRI5: Tableau = {
  name: "dopri5",
  order: 5,
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  ],
  b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  errorWeights: [
    35 / 384 - 5179 / 57600,
    0,
    500 / 1113 - 7571 / 16695,
    125 / 192 - 393 / 640,
    -2187 / 6784 + 92097 / 339200,
    11 / 84 - 187 / 2100,
    -1 / 40,
  ],
  fsal: true,
};

/** Classic 4th-order Runge–Kutta. */
export const RK4: Tableau = {
  name: "rk4",
  order: 4,
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  fsal: false,
};

/** Explicit Euler. */
export const EULER: Tableau = { name: "euler", order: 1, c: [0], a: [[]], b: [1], fsal: false };

/**
 * Weights of the Dormand–Prince continuous extension at x ∈ [0, 1] of a step: y(t + x·h) = y + h·Σ wᵢ kᵢ over
 * the seven stages (k₇ = f at the new point). It is the quartic through y₀, y₁, f₀, f₁ and the 4th-order
 * midpoint value y(½) = y + h·Σ mᵢ kᵢ (Shampine 1986; the midpoint weights used by torchdiffeq).
 */
export function dopri5DenseWeights(x: number): Float64Array {
  const mid = [
    6025192743 / 30085553152 / 2,
    0,
    51252292925 / 65400821598 / 2,
    -2691868925 / 45128329728 / 2,
    187940372067 / 1594534317056 / 2,
    -1776094331 / 19743644256 / 2,
    11237099 / 235043384 / 2,
  ];
  const b = [...DOPRI5.b, 0];
  // The quartic p(x) = y₀ + h(d·x + c·x² + β·x³ + α·x⁴) in terms of Δ₁ = (y₁−y₀)/h, Δm = (ym−y₀)/h, f₀, f₁:
  // α = 2(f₁−f₀) − 8Δ₁ + 16Δm, β = 5f₀ − 3f₁ + 14Δ₁ − 32Δm, c = f₁ − 4f₀ − 5Δ₁ + 16Δm, d = f₀.
  const x2 = x * x, x3 = x2 * x, x4 = x3 * x;
  const cf0 = x - 4 * x2 + 5 * x3 - 2 * x4;
  const cf1 = x2 - 3 * x3 + 2 * x4;
  const cd1 = -5 * x2 + 14 * x3 - 8 * x4;
  const cdm = 16 * x2 - 32 * x3 + 16 * x4;
  const w = new Float64Array(7);
  for (let i = 0; i < 7; i++) w[i] = cd1 * b[i] + cdm * mid[i];
  w[0] += cf0;
  w[6] += cf1;
  return w;
}
