/**
 * A call into a sandbox that is gone (lib/rpc/_channel.ts): writing its request hits a broken pipe, and the
 * call fails with the reason the host's `closedError` hook gives (the sandbox killed by a signal, its exit
 * code, its last stderr lines) once the read side ends — not with the pipe error, which says neither.
 */
import assert from "node:assert/strict";
import { Channel } from "../../../lib/rpc/mod.ts";

Deno.test("a call whose write hits a broken pipe fails with closedError's reason, not the pipe's", async () => {
  const why = new Error("the sandbox process was killed by SIGTERM");
  // The other side is gone: every write fails as a closed pipe does, and its output ends a moment later.
  const writable = new WritableStream<Uint8Array>({
    write() {
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    },
  });
  let endOutput = () => {};
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      endOutput = () => controller.close();
    },
  });
  const host = new Channel(readable, writable, undefined, { closedError: () => why });
  const call = host.root<{ fit(): Promise<unknown> }>(["fit"]).fit();
  setTimeout(endOutput, 20);
  await assert.rejects(call, (err) => err === why);
  await host.done;
  // A call made after the channel closed fails at once with the same reason.
  await assert.rejects(host.root<{ fit(): Promise<unknown> }>(["fit"]).fit(), (err) => err === why);
});
