/**
 * `training.blas`: which library runs the CPU products of a fit or a prediction — the one place the setting
 * takes effect. `builtin` (or absent) keeps XNNPACK in wasm and the stock BatchMatMul kernel, exactly as
 * before the setting existed; `openblas` routes the fused LSTM/attention products to the system's OpenBLAS
 * (kernels/gemm.ts) and, on wasm, installs the transposing BatchMatMul kernel so the dense layers' products
 * go there too. On WebGPU the products run on the GPU, so `openblas` does not apply and says so.
 *
 * The routing is process-wide (tfjs kernels are registered per backend, not per model), so every fit and
 * every restore calls this with its own setting: a builtin run after an openblas run in the same process is
 * builtin again.
 */
import type { TrainingSettings } from "../training_settings.ts";
import { installWasmBatchMatMul, uninstallWasmBatchMatMul } from "./kernels/batch_matmul_wasm.ts";
import { loadOpenBlas, useNativeBlas } from "../blas/mod.ts";

/** The values of `training.blas` (absent means builtin). */
export type BlasSetting = NonNullable<TrainingSettings["blas"]>;

/** Whether this module installed the transposing kernel (one installed by a test or the bench is theirs). */
let installedHere = false;

/**
 * Applies `training.blas` for a fit or prediction on `backend` and logs which library runs the products.
 * Throws `NativeBlasError` (naming every path tried) when openblas is asked for on the CPU and cannot load.
 */
export function applyTrainingBlas(
  blas: BlasSetting | undefined,
  backend: "wasm" | "cpu" | "webgpu",
  log: (line: string) => void = () => {},
): void {
  if (blas !== "openblas" || backend === "webgpu") {
    useNativeBlas(null);
    if (installedHere) {
      uninstallWasmBatchMatMul();
      installedHere = false;
    }
    if (blas === "openblas") {
      log("training.blas=openblas does not apply on webgpu: the products run on the GPU");
    }
    return;
  }
  // One thread: the training loop is single-threaded and OpenBLAS's pool spin-waits (native_blas.ts).
  const lib = loadOpenBlas(1);
  useNativeBlas(lib);
  if (backend === "wasm" && !installedHere) {
    installWasmBatchMatMul();
    installedHere = true;
  }
  log(`training.blas: OpenBLAS ${lib.path} (${lib.config}), 1 thread`);
}
