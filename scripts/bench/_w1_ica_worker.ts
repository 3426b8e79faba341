/** A Worker of the W1 multi-thread variant (w1_ica_threads.ts): reads, parses and reduces the files it is sent. */
/// <reference lib="deno.worker" />
import { type IcaFeatures, streamIcaFeatures } from "../../lib/signal/mod.ts";
import { curveFileSource } from "./w1_ica.ts";

/** A batch of files in; their features (in the same order) or the error out. */
export type W1Job = { id: number; files: string[] };
export type W1Answer = { id: number; features: IcaFeatures[] } | { id: number; error: string };

self.onmessage = async (event: MessageEvent<W1Job>) => {
  const { id, files } = event.data;
  try {
    const features: IcaFeatures[] = [];
    await streamIcaFeatures(curveFileSource(files), (f) => features.push(f));
    self.postMessage({ id, features } satisfies W1Answer);
  } catch (err) {
    self.postMessage({ id, error: (err as Error).message } satisfies W1Answer);
  }
};

self.postMessage("ready");
