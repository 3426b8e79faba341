/**
 * A network's weights as plain values and back: per parameter (in creation order) its name, shape and
 * float32 values. Model plugins hand these to the core as part of their state (the core writes the
 * float32 bytes as they are, so weights come back bit-identical); nothing here touches files.
 */
import * as tf from "@tensorflow/tfjs";
import type { ParamStore } from "./param_store.ts";
import { readAll } from "./readback.ts";

/** Every parameter of a network: names, shapes and values, index-aligned. */
export type NetworkWeights = {
  names: string[];
  shapes: number[][];
  values: Float32Array[];
};

/** Copies the current values of every parameter of `store` (one asynchronous read: no `dataSync` on GPUs). */
export async function weightsOf(store: ParamStore): Promise<NetworkWeights> {
  const names = store.names();
  return {
    names,
    shapes: names.map((n) => [...store.get(n).shape]),
    values: await readAll(names.map((n) => store.get(n))),
  };
}

/**
 * Assigns saved values to the parameters of `store`: the names must be the store's exactly and every
 * shape and length must match (`owner` names the model in errors).
 */
export function assignWeights(store: ParamStore, weights: NetworkWeights, owner: string): void {
  const { names, shapes, values } = weights;
  if (!Array.isArray(names) || !Array.isArray(shapes) || !Array.isArray(values)) {
    throw new TypeError(`${owner}: the saved weights lack names, shapes or values`);
  }
  const expected = store.names();
  const missing = expected.filter((n) => !names.includes(n)),
    extra = names.filter((n) => !expected.includes(n));
  if (missing.length || extra.length) {
    throw new RangeError(
      `${owner}: saved weights do not fit the model: missing [${missing.join(", ")}], unexpected [${
        extra.join(", ")
      }]`,
    );
  }
  tf.tidy(() => {
    names.forEach((name, i) => {
      const v = store.get(name), value = values[i], shape = shapes[i];
      const size = shape.reduce((a, b) => a * b, 1);
      if (shape.join() !== v.shape.join() || !(value instanceof Float32Array) || value.length !== size) {
        throw new RangeError(
          `${owner}: saved weight '${name}' has shape [${shape}] and ${value?.length} values, the model ` +
            `expects [${v.shape}]`,
        );
      }
      v.assign(tf.tensor(value, v.shape, "float32"));
    });
  });
}
