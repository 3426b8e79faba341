import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type BackendChoice, probeWebGpu, resolveAuto, selectBackend } from "../../../lib/train/backend.ts";
import { smokeFit } from "../../../lib/train/network_fit.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { buildMlp, forwardMlp } from "../../../lib/nn/mod.ts";
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
  const choice = await selectBackend("auto", () => {}, { smoke: () => Promise.resolve() });
  assert.equal(choice.backend, adapter && !adapter.fallback ? "webgpu" : "wasm");
  await selectBackend("wasm");
});

/** resolveAuto with a recorded fake backend switch. */
async function decide(
  probe: { description: string; fallback: boolean } | null,
  smoke?: () => Promise<void>,
): Promise<{ choice: BackendChoice; started: string[]; smoked: boolean }> {
  const started: string[] = [];
  let smoked = false;
  const choice = await resolveAuto(
    probe,
    smoke && (async () => {
      smoked = true;
      await smoke();
    }),
    // deno-lint-ignore require-await
    async (name) => void started.push(name),
  );
  return { choice, started, smoked };
}

Deno.test("auto: no adapter or a software one → wasm, without trying WebGPU; the reason names the adapter", async () => {
  const none = await decide(null, () => Promise.resolve());
  assert.deepEqual([none.choice.backend, none.started, none.smoked], ["wasm", [], false]);
  assert.equal(none.choice.reason, "auto: no WebGPU adapter");
  const soft = await decide(
    { description: "llvmpipe (LLVM 15.0.6, 256 bits)", fallback: true },
    () => Promise.resolve(),
  );
  assert.deepEqual([soft.choice.backend, soft.started, soft.smoked], ["wasm", [], false]);
  assert.equal(soft.choice.reason, "auto: only a software WebGPU adapter (llvmpipe (LLVM 15.0.6, 256 bits))");
});

Deno.test("auto: a hardware adapter → WebGPU only when the model's one-step smoke fit succeeds there", async () => {
  const gpu = { description: "NVIDIA H100", fallback: false };
  const ok = await decide(gpu, () => Promise.resolve());
  assert.deepEqual([ok.choice.backend, ok.started, ok.smoked], ["webgpu", ["webgpu"], true]);
  assert.equal(ok.choice.reason, "auto: hardware WebGPU adapter (NVIDIA H100), one-step smoke fit succeeded");
  const failing = await decide(
    gpu,
    () => Promise.reject(new Error("Cannot read properties of null (reading 'clearRect')")),
  );
  assert.deepEqual([failing.choice.backend, failing.smoked], ["wasm", true]);
  assert.equal(
    failing.choice.reason,
    "auto: WebGPU smoke fit failed on NVIDIA H100: Cannot read properties of null (reading 'clearRect')",
  );
  const noSmoke = await decide(gpu);
  assert.deepEqual([noSmoke.choice.backend, noSmoke.started], ["wasm", []]);
  assert.match(noSmoke.choice.reason, /but no smoke fit was given/);
});

Deno.test("auto prints what it chose and why", async () => {
  const lines: string[] = [];
  await selectBackend("auto", (l) => lines.push(l), { smoke: () => Promise.resolve() });
  const expected = adapter === null
    ? "tfjs backend: wasm (auto: no WebGPU adapter)"
    : adapter.fallback
    ? `tfjs backend: wasm (auto: only a software WebGPU adapter (${adapter.description}))`
    : `tfjs backend: webgpu (auto: hardware WebGPU adapter (${adapter.description}), one-step smoke fit succeeded)`;
  assert.deepEqual(lines, [expected]);
  await selectBackend("wasm");
});

Deno.test({
  name: "webgpu: a real smoke fit runs one step on the adapter, and a broken network fails it",
  ignore: adapter === null && !IN_CI,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(adapter, "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1");
    const cfg = { inputDim: 2, hidden: [4], activation: "tanh" as const, outputs: 1 };
    const smoke = (scale: number) => () =>
      smokeFit({
        build: () => {
          const store = new ParamStore();
          const layers = buildMlp(store, cfg, new SeededRandom(1));
          return { store, forward: (x) => tf.mul(forwardMlp(layers, cfg, x as tf.Tensor2D), scale) };
        },
        data: () => ({
          n: 3,
          x: tf.tensor2d([[0, 1], [1, 0], [1, 1]]),
          y: tf.tensor2d([[1], [2], [3]]),
          mask: tf.ones([3, 1]),
          counts: new Float64Array([1, 1, 1]),
        }),
        targetNames: ["y"],
        settings: resolveTrainingSettings({}),
      });
    // The fake "hardware" description lets the software adapter stand in for a GPU.
    const good = await resolveAuto({ description: "stand-in", fallback: false }, smoke(1), async (name) => {
      await selectBackend(name);
    });
    assert.equal(good.backend, "webgpu");
    const bad = await resolveAuto(
      { description: "stand-in", fallback: false },
      smoke(Infinity),
      async (name) => {
        await selectBackend(name);
      },
    );
    assert.equal(bad.backend, "wasm");
    assert.match(bad.reason, /smoke fit failed on stand-in: training loss is (NaN|Infinity)/);
    await selectBackend("wasm");
  },
});

Deno.test("mixed precision is reported as unsupported off WebGPU (tests/lib/train/mixed_precision_test.ts: on it)", () => {
  // tfjs is on wasm here, so webgpu has no device with shader-f16 either.
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
