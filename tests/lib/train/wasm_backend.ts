/** Test helper: puts tfjs on the wasm backend once (the default backend of the tests). */
import { selectBackend } from "../../../lib/train/backend.ts";

/** Resolves once tfjs runs on wasm. */
export const wasmReady: Promise<unknown> = selectBackend("wasm");
