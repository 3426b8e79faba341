import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { probeWebGpu, selectBackend } from "../../../lib/train/backend.ts";
import { mixedPrecisionSupport } from "../../../lib/train/_precision.ts";
import { buildLstmAttention, forwardLstmAttention } from "../../../lib/nn/mod.ts";
import { ParamStore } from "../../../lib/train/param_store.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();

Deno.test("wasm and cpu start when requested, and say so", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const lines: string[] = [];
    const choice = await selectBackend(name, (l) => lines.push(l));
    assert.equal(choice.backend, name);
    assert.equal(tf.getBackend(), name);
    assert.match(lines[0], new RegExp(`tfjs backend: ${name}`));
  }
});

Deno.test("auto picks WebGPU only for a hardware adapter, else wasm", async () => {
  const choice = await selectBackend("auto");
  assert.equal(choice.backend, adapter && !adapter.fallback ? "webgpu" : "wasm");
  await selectBackend("wasm");
});

Deno.test("mixed precision is reported as unsupported (tfjs has no float16)", () => {
  for (const b of ["wasm", "cpu", "webgpu"]) {
    const s = mixedPrecisionSupport(b);
    assert.equal(s.supported, false);
    assert.match(s.message, /training in float32/);
  }
});

Deno.test("webgpu: a requested backend that cannot start is an error, never a silent fallback", async () => {
  // In its own process with the adapter hidden, so it runs whether or not this machine has one.
  const script = new URL("../../fixtures/webgpu_without_adapter.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.match(text, /^refused: /, `${text}\n${new TextDecoder().decode(out.stderr)}`);
});

Deno.test({
  name: "webgpu: a tiny LSTM-attention forward/backward matches wasm",
  // Without an adapter this is skipped locally; in CI (mesa's software adapter installed) it must run.
  ignore: adapter === null && !IN_CI,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(adapter, "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1");
    const run = async (backend: "wasm" | "webgpu") => {
      await selectBackend(backend);
      const store = new ParamStore();
      const cfg = {
        inputDim: 2,
        hidden: 4,
        heads: 2,
        bidirectional: false,
        causal: true,
        outputs: 1,
        mode: "seq2seq" as const,
        pooling: "last" as const,
      };
      const params = buildLstmAttention(store, cfg, new SeededRandom(3));
      const x = tf.tensor3d([[[0.1, 0.2], [0.3, -0.1], [0.5, 0.0]]]);
      const mask = tf.tensor2d([[1, 1, 1]]);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(forwardLstmAttention(params, cfg, x, mask).y)) as tf.Scalar,
        store.list(),
      );
      const out = {
        loss: (await value.data())[0],
        grad: Array.from(await grads[store.list()[0].name].data()),
      };
      tf.dispose([value, ...Object.values(grads), x, mask]);
      store.dispose();
      return out;
    };
    const gpu = await run("webgpu");
    const cpu = await run("wasm");
    assert.ok(
      Math.abs(gpu.loss - cpu.loss) < 1e-4 * Math.max(1, Math.abs(cpu.loss)),
      `${gpu.loss} vs ${cpu.loss}`,
    );
    gpu.grad.forEach((g, i) =>
      assert.ok(Math.abs(g - cpu.grad[i]) < 1e-3, `grad ${i}: ${g} vs ${cpu.grad[i]}`)
    );
  },
});
