/**
 * Contract suite for loss plugins, all on `compute`: a finite scalar for (B, K) and (B, T, K) inputs, masked
 * steps never count, and finite gradients; the optional `layouts` names known layouts. Losses are tfjs functions, so
 * this suite (alone in core/) loads tfjs — lazily, only when a loss is checked.
 */
import { createPlugin, type LoadedPlugin } from "../core/loader.ts";
import type { LossInstance, PluginContext } from "../core/plugin.ts";
import { type CheckResult, expect, runChecks } from "./checks.ts";

/** Runs the loss contract. */
export async function lossContract(
  loaded: LoadedPlugin<"loss">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const tf = await import("@tensorflow/tfjs");
  const loss = await createPlugin(loaded, options, ctx, "loss") as LossInstance<
    import("@tensorflow/tfjs").Tensor
  >;
  const inputs = (t?: import("@tensorflow/tfjs").Tensor, mask?: import("@tensorflow/tfjs").Tensor) => ({
    t,
    mask,
    targetNames: ["soh"],
    directions: ["non_increasing" as const],
  });
  // Read asynchronously: a synchronous read fails on WebGPU in Deno (no 2-D canvas).
  const value = async (x: import("@tensorflow/tfjs").Tensor) => (await x.data())[0] as number;
  return await runChecks({
    "layouts (optional): a non-empty list of sample layouts": () => {
      if (loss.layouts === undefined) return;
      expect(
        Array.isArray(loss.layouts) && loss.layouts.length > 0 &&
          loss.layouts.every((l) => l === "tabular" || l === "sequence"),
        `layouts is ${JSON.stringify(loss.layouts)}, expected some of "tabular", "sequence"`,
      );
    },
    "compute(): (B, K) inputs give a finite scalar": async () => {
      const yTrue = tf.tensor2d([[1], [0.9], [0.8]]), yPred = tf.tensor2d([[0.95], [0.92], [0.7]]);
      const out = loss.compute(yTrue, yPred, inputs());
      expect(out.rank === 0, `loss has rank ${out.rank}, expected a scalar`);
      const v = await value(out);
      expect(Number.isFinite(v), `loss is ${v}`);
    },
    "compute(): (B, T, K) inputs with uneven times give a finite scalar": async () => {
      const yTrue = tf.tensor3d([[[1], [0.97], [0.95], [0.9]]]),
        yPred = tf.tensor3d([[[0.99], [0.98], [0.93], [0.91]]]);
      const t = tf.tensor2d([[0, 0.1, 0.35, 0.5]]), mask = tf.ones([1, 4, 1]);
      expect(Number.isFinite(await value(loss.compute(yTrue, yPred, inputs(t, mask)))), "loss is not finite");
    },
    "compute(): masked steps never count": async () => {
      const yTrue = tf.tensor3d([[[1], [0.97], [0.95], [0.9]]]);
      const t = tf.tensor2d([[0, 0.1, 0.35, 0.5]]), mask = tf.tensor3d([[[1], [1], [1], [0]]]);
      const a = await value(
        loss.compute(yTrue, tf.tensor3d([[[0.99], [0.98], [0.93], [0.91]]]), inputs(t, mask)),
      );
      const b = await value(
        loss.compute(yTrue, tf.tensor3d([[[0.99], [0.98], [0.93], [5]]]), inputs(t, mask)),
      );
      expect(
        Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)),
        `changing a masked step changed the loss: ${a} → ${b}`,
      );
    },
    "compute(): gradients are finite": async () => {
      const yTrue = tf.tensor3d([[[1], [0.97], [0.95]]]),
        t = tf.tensor2d([[0, 0.2, 0.5]]),
        mask = tf.ones([1, 3, 1]);
      const grad = tf.grad((p: import("@tensorflow/tfjs").Tensor) =>
        loss.compute(yTrue, p, inputs(t, mask)) as import("@tensorflow/tfjs").Scalar
      );
      const g = await grad(tf.tensor3d([[[0.98], [0.99], [0.9]]])).data();
      expect(Array.from(g).every(Number.isFinite), `gradient ${Array.from(g)}`);
    },
  });
}
