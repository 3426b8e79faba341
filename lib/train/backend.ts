/**
 * Backend selection. `auto` picks WebGPU only when `navigator.gpu` offers a hardware adapter (a software or
 * fallback adapter such as llvmpipe is slower than wasm — measured 10–20× in toolchain.md) AND a one-step
 * smoke fit of the model about to train succeeds there (the caller passes it; without one, auto stays on
 * wasm); otherwise wasm, and the log line says which and why. A backend that was asked for by name and cannot
 * start is an error: `tf.setBackend` falls back silently, so its result and `tf.getBackend()` are both
 * checked.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerWebGpuBackend } from "./_webgpu_device.ts";

/** The names `training.backend` accepts. */
export type BackendRequest = "auto" | "wasm" | "cpu" | "webgpu";

/** What was chosen and why. */
export interface BackendChoice {
  backend: "wasm" | "cpu" | "webgpu";
  reason: string;
  /** Adapter description when WebGPU was probed. */
  adapter?: string;
}

/** Thrown when a requested backend cannot be started. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

/**
 * Where XDG_RUNTIME_DIR points when it is unset. The Wayland client inside the Vulkan loader prints
 * "error: XDG_RUNTIME_DIR is invalid or not set" unless the variable holds an absolute path; it only looks
 * there for a display socket, and a headless training run has none. So an absolute path that need not exist
 * silences it — nothing is created, so no write permission is needed and no permission prompt can appear
 * (an earlier version made a temp folder, which prompted under the tasks' `--allow-write=artifacts`).
 */
export const HEADLESS_RUNTIME_DIR = "/nonexistent/batteryml-headless";

/** Points XDG_RUNTIME_DIR at {@link HEADLESS_RUNTIME_DIR} when it is unset, only if env access is granted. */
function ensureRuntimeDir(): void {
  const variable = "XDG_RUNTIME_DIR";
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return;
  if (!Deno.env.get(variable)?.startsWith("/")) Deno.env.set(variable, HEADLESS_RUNTIME_DIR);
}

/** A WebGPU adapter's description and whether it is a software/fallback one (null: no adapter). */
export async function probeWebGpu(): Promise<{ description: string; fallback: boolean } | null> {
  ensureRuntimeDir();
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return null;
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return null;
  }
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(
    " ",
  );
  const software = /llvmpipe|swiftshader|lavapipe|softpipe|software|warp/i.test(description);
  return { description, fallback: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter || software) };
}

/** What `auto` may try on a hardware adapter: one optimizer step of the model about to train. */
export interface AutoOptions {
  /** Trains one step on WebGPU (the backend is active); throws when it cannot. */
  smoke?: () => Promise<void>;
}

/** Selects and initialises a backend; logs the choice through `log` and returns it. */
export async function selectBackend(
  request: BackendRequest,
  log: (line: string) => void = () => {},
  auto: AutoOptions = {},
): Promise<BackendChoice> {
  const choice = request === "auto"
    ? await resolveAuto(await probeWebGpu(), auto.smoke, startBackend)
    : { backend: request, reason: "requested" };
  await startBackend(choice.backend);
  log(`tfjs backend: ${choice.backend} (${choice.reason})`);
  return choice;
}

/** The adapter as `probeWebGpu` describes it (null: none). */
export type AdapterProbe = { description: string; fallback: boolean } | null;

/**
 * `auto`'s decision: WebGPU only for a hardware adapter on which the smoke fit succeeds, else wasm, with
 * the reason. `start` switches backends (injected so the decision can be tested with a fake adapter).
 */
export async function resolveAuto(
  probe: AdapterProbe,
  smoke: (() => Promise<void>) | undefined,
  start: (name: BackendChoice["backend"]) => Promise<void>,
): Promise<BackendChoice> {
  const wasm = (why: string): BackendChoice => ({
    backend: "wasm",
    reason: `auto: ${why}`,
    adapter: probe?.description,
  });
  if (!probe) return wasm("no WebGPU adapter");
  if (probe.fallback) return wasm(`only a software WebGPU adapter (${probe.description})`);
  if (!smoke) return wasm(`hardware WebGPU adapter (${probe.description}), but no smoke fit was given`);
  try {
    await start("webgpu");
    await smoke();
  } catch (err) {
    return wasm(`WebGPU smoke fit failed on ${probe.description}: ${(err as Error).message}`);
  }
  return {
    backend: "webgpu",
    reason: `auto: hardware WebGPU adapter (${probe.description}), one-step smoke fit succeeded`,
    adapter: probe.description,
  };
}

async function startBackend(name: BackendChoice["backend"]): Promise<void> {
  if (tf.getBackend() === name) return;
  if (name === "webgpu") await registerWebGpu();
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new BackendError(`tfjs backend '${name}' failed to start: ${(err as Error).message}`);
  }
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(
      `tfjs backend '${name}' could not be started (tfjs is on '${tf.getBackend()}'); ` +
        (name === "wasm"
          ? "the wasm backend needs --allow-read on node_modules"
          : name === "webgpu"
          ? "WebGPU needs an adapter: a GPU driver, or mesa-vulkan-drivers for a software one"
          : "see the error above"),
    );
  }
}

async function registerWebGpu(): Promise<void> {
  const probe = await probeWebGpu();
  if (!probe) throw new BackendError("tfjs backend 'webgpu' requested, but navigator.gpu offers no adapter");
  // Imported on demand: loading tfjs-webgpu costs time otherwise wasted.
  await registerWebGpuBackend();
}

interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}
interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
}
