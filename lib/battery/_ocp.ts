/**
 * Half-cell open-circuit potentials of the LG M50 (Chen et al., J. Electrochem. Soc. 167 (2020) 080534):
 * graphite-SiOx negative electrode U_NE(x) and NMC811 positive electrode U_PE(y), in volts vs Li/Li+.
 * x and y are the lithium stoichiometries (0 = empty, 1 = full).
 */

/** Negative-electrode (graphite-SiOx) OCP in V at lithium stoichiometry x. */
export function ocpNegative(x: number): number {
  return 1.9793 * Math.exp(-39.3631 * x) + 0.2482 -
    0.0909 * Math.tanh(29.8538 * (x - 0.1234)) -
    0.04478 * Math.tanh(14.9159 * (x - 0.2769)) -
    0.0205 * Math.tanh(30.4444 * (x - 0.6103));
}

/** Positive-electrode (NMC811) OCP in V at lithium stoichiometry y. */
export function ocpPositive(y: number): number {
  return -0.8090 * y + 4.4875 -
    0.0428 * Math.tanh(18.5138 * (y - 0.5542)) -
    17.7326 * Math.tanh(15.7890 * (y - 0.3117)) +
    17.5842 * Math.tanh(15.9308 * (y - 0.3120));
}

/**
 * A tabulated OCP on a uniform grid over [0, 1] with linear interpolation: the curve writer evaluates
 * millions of points, and a 1/20000 grid keeps the interpolation error below a microvolt.
 */
export class OcpTable {
  readonly #values: Float64Array;
  readonly #steps: number;

  constructor(ocp: (s: number) => number, steps = 20000) {
    this.#steps = steps;
    this.#values = new Float64Array(steps + 1);
    for (let i = 0; i <= steps; i++) this.#values[i] = ocp(i / steps);
  }

  /** Interpolated OCP at stoichiometry s (clamped to [0, 1]). */
  at(s: number): number {
    const pos = Math.min(Math.max(s, 0), 1) * this.#steps;
    const i = Math.min(Math.floor(pos), this.#steps - 1);
    const f = pos - i;
    return this.#values[i] + f * (this.#values[i + 1] - this.#values[i]);
  }
}
