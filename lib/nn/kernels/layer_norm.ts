/**
 * Layer normalisation over the last axis as one tfjs op with a hand-written gradient, for the host
 * backends' fast path (`training.blas=openblas`). The tfjs composition (`tf.moments`, sub, div, sqrt, mul,
 * add) records ~10 kernels forward and ~20 backward, and each Mean gradient fills a ones tensor of the
 * input's size in a JS loop: ~6 % of a W3 step on OpenBLAS (docs/results.md §6). Here one pass each way
 * over plain arrays, row statistics in float64.
 *
 * y = (x − μ) / √(σ² + ε) · γ + β per row, σ² the biased variance (as torch and lib/nn/layers/_layer_norm.ts).
 * Backward, with x̂ = (x − μ)·r, r = 1/√(σ² + ε), g = dy·γ (n = width):
 *   dx = r · (g − mean(g) − x̂ · mean(g · x̂)),  dγ = Σ_rows dy · x̂,  dβ = Σ_rows dy.
 * Its float64 statistics differ from the float32 kernels in the last bits, so the builtin path keeps the
 * composition (earlier results stay reproducible to the digit).
 */
import * as tf from "@tensorflow/tfjs";
import { tensorValues } from "./gemm.ts";

/** LayerNorm of x (…, n) over its last axis with gain and bias (n); differentiable in all three. */
export function fusedLayerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const n = x.shape[x.rank - 1], rows = x.size / n;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, gs, bs] = args as tf.Tensor[];
    // Copies (memcpy), not heap views: the loops below index them, and V8 indexes views of WebAssembly
    // memory several times slower (bidirectional_lstm.ts).
    const xv = tensorValues(xs).slice(), gv = tensorValues(gs).slice(), bv = tensorValues(bs).slice();
    const xhat = new Float32Array(rows * n), rstd = new Float64Array(rows), y = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const at = r * n;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += xv[at + j];
      mean /= n;
      let variance = 0;
      for (let j = 0; j < n; j++) variance += (xv[at + j] - mean) ** 2;
      const inv = 1 / Math.sqrt(variance / n + epsilon);
      rstd[r] = inv;
      for (let j = 0; j < n; j++) {
        const h = (xv[at + j] - mean) * inv;
        xhat[at + j] = h;
        y[at + j] = h * gv[j] + bv[j];
      }
    }
    const gradFunc = (dy: tf.Tensor) => {
      const d = tensorValues(dy).slice();
      const dx = new Float32Array(rows * n), dGain = new Float64Array(n), dBias = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        const at = r * n;
        let meanG = 0, meanGx = 0;
        for (let j = 0; j < n; j++) {
          const g = d[at + j] * gv[j];
          meanG += g;
          meanGx += g * xhat[at + j];
          dGain[j] += d[at + j] * xhat[at + j];
          dBias[j] += d[at + j];
        }
        meanG /= n;
        meanGx /= n;
        const inv = rstd[r];
        for (let j = 0; j < n; j++) dx[at + j] = inv * (d[at + j] * gv[j] - meanG - xhat[at + j] * meanGx);
      }
      return [
        tf.tensor(dx, xs.shape),
        tf.tensor(Float32Array.from(dGain), gs.shape),
        tf.tensor(Float32Array.from(dBias), bs.shape),
      ];
    };
    return { value: tf.tensor(y, xs.shape), gradFunc };
  });
  return op(x, gain, bias) as tf.Tensor;
}

/** Mean over axis 1 of (B, T, D) as one op (the tfjs Mean gradient fills a ones tensor of x's size). */
export function fusedMeanOverSteps(x: tf.Tensor3D): tf.Tensor2D {
  const [B, T, D] = x.shape;
  const op = tf.customGrad((...args: unknown[]) => {
    const xv = tensorValues(args[0] as tf.Tensor).slice();
    const out = new Float64Array(B * D);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const at = (b * T + t) * D;
        for (let j = 0; j < D; j++) out[b * D + j] += xv[at + j];
      }
    }
    for (let i = 0; i < out.length; i++) out[i] /= T;
    const gradFunc = (dy: tf.Tensor) => {
      const d = tensorValues(dy).slice(), dx = new Float32Array(B * T * D);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const at = (b * T + t) * D;
          for (let j = 0; j < D; j++) dx[at + j] = d[b * D + j] / T;
        }
      }
      return [tf.tensor3d(dx, [B, T, D])];
    };
    return { value: tf.tensor2d(Float32Array.from(out), [B, D]), gradFunc };
  });
  return op(x) as tf.Tensor2D;
}
