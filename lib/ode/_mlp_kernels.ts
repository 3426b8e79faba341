/**
 * The three small float64 products of an MLP field's evaluation and vector–Jacobian product, register-blocked
 * four rows × four columns: each loaded value feeds four multiply-adds and the sixteen sums stay in registers
 * until the end (no load–store of the output per multiply-add, as a plain triple loop does). V8 does not
 * vectorise, so this is what bounds plain-JS products: ~2× the naive loop on W4's 8 × 64 × 64 product
 * (docs/results.md, section 6). Edges that do not fill a 4 × 4 block take a scalar loop.
 *
 * Every matrix is a row-major block of a Float64Array starting at the given offset; W (nin × nout) and b
 * (nout) live in θ as tfjs stores them.
 *
 * With a native BLAS in use (`training.blas=openblas`, lib/blas) each product is one float64
 * BLAS call instead (its kernels vectorise; other summation order, so only on that setting).
 */
import { nativeBlas } from "../blas/mod.ts";

/** out[o..] (rows × nout) = x[xo..] (rows × nin) @ W + b, then tanh when `tanh`. */
export function affineForward(
  x: Float64Array,
  xo: number,
  rows: number,
  nin: number,
  theta: Float64Array,
  wAt: number,
  bAt: number,
  nout: number,
  out: Float64Array,
  o: number,
  tanh: boolean,
): void {
  const blas = nativeBlas();
  if (blas) {
    for (let r = 0; r < rows; r++) out.set(theta.subarray(bAt, bAt + nout), o + r * nout);
    blas.dgemm(
      false,
      false,
      rows,
      nout,
      nin,
      x.subarray(xo),
      nin,
      theta.subarray(wAt),
      nout,
      1,
      out.subarray(o),
      nout,
    );
    if (tanh) { for (let k = o, end = o + rows * nout; k < end; k++) out[k] = Math.tanh(out[k]); }
    return;
  }
  const r4 = rows - (rows % 4), j4 = nout - (nout % 4);
  for (let r = 0; r < r4; r += 4) {
    const x0 = xo + r * nin, x1 = x0 + nin, x2 = x1 + nin, x3 = x2 + nin;
    for (let j = 0; j < j4; j += 4) {
      const b0 = theta[bAt + j], b1 = theta[bAt + j + 1], b2 = theta[bAt + j + 2], b3 = theta[bAt + j + 3];
      let s00 = b0, s01 = b1, s02 = b2, s03 = b3, s10 = b0, s11 = b1, s12 = b2, s13 = b3;
      let s20 = b0, s21 = b1, s22 = b2, s23 = b3, s30 = b0, s31 = b1, s32 = b2, s33 = b3;
      for (let i = 0, w = wAt + j; i < nin; i++, w += nout) {
        const w0 = theta[w], w1 = theta[w + 1], w2 = theta[w + 2], w3 = theta[w + 3];
        const a0 = x[x0 + i], a1 = x[x1 + i], a2 = x[x2 + i], a3 = x[x3 + i];
        s00 += a0 * w0, s01 += a0 * w1, s02 += a0 * w2, s03 += a0 * w3;
        s10 += a1 * w0, s11 += a1 * w1, s12 += a1 * w2, s13 += a1 * w3;
        s20 += a2 * w0, s21 += a2 * w1, s22 += a2 * w2, s23 += a2 * w3;
        s30 += a3 * w0, s31 += a3 * w1, s32 += a3 * w2, s33 += a3 * w3;
      }
      const p0 = o + r * nout + j, p1 = p0 + nout, p2 = p1 + nout, p3 = p2 + nout;
      if (tanh) {
        const th = Math.tanh;
        out[p0] = th(s00), out[p0 + 1] = th(s01), out[p0 + 2] = th(s02), out[p0 + 3] = th(s03);
        out[p1] = th(s10), out[p1 + 1] = th(s11), out[p1 + 2] = th(s12), out[p1 + 3] = th(s13);
        out[p2] = th(s20), out[p2 + 1] = th(s21), out[p2 + 2] = th(s22), out[p2 + 3] = th(s23);
        out[p3] = th(s30), out[p3 + 1] = th(s31), out[p3 + 2] = th(s32), out[p3 + 3] = th(s33);
      } else {
        out[p0] = s00, out[p0 + 1] = s01, out[p0 + 2] = s02, out[p0 + 3] = s03;
        out[p1] = s10, out[p1 + 1] = s11, out[p1 + 2] = s12, out[p1 + 3] = s13;
        out[p2] = s20, out[p2 + 1] = s21, out[p2 + 2] = s22, out[p2 + 3] = s23;
        out[p3] = s30, out[p3 + 1] = s31, out[p3 + 2] = s32, out[p3 + 3] = s33;
      }
    }
  }
  // Edges: columns past the last full block (blocked rows), then the rows past the last full block.
  for (let r = 0; r < rows; r++) {
    for (let j = r < r4 ? j4 : 0; j < nout; j++) {
      let s = theta[bAt + j];
      for (let i = 0, xi = xo + r * nin, w = wAt + j; i < nin; i++, w += nout) s += x[xi + i] * theta[w];
      out[o + r * nout + j] = tanh ? Math.tanh(s) : s;
    }
  }
}

/**
 * gx (rows × nin) = g[go..] (rows × nout) @ Wᵀ; with `act` (the layer's input activations tanh(·), rows × nin
 * at `ao`) each entry is multiplied by 1 − act², the gradient through that tanh.
 */
