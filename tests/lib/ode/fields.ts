/** Test fields with closed-form solutions: dy/dt = λy and the harmonic oscillator x'' = −ω²x. */
import type { DifferentiableField } from "../../../lib/ode/field.ts";

/** dy/dt = λ·y elementwise on `dim` values; θ = [λ]. */
export class ExponentialField implements DifferentiableField {
  readonly paramCount = 1;
  constructor(readonly dim: number, public lambda: number) {}
  eval(_t: number, y: Float64Array, out: Float64Array): void {
    for (let i = 0; i < this.dim; i++) out[i] = this.lambda * y[i];
  }
  vjp(_t: number, y: Float64Array, a: Float64Array, dy: Float64Array | null, dp: Float64Array | null): void {
    for (let i = 0; i < this.dim; i++) {
      if (dy) dy[i] += this.lambda * a[i];
      if (dp) dp[0] += a[i] * y[i];
    }
  }
}

/** [x, v]' = [v, −ω²x]; θ = [ω]. */
export class OscillatorField implements DifferentiableField {
  readonly dim = 2;
  readonly paramCount = 1;
  constructor(public omega: number) {}
  eval(_t: number, y: Float64Array, out: Float64Array): void {
    out[0] = y[1];
    out[1] = -this.omega * this.omega * y[0];
  }
  vjp(_t: number, y: Float64Array, a: Float64Array, dy: Float64Array | null, dp: Float64Array | null): void {
    if (dy) {
      dy[0] += -this.omega * this.omega * a[1];
      dy[1] += a[0];
    }
    if (dp) dp[0] += a[1] * -2 * this.omega * y[0];
  }
}

/** x(t) of the oscillator and its derivatives with respect to ω, x0 and v0. */
export function oscillatorExact(omega: number, x0: number, v0: number, t: number) {
  const s = Math.sin(omega * t), c = Math.cos(omega * t);
  return {
    x: x0 * c + (v0 / omega) * s,
    dOmega: -x0 * t * s - (v0 / (omega * omega)) * s + (v0 * t / omega) * c,
    dx0: c,
    dv0: s / omega,
  };
}
