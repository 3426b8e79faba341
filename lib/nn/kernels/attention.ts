/**
 * Scaled dot-product attention over all heads as one tfjs op with a hand-written gradient. The plain-tfjs
 * version splits heads with 4-/5-D transposes and runs its batched (B·heads) products on the wasm
 * backend's scalar loop (XNNPACK takes no batch axis); with their gradients that was ~40 % of a W3 step
 * (docs/results.md, section 6). Here each (batch, head) pair is a handful of small products on XNNPACK
 * (`gemm`) and a softmax, on Float32Arrays.
 *
 * q, k, v (B, T, D) hold the heads side by side (head h = columns h·D/heads … (h+1)·D/heads − 1, as
 * torch.nn.MultiheadAttention and lib/nn/layers/_attention.ts); the output is (B, T, D) in the same
 * layout, before any output projection. Masking matches lib/nn/layers/_attention.ts's additive −1e9 bias:
 * key j is hidden from query s when `keyMask[b, j]` is 0 or (with `causal`) j > s.
 *
 * On a GPU backend (WebGPU) the op cannot read its inputs back synchronously; there it is the plain-tfjs
 * formulation of lib/nn/layers/_attention.ts (same bias, same head layout), batched on the device.
 */
import * as tf from "@tensorflow/tfjs";
import { gemm, transposeInto } from "./gemm.ts";
import { staleViews, tensorValues } from "./host_values.ts";
import { type NativeBlas, nativeBlas } from "../../blas/mod.ts";
import { attentionBias } from "../layers/_attention.ts";
import { hostBackend } from "../../train/mod.ts";

/** Options of `multiHeadAttention`. */
export interface AttentionOptions {
  heads: number;
  /** (B, T): 1 where a key may be attended (padding mask); all ones when omitted. */
  keyMask?: tf.Tensor2D;
  /** Query s sees keys ≤ s only. */
  causal?: boolean;
  /** Also return the weights as a tensor (a copy of B·heads·T² floats; off for training). */
  weights?: boolean;
}

/** Output (B, T, D) and, when asked for, the attention weights (B, heads, T, T) (not differentiable). */
export interface AttentionResult {
  output: tf.Tensor3D;
  weights?: tf.Tensor4D;
}

/** softmax(q·kᵀ/√dₕ + mask)·v per head; differentiable with respect to q, k and v. */
export function multiHeadAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  opts: AttentionOptions,
): AttentionResult {
  if (!hostBackend()) return plainAttention(q, k, v, opts);
  const [B, T, D] = q.shape;
  const kept: { probs?: Float32Array } = {};
  const dims = attentionDims(B, T, D, opts);
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, 3) as tf.Tensor3D[];
    const operands = (ts: tf.Tensor[]) => ts.map((t) => ({ data: tensorValues(t), stride: D, offset: 0 }));
    const [qs, ks, vs] = operands(inputs);
    const fwd = attentionForward(qs, ks, vs, dims);
    kept.probs = fwd.probs;
    // Heap views go stale at a tfjs allocation (host_values.ts): then the backward reads again.
    if (staleViews()) (args[3] as tf.GradSaveFunc)(inputs);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [dq, dk, dv] = [0, 1, 2].map(() => ({ data: new Float32Array(B * T * D), stride: D, offset: 0 }));
      const [q, k, v] = saved.length ? operands(saved) : [qs, ks, vs];
      attentionBackward(q, k, v, fwd.probs, tensorValues(dy), dims, dq, dk, dv);
      return [dq, dk, dv].map((g) => tf.tensor3d(g.data, [B, T, D]));
    };
    return { value: tf.tensor3d(fwd.out, [B, T, D]), gradFunc };
  });
  const output = op(q, k, v) as tf.Tensor3D;
  return withWeights(output, kept.probs, dims, opts);
}

/**
 * The same on a packed qkv (B, T, 3D) = [q | k | v] along the last axis (a fused in-projection's
 * output, as torch.nn.MultiheadAttention's in_proj); differentiable with respect to qkv.
 */
