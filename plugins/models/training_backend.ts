/**
 * Shared by the tfjs model plugins: start the backend of a fit or a restore (`training.backend`, with
 * `auto`'s smoke fit) and apply `training.blas` on it (lib/nn/cpu_blas.ts); an OpenBLAS that was asked for
 * and cannot be loaded becomes the ConfigError of `training.blas`, naming the paths tried and the fix.
 */
import { ConfigError } from "../../mod.ts";
import {
  type AutoOptions,
  type BackendChoice,
  type BackendRequest,
  selectBackend,
} from "../../lib/train/mod.ts";
import { applyTrainingBlas, type BlasSetting } from "../../lib/nn/mod.ts";
import { NativeBlasError } from "../../lib/blas/mod.ts";

/** `selectBackend`, then `training.blas` on the chosen backend; both log through `log`. */
export async function startTrainingBackend(
  request: BackendRequest,
  blas: BlasSetting | undefined,
  log: (line: string) => void = () => {},
  auto: AutoOptions = {},
): Promise<BackendChoice> {
  const choice = await selectBackend(request, log, auto);
  try {
    applyTrainingBlas(blas, choice.backend, log);
  } catch (err) {
    if (!(err instanceof NativeBlasError)) throw err;
    // The library's message starts with the setting itself; the ConfigError names the key once.
    throw new ConfigError("training.blas", err.message.replace(/^training\.blas=/, ""), { cause: err });
  }
  return choice;
}
