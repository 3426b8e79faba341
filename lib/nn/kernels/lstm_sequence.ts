/**
 * A whole LSTM layer direction as one tfjs op with a hand-written gradient. Plain tfjs records ~15 kernels
 * per step and as many again backwards (14,000 per W3 step); here each step is one recurrent product (the
 * wasm backend's XNNPACK path: nothing transposed, no batch axis) plus the gate arithmetic in TypeScript,
 * and the weight gradients are summed over time in one large product each (docs/profile_w3_w4.md).
 *
 * Layout: time-major x (T, B, I); W (I, 4H), U (H, 4H), b (4H), gate order i, f, g, o (as torch and
 * lib/nn/layers/lstm.ts); h₀ = c₀ = 0; `reverse` runs from the last step to the first. No padding mask:
 * callers with ragged sequences use lib/nn/layers/lstm.ts.
 */
import * as tf from "@tensorflow/tfjs";

/** Hidden states (T, B, H) of one direction; differentiable with respect to x, W, U and b. */
export function lstmSequence(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
  reverse = false,
): tf.Tensor3D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xs, ws, us, bs] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    // Inputs the gradient reads must be saved: tfjs disposes the forward pass's intermediates otherwise.
    (args[4] as (t: tf.Tensor[]) => void)([xs, ws, us]);
    const fwd = lstmForward(xs, ws, us, bs, reverse);
    const value = tf.tensor3d(fwd.h, [fwd.steps, fwd.batch, fwd.hidden]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      lstmBackward(fwd, dy.dataSync() as Float32Array, ...(saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D]));
    return { value, gradFunc };
  });
  return op(x, w, u, b) as tf.Tensor3D;
}

/** What the backward pass needs: gate activations, cell states and their tanh, per step. */
interface LstmTape {
  steps: number;
  batch: number;
  hidden: number;
  reverse: boolean;
  /** (T, B, 4H) activated gates i, f, g, o. */
  gates: Float32Array;
  /** (T, B, H) cell states and tanh of them. */
  c: Float32Array;
  tanhC: Float32Array;
  /** (T, B, H) outputs. */
  h: Float32Array;
}

function lstmForward(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
  reverse: boolean,
): LstmTape {
  const [T, B, I] = x.shape, H = u.shape[0], G = 4 * H;
  const pre = tf.tidy(() =>
    tf.add(tf.matMul(tf.reshape(x, [T * B, I]) as tf.Tensor2D, w), b).dataSync() as Float32Array
  );
  const tape: LstmTape = {
    steps: T,
    batch: B,
    hidden: H,
    reverse,
    gates: new Float32Array(T * B * G),
    c: new Float32Array(T * B * H),
    tanhC: new Float32Array(T * B * H),
    h: new Float32Array(T * B * H),
  };
  let hPrev: Float32Array = new Float32Array(B * H), cPrev: Float32Array = new Float32Array(B * H);
  for (let k = 0; k < T; k++) {
    const s = reverse ? T - 1 - k : k;
    const rec = k === 0 ? null : matMulData(hPrev, B, H, u);
    cellForward(tape, s, pre, rec, cPrev);
    hPrev = tape.h.subarray(s * B * H, (s + 1) * B * H);
    cPrev = tape.c.subarray(s * B * H, (s + 1) * B * H);
  }
  return tape;
}

/** a (rows × inner, plain array) @ m through tfjs: the wasm fast path for an untransposed 2-D product. */
function matMulData(a: Float32Array, rows: number, inner: number, m: tf.Tensor2D): Float32Array {
  return tf.tidy(() => tf.matMul(tf.tensor2d(a, [rows, inner]), m).dataSync() as Float32Array);
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Gates, cell and output of step s from the input projection and the recurrent product. */
function cellForward(
  tape: LstmTape,
  s: number,
  pre: Float32Array,
  rec: Float32Array | null,
  cPrev: Float32Array,
): void {
  const B = tape.batch, H = tape.hidden, G = 4 * H;
  const gates = tape.gates, cs = tape.c, tcs = tape.tanhC, hs = tape.h;
  // Sum the recurrent product into a copy of the step's projection first: one pass, no branches below.
  const z = pre.slice(s * B * G, (s + 1) * B * G);
  if (rec) { for (let i = 0; i < z.length; i++) z[i] += rec[i]; }
  for (let r = 0; r < B; r++) {
    const zAt = r * G, gAt = (s * B + r) * G, hAt = (s * B + r) * H, pAt = r * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(z[zAt + j]), f = sigmoid(z[zAt + H + j]);
      const g = Math.tanh(z[zAt + 2 * H + j]), o = sigmoid(z[zAt + 3 * H + j]);
      const c = f * cPrev[pAt + j] + i * g, tc = Math.tanh(c);
      gates[gAt + j] = i;
      gates[gAt + H + j] = f;
      gates[gAt + 2 * H + j] = g;
      gates[gAt + 3 * H + j] = o;
      cs[hAt + j] = c;
      tcs[hAt + j] = tc;
      hs[hAt + j] = o * tc;
    }
  }
}