export function packedMultiHeadAttention(qkv: tf.Tensor3D, opts: AttentionOptions): AttentionResult {
  const [B, T, D3] = qkv.shape, D = D3 / 3;
  if (!Number.isInteger(D)) throw new RangeError(`packed qkv width ${D3} is not a multiple of 3`);
  if (!hostBackend()) {
    const [q, k, v] = tf.split(qkv, 3, 2) as tf.Tensor3D[];
    return plainAttention(q, k, v, opts);
  }
  const kept: { probs?: Float32Array } = {};
  const dims = attentionDims(B, T, D, opts);
  const op = tf.customGrad((...args: unknown[]) => {
    const packed = args[0] as tf.Tensor3D;
    const operands = (t: tf.Tensor) => {
      const data = tensorValues(t);
      return [0, D, 2 * D].map((offset) => ({ data, stride: D3, offset }));
    };
    const [q, k, v] = operands(packed);
    const fwd = attentionForward(q, k, v, dims);
    kept.probs = fwd.probs;
    // Heap views go stale at a tfjs allocation (host_values.ts): then the backward reads again.
    if (staleViews()) (args[1] as tf.GradSaveFunc)([packed]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const grad = new Float32Array(B * T * D3);
      const [dq, dk, dv] = [0, D, 2 * D].map((offset) => ({ data: grad, stride: D3, offset }));
      const [qb, kb, vb] = saved.length ? operands(saved[0]) : [q, k, v];
      attentionBackward(qb, kb, vb, fwd.probs, tensorValues(dy), dims, dq, dk, dv);
      return [tf.tensor3d(grad, [B, T, D3])];
    };
    return { value: tf.tensor3d(fwd.out, [B, T, D]), gradFunc };
  });
  const output = op(qkv) as tf.Tensor3D;
  return withWeights(output, kept.probs, dims, opts);
}

/** softmax(q·kᵀ/√dₕ + bias)·v with tfjs ops, the bias of lib/nn/layers/_attention.ts (any backend). */
function plainAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  opts: AttentionOptions,
): AttentionResult {
  const [B, T, D] = q.shape, heads = opts.heads;
  if (D % heads !== 0) throw new RangeError(`attention width ${D} is not divisible by ${heads} heads`);
  const dh = D / heads;
  const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
  const keyMask = opts.keyMask ?? tf.ones([B, T]) as tf.Tensor2D;
  const bias = attentionBias(keyMask, opts.causal ?? false);
  const scores = tf.add(tf.div(tf.matMul(split(q), split(k), false, true), Math.sqrt(dh)), bias);
  const weights = tf.softmax(scores, -1) as tf.Tensor4D;
  const output = tf.reshape(tf.transpose(tf.matMul(weights, split(v)), [0, 2, 1, 3]), [
    B,
    T,
    D,
  ]) as tf.Tensor3D;
  return opts.weights ? { output, weights } : { output };
}

function attentionDims(B: number, T: number, D: number, opts: AttentionOptions): AttentionDims {
  const heads = opts.heads;
  if (D % heads !== 0) throw new RangeError(`attention width ${D} is not divisible by ${heads} heads`);
  const keyMask = opts.keyMask ? opts.keyMask.dataSync() as Float32Array : null;
  return { batch: B, steps: T, width: D, heads, keyMask, causal: opts.causal ?? false };
}

function withWeights(
  output: tf.Tensor3D,
  probs: Float32Array | undefined,
  d: AttentionDims,
  opts: AttentionOptions,
): AttentionResult {
  if (!opts.weights || !probs) return { output };
  return { output, weights: tf.tensor4d(probs, [d.batch, d.heads, d.steps, d.steps]) };
}

/** Sizes and masks of one call. */
export interface AttentionDims {
  batch: number;
  steps: number;
  width: number;
  heads: number;
  keyMask: Float32Array | null;
  causal: boolean;
}

/**
 * A (B, T, ·) array holding one of q, k, v: rows of `stride` floats, the D columns of this operand
 * starting at `offset` (q, k and v may share one packed (B, T, 3D) array, as a fused in-projection
 * produces: splitting it with tf.split would copy the whole input per slice on wasm).
 */
export interface Operand {
  data: Float32Array;
  stride: number;
  offset: number;
}

// Heads are copied element by element: a `subarray` view per row (dₕ = 32 floats) cost more to create
// than the copy itself (~6 % of the W3 step in the profile of docs/results.md §6).

/** Copies head h of batch b out of an operand into a contiguous (T, dₕ) block. */
function gatherHead(src: Operand, b: number, h: number, d: AttentionDims, out: Float32Array): void {
  const dh = d.width / d.heads, data = src.data;
  for (let t = 0; t < d.steps; t++) {
    const from = (b * d.steps + t) * src.stride + src.offset + h * dh, to = t * dh;
    for (let j = 0; j < dh; j++) out[to + j] = data[from + j];
  }
}

