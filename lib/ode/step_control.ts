/**
 * Adaptive step-size control, as the peer kit's W4 section specifies (torchdiffeq semantics): RMS error
 * norm scaled by atol + rtol·max(|y₀|, |y₁|), the Hairer–Nørsett–Wanner starting step, and the factor
 * h ← h·min(ifactor, max(dfactor, safety·r^(−1/5))) applied after every attempt, accepted or not.
 */
import type { VectorField } from "./field.ts";

/** Tolerances and controller constants. */
export interface StepControl {
  rtol: number;
  atol: number;
  safety: number;
  ifactor: number;
  dfactor: number;
  /** Only the first `normDims` elements enter the error norm (a seminorm for adjoint solves). */
  normDims?: number;
}

/** Defaults for float32 models (numerics.md: torchdiffeq's 1e-7/1e-9 are below float32 epsilon). */
export const DEFAULT_STEP_CONTROL: StepControl = {
  rtol: 1e-5,
  atol: 1e-6,
  safety: 0.9,
  ifactor: 10,
  dfactor: 0.2,
};

/** RMS of err / (atol + rtol·max(|y0|, |y1|)) over the first `n` elements. */
export function errorRatio(
  err: Float64Array,
  y0: Float64Array,
  y1: Float64Array,
  ctl: StepControl,
): number {
  const n = ctl.normDims ?? err.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const scale = ctl.atol + ctl.rtol * Math.max(Math.abs(y0[i]), Math.abs(y1[i]));
    const r = err[i] / scale;
    sum += r * r;
  }
  return Math.sqrt(sum / n);
}

/** The next step size after an attempt of size `h` with error ratio `r` (order-5 exponent). */
export function nextStep(h: number, r: number, ctl: StepControl): number {
  if (r === 0) return h * ctl.ifactor;
  return h * Math.min(ctl.ifactor, Math.max(ctl.dfactor, ctl.safety * r ** -0.2));
}

/** Result of the starting-step rule: the step and the number of extra evaluations it made. */
export interface InitialStep {
  h: number;
  evaluations: number;
}

/**
 * Hairer–Nørsett–Wanner II.4 starting step for an order-4 error estimate (exponent 1/5); `f0` = f(t0, y0).
 * Returns a positive magnitude; the caller applies the direction of integration.
 */
export function initialStep(
  field: VectorField,
  t0: number,
  y0: Float64Array,
  f0: Float64Array,
  direction: number,
  ctl: StepControl,
): InitialStep {
  const n = ctl.normDims ?? y0.length;
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) scale[i] = ctl.atol + ctl.rtol * Math.abs(y0[i]);
  const d0 = scaledRms(y0, scale), d1 = scaledRms(f0, scale);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
  const y1 = new Float64Array(y0.length), f1 = new Float64Array(y0.length);
  for (let i = 0; i < y0.length; i++) y1[i] = y0[i] + direction * h0 * f0[i];
  field.eval(t0 + direction * h0, y1, f1);
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = f1[i] - f0[i];
  const d2 = scaledRms(diff, scale) / h0;
  const dMax = Math.max(d1, d2);
  const h1 = dMax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dMax) ** (1 / 5);
  return { h: Math.min(100 * h0, h1), evaluations: 1 };
}

function scaledRms(v: Float64Array, scale: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < scale.length; i++) sum += (v[i] / scale[i]) ** 2;
  return Math.sqrt(sum / scale.length);
}
