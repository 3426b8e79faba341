/**
 * Both directions of a bidirectional LSTM layer as one tfjs op whose output is already the concatenation
 * (T, B, 2H) = [forward | backward] along the last axis. Two `lstmSequence` ops and a `tf.concat` give the
 * same numbers, but the concat's gradient is a split, which the wasm backend runs as a Slice per part
 * copying through `readSync` (4 % of a W3 step on OpenBLAS, docs/results.md §6). Here the halves are
 * interleaved and separated by index loops, and dx = dx_fwd + dx_bwd is summed once in float32 (the sum
 * tfjs's gradient accumulation would make: the same bits).
 *
 * Layout as lstm_sequence.ts: time-major x (T, B, I), per direction W (I, 4H), U (H, 4H), b (4H), optional
 * (T, B) step mask. Off the host backends (WebGPU) it is the two plain ops and a concat.
 */
import * as tf from "@tensorflow/tfjs";
import { staleViews, tensorValues } from "./host_values.ts";
import { lstmBackward, lstmForward, lstmSequence } from "./lstm_sequence.ts";
import { hostBackend } from "../../train/mod.ts";

/** One direction's weights. */
export interface LstmDirectionWeights {
  w: tf.Tensor2D;
  u: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** [h_fwd | h_bwd] (T, B, 2H); differentiable with respect to x and both directions' W, U, b. */
export function bidirectionalLstmSequence(
  x: tf.Tensor3D,
  fwd: LstmDirectionWeights,
  bwd: LstmDirectionWeights,
  stepMask?: tf.Tensor2D,
): tf.Tensor3D {
  if (!hostBackend()) {
    const run = (d: LstmDirectionWeights, reverse: boolean) =>
      lstmSequence(x, d.w, d.u, d.b, reverse, stepMask);
    return tf.concat([run(fwd, false), run(bwd, true)], 2) as tf.Tensor3D;
  }
  const mask = stepMask ? stepMask.dataSync() as Float32Array : null;
  const op = tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, 7) as tf.Tensor[];
    const [xs, wf, uf, bf, wb, ub, bb] = inputs;
    const [T, B, I] = xs.shape as [number, number, number], H = uf.shape[0];
    const dims = { steps: T, batch: B, input: I, hidden: H, mask };
    const x0 = tensorValues(xs);
    const tapes = [
      lstmForward(x0, tensorValues(wf), tensorValues(uf), tensorValues(bf), { ...dims, reverse: false }),
      lstmForward(x0, tensorValues(wb), tensorValues(ub), tensorValues(bb), { ...dims, reverse: true }),
    ];
    // Heap views go stale at a tfjs allocation (host_values.ts): then the backward reads again.
    if (staleViews()) (args[7] as tf.GradSaveFunc)([xs, wf, uf, wb, ub]);
    const value = tf.tensor3d(interleave(tapes[0].h, tapes[1].h, T * B, H), [T, B, 2 * H]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const dys = deinterleave(tensorValues(dy), T * B, H);
      const grads = tapes.map((tape, d) => {
        const fresh = saved.length
          ? {
            x: tensorValues(saved[0]),
            w: tensorValues(saved[1 + 2 * d]),
            u: tensorValues(saved[2 + 2 * d]),
          }
          : {};
        return lstmBackward({ ...tape, ...fresh }, dys[d]);
      });
      const dx = grads[0].dx;
      for (let i = 0; i < dx.length; i++) dx[i] += grads[1].dx[i];
      return [
        tf.tensor3d(dx, [T, B, I]),
        ...grads.flatMap((
          g,
        ) => [tf.tensor2d(g.dw, [I, 4 * H]), tf.tensor2d(g.du, [H, 4 * H]), tf.tensor1d(g.db)]),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, fwd.w, fwd.u, fwd.b, bwd.w, bwd.u, bwd.b) as tf.Tensor3D;
}

// Row copies with `set` rather than index loops: the tape and (on OpenBLAS) dy are views of WebAssembly
// memory, and this interleave loop ran ~7× slower on such views than on plain Float32Arrays (2.0 vs 0.27 ms
// for W3's 1,600 × 64 halves); `set` is a memcpy either way (0.13 ms).

/** rows × [a (H) | b (H)] from two rows × H arrays. */
function interleave(a: Float32Array, b: Float32Array, rows: number, H: number): Float32Array {
  const out = new Float32Array(rows * 2 * H);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * H, (r + 1) * H), 2 * r * H);
    out.set(b.subarray(r * H, (r + 1) * H), (2 * r + 1) * H);
  }
  return out;
}

/** The two halves of rows × 2H as rows × H arrays. */
function deinterleave(x: Float32Array, rows: number, H: number): [Float32Array, Float32Array] {
  const a = new Float32Array(rows * H), b = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) {
    a.set(x.subarray(2 * r * H, (2 * r + 1) * H), r * H);
    b.set(x.subarray((2 * r + 1) * H, (2 * r + 2) * H), r * H);
  }
  return [a, b];
}
