import assert from "node:assert/strict";
import { DataError, PluginError } from "../../core/errors.ts";
import { PluginCalls } from "../../core/plugin_guard.ts";

const who = { specifier: "./m.ts", kind: "model", name: "m" };
const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

Deno.test("guarded calls: results pass through, sync and async; typed errors pass, others name plugin and method", async () => {
  const calls = new PluginCalls(10);
  const model = calls.guard({
    accepts: { loss: false },
    sync: () => 3,
    slow: () => later(5, "done"),
    typed: () => Promise.reject(new DataError("bad row", { file: "x.csv", row: 2 })),
    raw: () => Promise.reject(new RangeError("index 9 out of range")),
  }, who);
  assert.deepEqual(model.accepts, { loss: false });
  assert.equal(model.sync(), 3);
  assert.equal(await model.slow(), "done");
  await assert.rejects(model.typed(), (e) => e instanceof DataError && /x\.csv/.test(e.message));
  await assert.rejects(
    model.raw(),
    (e) =>
      e instanceof PluginError &&
      e.message === "plugin './m.ts': model 'm' raw() failed: index 9 out of range",
  );
});

Deno.test("an interrupted call may finish within the grace period; the run then stops with the interruption", async () => {
  const interrupt = new AbortController();
  const calls = new PluginCalls(10, interrupt.signal, 200);
  const reason = new Error("interrupted by SIGINT");
  // Stops by itself 20 ms after the interruption (as a trainer saving its checkpoint does).
  const finished: string[] = [];
  const stopping = calls.call(who, "fit", () => later(40, "x").then((v) => (finished.push(v), v)));
  setTimeout(() => interrupt.abort(reason), 20);
  await assert.rejects(stopping, (e) => e === reason);
  assert.deepEqual(finished, ["x"]); // waited for it: the call completed before the run gave up
  // A call started after the interruption is refused at once.
  assert.throws(() => calls.call(who, "predict", () => 1), (e) => e === reason);
});

Deno.test("an interrupted call that ignores the signal is abandoned after the grace period", async () => {
  const interrupt = new AbortController();
  const calls = new PluginCalls(10, interrupt.signal, 30);
  const reason = new Error("interrupted by SIGTERM");
  const hung = calls.call(who, "fit", () => new Promise(() => {}));
  interrupt.abort(reason);
  await assert.rejects(hung, (e) => e === reason);
});

Deno.test("tracker-style calls (not abortable) still run after an interruption", async () => {
  const interrupt = new AbortController();
  interrupt.abort(new Error("stop"));
  const calls = new PluginCalls(10, interrupt.signal, 30);
  const tracker = calls.guard({ end: () => later(5, "ended") }, { ...who, kind: "tracker" }, {
    abortable: false,
  });
  assert.equal(await tracker.end(), "ended");
});