/** Gradients [dx, dW, dU, db] from dL/dh (T, B, H). */
function lstmBackward(
  tape: LstmTape,
  dh: Float32Array,
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
): tf.Tensor[] {
  const { steps: T, batch: B, hidden: H } = tape, G = 4 * H;
  const dGates = new Float32Array(T * B * G);
  const hPrevAll = new Float32Array(T * B * H);
  const uT = tf.transpose(u) as tf.Tensor2D;
  let dhNext: Float32Array | null = null;
  const dcNext = new Float32Array(B * H);
  for (let k = T - 1; k >= 0; k--) {
    const s = tape.reverse ? T - 1 - k : k;
    const prev = k === 0 ? -1 : (tape.reverse ? s + 1 : s - 1);
    if (prev >= 0) hPrevAll.set(tape.h.subarray(prev * B * H, (prev + 1) * B * H), s * B * H);
    cellBackward(tape, s, prev, dh, dhNext, dcNext, dGates);
    dhNext = k === 0 ? null : matMulData(dGates.subarray(s * B * G, (s + 1) * B * G), B, G, uT);
  }
  uT.dispose();
  return tf.tidy(() => {
    const [, , I] = x.shape;
    const dG = tf.tensor2d(dGates, [T * B, G]);
    const x2 = tf.reshape(x, [T * B, I]) as tf.Tensor2D;
    // Explicit transposes keep every product on the untransposed fast path.
    const dW = tf.matMul(tf.transpose(x2) as tf.Tensor2D, dG);
    const dU = tf.matMul(tf.transpose(tf.tensor2d(hPrevAll, [T * B, H])) as tf.Tensor2D, dG);
    const db = tf.sum(dG, 0);
    const dx = tf.reshape(tf.matMul(dG, tf.transpose(w) as tf.Tensor2D), [T, B, I]);
    return [dx, dW, dU, db];
  });
}

/** Gate pre-activation gradients of step s; updates dcNext to dL/dc of the previous step. */
function cellBackward(
  tape: LstmTape,
  s: number,
  prev: number,
  dh: Float32Array,
  dhNext: Float32Array | null,
  dcNext: Float32Array,
  dGates: Float32Array,
): void {
  const B = tape.batch, H = tape.hidden, G = 4 * H;
  for (let r = 0; r < B; r++) {
    const gAt = (s * B + r) * G, hAt = (s * B + r) * H;
    for (let j = 0; j < H; j++) {
      const i = tape.gates[gAt + j], f = tape.gates[gAt + H + j];
      const g = tape.gates[gAt + 2 * H + j], o = tape.gates[gAt + 3 * H + j];
      const tc = tape.tanhC[hAt + j];
      const cPrev = prev < 0 ? 0 : tape.c[(prev * B + r) * H + j];
      const dhv = dh[hAt + j] + (dhNext ? dhNext[r * H + j] : 0);
      const dc = dhv * o * (1 - tc * tc) + dcNext[r * H + j];
      dGates[gAt + j] = dc * g * i * (1 - i);
      dGates[gAt + H + j] = dc * cPrev * f * (1 - f);
      dGates[gAt + 2 * H + j] = dc * i * (1 - g * g);
      dGates[gAt + 3 * H + j] = dhv * tc * o * (1 - o);
      dcNext[r * H + j] = dc * f;
    }
  }
}