/** Copies head h of batch b out of an operand transposed, as a (dₕ, T) block (the right operand of Q·Kᵀ). */
function gatherHeadTransposed(src: Operand, b: number, h: number, d: AttentionDims, out: Float32Array): void {
  const dh = d.width / d.heads, T = d.steps, data = src.data;
  for (let t = 0; t < T; t++) {
    const from = (b * T + t) * src.stride + src.offset + h * dh;
    for (let j = 0; j < dh; j++) out[j * T + t] = data[from + j];
  }
}

/** Writes a (T, dₕ) block into head h of batch b of an operand. */
function scatterHead(block: Float32Array, b: number, h: number, d: AttentionDims, dst: Operand): void {
  const dh = d.width / d.heads, data = dst.data;
  for (let t = 0; t < d.steps; t++) {
    const to = (b * d.steps + t) * dst.stride + dst.offset + h * dh, from = t * dh;
    for (let j = 0; j < dh; j++) data[to + j] = block[from + j];
  }
}

/** Scores (T × T, unscaled) of batch b → softmax probabilities in place, with the scale and the masks. */
function softmaxRows(p: Float32Array, b: number, d: AttentionDims, scale: number): void {
  const T = d.steps;
  for (let s = 0; s < T; s++) {
    const row = s * T;
    let max = -Infinity;
    for (let j = 0; j < T; j++) {
      const hidden = (d.keyMask !== null && d.keyMask[b * T + j] === 0) || (d.causal && j > s);
      // The reference adds −1e9 in float32, which swallows the score: a hidden key reads as −1e9.
      const z = hidden ? -1e9 : p[row + j] * scale;
      p[row + j] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < T; j++) {
      const e = Math.exp(p[row + j] - max);
      p[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < T; j++) p[row + j] *= inv;
  }
}

/** Softmax backward in place, with the 1/√dₕ of the scores folded in: dS = P ∘ (dP − Σⱼ P·dP) / √dₕ. */
function softmaxBackwardRows(p: Float32Array, dp: Float32Array, T: number, scale: number): void {
  for (let s = 0; s < T; s++) {
    const row = s * T;
    let dot = 0;
    for (let j = 0; j < T; j++) dot += p[row + j] * dp[row + j];
    for (let j = 0; j < T; j++) dp[row + j] = p[row + j] * (dp[row + j] - dot) * scale;
  }
}

/** The output (B, T, D) and the softmax probabilities (B, heads, T, T). */
export function attentionForward(
  q: Operand,
  k: Operand,
  v: Operand,
  d: AttentionDims,
): { out: Float32Array; probs: Float32Array } {
  const blas = nativeBlas();
  if (blas) return attentionForwardNative(blas, q, k, v, d);
  const { batch: B, steps: T, width: D, heads } = d, dh = D / heads, scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * T * D), probs = new Float32Array(B * heads * T * T);
  const qh = new Float32Array(T * dh), khT = new Float32Array(dh * T), vh = new Float32Array(T * dh);
  const oh = new Float32Array(T * dh);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      gatherHead(q, b, h, d, qh);
      gatherHeadTransposed(k, b, h, d, khT);
      gatherHead(v, b, h, d, vh);
      const p = probs.subarray((b * heads + h) * T * T, (b * heads + h + 1) * T * T);
      gemm(qh, T, dh, khT, T, p);
      softmaxRows(p, b, d, scale);
      gemm(p, T, T, vh, dh, oh);
      scatterHead(oh, b, h, d, { data: out, stride: D, offset: 0 });
    }
  }
  return { out, probs };
}