export function inputGradient(
  g: Float64Array,
  go: number,
  rows: number,
  nout: number,
  theta: Float64Array,
  wAt: number,
  nin: number,
  gx: Float64Array,
  act: Float64Array | null,
  ao: number,
): void {
  const blas = nativeBlas();
  if (blas) {
    blas.dgemm(false, true, rows, nin, nout, g.subarray(go), nout, theta.subarray(wAt), nout, 0, gx, nin);
  } else inputGradientJs(g, go, rows, nout, theta, wAt, nin, gx);
  if (act) {
    const n = rows * nin;
    for (let k = 0; k < n; k++) {
      const a = act[ao + k];
      gx[k] *= 1 - a * a;
    }
  }
}

function inputGradientJs(
  g: Float64Array,
  go: number,
  rows: number,
  nout: number,
  theta: Float64Array,
  wAt: number,
  nin: number,
  gx: Float64Array,
): void {
  const r4 = rows - (rows % 4), i4 = nin - (nin % 4);
  for (let r = 0; r < r4; r += 4) {
    const g0 = go + r * nout, g1 = g0 + nout, g2 = g1 + nout, g3 = g2 + nout;
    for (let i = 0; i < i4; i += 4) {
      const w0 = wAt + i * nout, w1 = w0 + nout, w2 = w1 + nout, w3 = w2 + nout;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let j = 0; j < nout; j++) {
        const v0 = theta[w0 + j], v1 = theta[w1 + j], v2 = theta[w2 + j], v3 = theta[w3 + j];
        const a0 = g[g0 + j], a1 = g[g1 + j], a2 = g[g2 + j], a3 = g[g3 + j];
        s00 += a0 * v0, s01 += a0 * v1, s02 += a0 * v2, s03 += a0 * v3;
        s10 += a1 * v0, s11 += a1 * v1, s12 += a1 * v2, s13 += a1 * v3;
        s20 += a2 * v0, s21 += a2 * v1, s22 += a2 * v2, s23 += a2 * v3;
        s30 += a3 * v0, s31 += a3 * v1, s32 += a3 * v2, s33 += a3 * v3;
      }
      const p0 = r * nin + i, p1 = p0 + nin, p2 = p1 + nin, p3 = p2 + nin;
      gx[p0] = s00, gx[p0 + 1] = s01, gx[p0 + 2] = s02, gx[p0 + 3] = s03;
      gx[p1] = s10, gx[p1 + 1] = s11, gx[p1 + 2] = s12, gx[p1 + 3] = s13;
      gx[p2] = s20, gx[p2 + 1] = s21, gx[p2 + 2] = s22, gx[p2 + 3] = s23;
      gx[p3] = s30, gx[p3 + 1] = s31, gx[p3 + 2] = s32, gx[p3 + 3] = s33;
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let i = r < r4 ? i4 : 0; i < nin; i++) {
      let s = 0;
      for (let j = 0, gr = go + r * nout, w = wAt + i * nout; j < nout; j++) s += g[gr + j] * theta[w + j];
      gx[r * nin + i] = s;
    }
  }
}

/** dW += xᵀ g and db += Σ_rows g, for x[xo..] (rows × nin) and g[go..] (rows × nout). */
export function accumulateWeightGradient(
  x: Float64Array,
  xo: number,
  g: Float64Array,
  go: number,
  rows: number,
  nin: number,
  nout: number,
  dParams: Float64Array,
  wAt: number,
  bAt: number,
): void {
  for (let r = 0; r < rows; r++) {
    const gr = go + r * nout;
    for (let j = 0; j < nout; j++) dParams[bAt + j] += g[gr + j];
  }
  const blas = nativeBlas();
  if (blas) {
    const xs = x.subarray(xo), gs = g.subarray(go);
    return blas.dgemm(true, false, nin, nout, rows, xs, nin, gs, nout, 1, dParams.subarray(wAt), nout);
  }
  const i4 = nin - (nin % 4), j4 = nout - (nout % 4);
  for (let i = 0; i < i4; i += 4) {
    for (let j = 0; j < j4; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let r = 0, xr = xo + i, gr = go + j; r < rows; r++, xr += nin, gr += nout) {
        const a0 = x[xr], a1 = x[xr + 1], a2 = x[xr + 2], a3 = x[xr + 3];
        const v0 = g[gr], v1 = g[gr + 1], v2 = g[gr + 2], v3 = g[gr + 3];
        s00 += a0 * v0, s01 += a0 * v1, s02 += a0 * v2, s03 += a0 * v3;
        s10 += a1 * v0, s11 += a1 * v1, s12 += a1 * v2, s13 += a1 * v3;
        s20 += a2 * v0, s21 += a2 * v1, s22 += a2 * v2, s23 += a2 * v3;
        s30 += a3 * v0, s31 += a3 * v1, s32 += a3 * v2, s33 += a3 * v3;
      }
      const p0 = wAt + i * nout + j, p1 = p0 + nout, p2 = p1 + nout, p3 = p2 + nout;
      dParams[p0] += s00, dParams[p0 + 1] += s01, dParams[p0 + 2] += s02, dParams[p0 + 3] += s03;
      dParams[p1] += s10, dParams[p1 + 1] += s11, dParams[p1 + 2] += s12, dParams[p1 + 3] += s13;
      dParams[p2] += s20, dParams[p2 + 1] += s21, dParams[p2 + 2] += s22, dParams[p2 + 3] += s23;
      dParams[p3] += s30, dParams[p3 + 1] += s31, dParams[p3 + 2] += s32, dParams[p3 + 3] += s33;
    }
  }
  for (let i = 0; i < nin; i++) {
    for (let j = i < i4 ? j4 : 0; j < nout; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += x[xo + r * nin + i] * g[go + r * nout + j];
      dParams[wAt + i * nout + j] += s;
    }
  }
}
