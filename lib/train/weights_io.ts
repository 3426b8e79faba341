/**
 * Weight files: `<name>.json` (format, parameter names, shapes, offsets, plus model metadata) and
 * `<name>.bin` (little-endian float32). Both are written atomically, the binary first; the JSON holds the
 * binary's sha-256 so a mismatched pair (a crash between the two renames) is detected on load.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";
import type { ParamStore } from "./param_store.ts";
import { readAll } from "./readback.ts";

interface WeightsIndex {
  format: "batteryml-weights";
  version: 1;
  sha256: string;
  tensors: { name: string; shape: number[]; offset: number; size: number }[];
  meta: unknown;
}

/** Saves every parameter of `store` plus JSON-able `meta` to `dir/<base>.json` and `dir/<base>.bin`. */
export async function saveWeights(
  dir: string,
  base: string,
  store: ParamStore,
  meta: unknown,
): Promise<void> {
  const tensors: WeightsIndex["tensors"] = [];
  let offset = 0;
  for (const name of store.names()) {
    const v = store.get(name);
    tensors.push({ name, shape: v.shape, offset, size: v.size });
    offset += v.size;
  }
  const flat = new Float32Array(offset);
  const arrays = await readAll(tensors.map((t) => store.get(t.name)));
  tensors.forEach((t, i) => flat.set(arrays[i], t.offset));
  const bytes = new Uint8Array(flat.buffer);
  const index: WeightsIndex = {
    format: "batteryml-weights",
    version: 1,
    sha256: await sha256(bytes),
    tensors,
    meta,
  };
  await writeFileAtomic(join(dir, `${base}.bin`), bytes);
  await writeFileAtomic(join(dir, `${base}.json`), JSON.stringify(index, null, 1) + "\n");
}

/** Reads the metadata saved with the weights (to rebuild the model before `loadWeightsInto`). */
export async function readWeightsMeta(dir: string, base: string): Promise<unknown> {
  return (await readIndex(dir, base)).meta;
}

/** Assigns the saved values to the parameters of `store` (names and shapes must match exactly). */
export async function loadWeightsInto(dir: string, base: string, store: ParamStore): Promise<void> {
  const index = await readIndex(dir, base);
  const bytes = await Deno.readFile(join(dir, `${base}.bin`));
  if (await sha256(bytes) !== index.sha256) {
    throw new Error(
      `${join(dir, base)}.bin does not match its index (sha-256 differs): the save was incomplete`,
    );
  }
  const flat = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const saved = new Map(index.tensors.map((t) => [t.name, t]));
  const expected = store.names();
  const missing = expected.filter((n) => !saved.has(n)),
    extra = [...saved.keys()].filter((n) => !expected.includes(n));
  if (missing.length || extra.length) {
    throw new Error(`weights in ${dir}: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}]`);
  }
  tf.tidy(() => {
    for (const name of expected) {
      const t = saved.get(name)!, v = store.get(name);
      if (t.shape.join() !== v.shape.join()) {
        throw new Error(
          `weights in ${dir}: '${name}' has shape [${t.shape}], the model expects [${v.shape}]`,
        );
      }
      v.assign(tf.tensor(flat.slice(t.offset, t.offset + t.size), v.shape, "float32"));
    }
  });
}

async function readIndex(dir: string, base: string): Promise<WeightsIndex> {
  const index = JSON.parse(await Deno.readTextFile(join(dir, `${base}.json`))) as WeightsIndex;
  if (index.format !== "batteryml-weights" || index.version !== 1) {
    throw new Error(`${join(dir, base)}.json is not a batteryml weights file (version 1)`);
  }
  return index;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