/** Gradients of q, k and v from dL/d(output) (B, T, D), written into dq, dk, dv (same layouts). */
export function attentionBackward(
  q: Operand,
  k: Operand,
  v: Operand,
  probs: Float32Array,
  dOut: Float32Array,
  d: AttentionDims,
  dq: Operand,
  dk: Operand,
  dv: Operand,
): void {
  const blas = nativeBlas();
  if (blas) return attentionBackwardNative(blas, q, k, v, probs, dOut, d, dq, dk, dv);
  const { batch: B, steps: T, width: D, heads } = d, dh = D / heads, scale = 1 / Math.sqrt(dh);
  const dOutOp = { data: dOut, stride: D, offset: 0 };
  const qh = new Float32Array(T * dh), kh = new Float32Array(T * dh), vhT = new Float32Array(dh * T);
  const doh = new Float32Array(T * dh), block = new Float32Array(T * dh);
  const dp = new Float32Array(T * T), squareT = new Float32Array(T * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      gatherHead(q, b, h, d, qh);
      gatherHead(k, b, h, d, kh);
      gatherHeadTransposed(v, b, h, d, vhT);
      gatherHead(dOutOp, b, h, d, doh);
      const p = probs.subarray((b * heads + h) * T * T, (b * heads + h + 1) * T * T);
      // dV = Pᵀ·dO; dP = dO·Vᵀ.
      scatterHead(gemm(transposeInto(p, T, T, squareT, 0), T, T, doh, dh, block), b, h, d, dv);
      gemm(doh, T, dh, vhT, T, dp);
      softmaxBackwardRows(p, dp, T, scale);
      // dQ = dS·K; dK = dSᵀ·Q.
      scatterHead(gemm(dp, T, T, kh, dh, block), b, h, d, dq);
      scatterHead(gemm(transposeInto(dp, T, T, squareT, 0), T, T, qh, dh, block), b, h, d, dk);
    }
  }
}

/** Where head h of batch b starts in an operand: row b·T, column offset + h·dₕ. */
function headAt(x: Operand, b: number, h: number, d: AttentionDims): Float32Array {
  return x.data.subarray((b * d.steps) * x.stride + x.offset + h * (d.width / d.heads));
}

/**
 * `attentionForward` on a native BLAS: each head's products read q, k and v where they are (row stride of
 * the operand) and write the output in place; Kᵀ is the BLAS's transposed operand. Nothing is gathered.
 */
function attentionForwardNative(
  blas: NativeBlas,
  q: Operand,
  k: Operand,
  v: Operand,
  d: AttentionDims,
): { out: Float32Array; probs: Float32Array } {
  const { batch: B, steps: T, width: D, heads } = d, dh = D / heads, scale = 1 / Math.sqrt(dh);
  const out = new Float32Array(B * T * D), probs = new Float32Array(B * heads * T * T);
  const outOp = { data: out, stride: D, offset: 0 };
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const p = probs.subarray((b * heads + h) * T * T, (b * heads + h + 1) * T * T);
      blas.sgemm(false, true, T, T, dh, headAt(q, b, h, d), q.stride, headAt(k, b, h, d), k.stride, 0, p, T);
      softmaxRows(p, b, d, scale);
      blas.sgemm(false, false, T, dh, T, p, T, headAt(v, b, h, d), v.stride, 0, headAt(outOp, b, h, d), D);
    }
  }
  return { out, probs };
}

/** `attentionBackward` on a native BLAS, operands and gradients read and written in place. */
function attentionBackwardNative(
  blas: NativeBlas,
  q: Operand,
  k: Operand,
  v: Operand,
  probs: Float32Array,
  dOut: Float32Array,
  d: AttentionDims,
  dq: Operand,
  dk: Operand,
  dv: Operand,
): void {
  const { batch: B, steps: T, width: D, heads } = d, dh = D / heads, scale = 1 / Math.sqrt(dh);
  const dOutOp = { data: dOut, stride: D, offset: 0 };
  const dp = new Float32Array(T * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      const p = probs.subarray((b * heads + h) * T * T, (b * heads + h + 1) * T * T);
      const dO = headAt(dOutOp, b, h, d);
      // dV = Pᵀ·dO; dP = dO·Vᵀ.
      blas.sgemm(true, false, T, dh, T, p, T, dO, D, 0, headAt(dv, b, h, d), dv.stride);
      blas.sgemm(false, true, T, T, dh, dO, D, headAt(v, b, h, d), v.stride, 0, dp, T);
      softmaxBackwardRows(p, dp, T, scale);
      // dQ = dS·K; dK = dSᵀ·Q.
      blas.sgemm(
        false,
        false,
        T,
        dh,
        T,
        dp,
        T,
        headAt(k, b, h, d),
        k.stride,
        0,
        headAt(dq, b, h, d),
        dq.stride,
      );
      blas.sgemm(
        true,
        false,
        T,
        dh,
        T,
        dp,
        T,
        headAt(q, b, h, d),
        q.stride,
        0,
        headAt(dk, b, h, d),
        dk.stride,
      );
    }
  }
}
