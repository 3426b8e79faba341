/** A Worker of IcaWorkerPool (ica_pool.ts): ICA features of each curve it is sent. */
/// <reference lib="deno.worker" />
import { icaFeatures } from "./ica.ts";
import type { IcaAnswer, IcaJob } from "./ica_pool.ts";

self.onmessage = (event: MessageEvent<IcaJob>) => {
  const { id, voltage, chargeAh, options } = event.data;
  let answer: IcaAnswer;
  try {
    answer = { id, features: icaFeatures(voltage, chargeAh, options) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    answer = { id, error: { name: e.name, message: e.message } };
  }
  self.postMessage(answer);
};

self.postMessage("ready");
