/**
 * One-way calls over the sandbox channel (lib/rpc/_channel.ts): a sink marked with `oneWay` is called
 * without a round trip, yet the caller's answer still arrives only after every one-way call made before
 * it has finished, in order, and a sink's failure fails that answer — the outcome of one process.
 */
import assert from "node:assert/strict";
import { Channel, oneWay } from "../../../lib/rpc/mod.ts";

/** A host channel and a "sandbox" channel whose root is `root`, joined by in-memory pipes. */
function pair(root: object) {
  const toSandbox = new TransformStream<Uint8Array, Uint8Array>();
  const toHost = new TransformStream<Uint8Array, Uint8Array>();
  const host = new Channel(toHost.readable, toSandbox.writable);
  const sandbox = new Channel(toSandbox.readable, toHost.writable, root);
  return {
    root: host.root<{ fit(ctx: object): Promise<unknown> }>(["fit"]),
    async close() {
      await host.close();
      await sandbox.close();
      await Promise.all([host.done, sandbox.done]);
    },
  };
}

/** A plugin-like root: `fit` reports `n` metrics through the context's sink, then answers. */
function reporter(n: number, log: string[]) {
  return {
    async fit(ctx: { metrics(v: number): Promise<void> }) {
      for (let i = 0; i < n; i++) await ctx.metrics(i);
      log.push("fit returned");
      return "fitted";
    },
  };
}

Deno.test("one-way sink calls arrive in order and have finished when the answer is delivered", async () => {
  const seen: number[] = [];
  const c = pair(reporter(5, []));
  const ctx = oneWay({
    metrics: async (v: number) => {
      // Later calls would finish first if they ran at once: one-way calls must run one after another.
      await new Promise((r) => setTimeout(r, 5 - v));
      seen.push(v);
    },
  }, ["metrics"]);
  assert.equal(await c.root.fit(ctx), "fitted");
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  await c.close();
});

Deno.test("a one-way call does not wait for the other side: the sandbox runs on while the sink is blocked", async () => {
  const sandboxLog: string[] = [];
  const c = pair(reporter(3, sandboxLog));
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const ctx = oneWay({ metrics: () => gate }, ["metrics"]);
  let answered = false;
  const result = c.root.fit(ctx).then((v) => {
    answered = true;
    return v;
  });
  // The sandbox side finishes fit although no sink call has returned …
  for (let i = 0; i < 50 && sandboxLog.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(sandboxLog, ["fit returned"]);
  // … but the host gets the answer only once the sinks have finished.
  assert.equal(answered, false);
  open();
  assert.equal(await result, "fitted");
  await c.close();
});

Deno.test("the same sink as a two-way method blocks the sandbox until it returns", async () => {
  const sandboxLog: string[] = [];
  const c = pair(reporter(1, sandboxLog));
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const result = c.root.fit({ metrics: () => gate });
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(sandboxLog, []);
  open();
  assert.equal(await result, "fitted");
  await c.close();
});

Deno.test("a one-way sink that fails fails the call it happened in; the next call is unaffected", async () => {
  const c = pair(reporter(3, []));
  const failing = oneWay({
    metrics: (v: number) => {
      if (v === 1) throw new Error("tracker store is full");
    },
  }, ["metrics"]);
  await assert.rejects(c.root.fit(failing), /tracker store is full/);
  const fine = oneWay({ metrics: () => {} }, ["metrics"]);
  assert.equal(await c.root.fit(fine), "fitted");
  await c.close();
});
