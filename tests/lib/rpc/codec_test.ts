/**
 * The sandbox wire format keeps every value a plugin state, SampleSet or prediction may hold: floats bit for
 * bit (NaN, ±Infinity, −0 among plain numbers), every typed array kind at any byte offset, dates, a
 * generator's exact position, plain objects whose keys look like the format's tags; references come back as
 * the other side's stand-ins.
 */
import assert from "node:assert/strict";
import { decodeMessage, encodeMessage, type RefCodec } from "../../../lib/rpc/_codec.ts";
import { createRng } from "../../../lib/random/mod.ts";

/** References recorded as ids; stand-ins say which id they stand for. */
function refs(): RefCodec & { registered: object[] } {
  const registered: object[] = [];
  return {
    registered,
    register: (v) => registered.push(v) - 1,
    remoteObject: (id, props, methods) => ({ remote: id, props, methods }),
    remoteFunction: (id) => Object.assign(() => id, { remote: id }),
  };
}

const roundTrip = (value: unknown, r = refs()) => decodeMessage(encodeMessage(value, r).subarray(4), r);

Deno.test("numbers and typed arrays cross bit for bit, whatever their offset", () => {
  const shared = new Float64Array([1, -0, NaN, Infinity, 5]);
  const value = {
    plain: [NaN, -0, Infinity, -Infinity, 1e-310, 0.1],
    f32: new Float32Array([Math.fround(0.1), NaN, -0]),
    window: new Float64Array(shared.buffer, 8, 3),
    ints: [new Int8Array([-128, 127]), new Int16Array([-1]), new Int32Array([-(2 ** 31)])],
    uints: [new Uint8Array([255]), new Uint16Array([65535]), new Uint32Array([2 ** 32 - 1])],
    text: ["1/A", null, "é"],
  };
  const back = roundTrip(value) as typeof value;
  assert.ok(Object.is(back.plain[1], -0) && Number.isNaN(back.plain[0]));
  assert.deepEqual(back.plain.slice(2), [Infinity, -Infinity, 1e-310, 0.1]);
  assert.ok(back.f32 instanceof Float32Array);
  assert.deepEqual(new Uint8Array(back.f32.buffer), new Uint8Array(value.f32.buffer));
  assert.ok(back.window instanceof Float64Array && back.window.length === 3);
  assert.ok(Object.is(back.window[0], -0) && Number.isNaN(back.window[1]) && back.window[2] === Infinity);
  assert.deepEqual(back.ints, value.ints);
  assert.deepEqual(back.uints, value.uints);
  assert.deepEqual(back.text, value.text);
});

Deno.test("dates, a generator's position and tag-like keys come back as they were", () => {
  const rng = createRng(42);
  rng.normal(); // leaves a spare normal in the generator
  const back = roundTrip({
    at: new Date(Date.UTC(2024, 1, 29)),
    rng,
    tagLike: { $t: "Float32Array", $b: 0 },
  }) as {
    at: Date;
    rng: ReturnType<typeof createRng>;
    tagLike: unknown;
  };
  assert.equal(back.at.toISOString(), "2024-02-29T00:00:00.000Z");
  assert.deepEqual([back.rng.normal(), back.rng.uniform(), back.rng.int(1000)], [
    rng.normal(),
    rng.uniform(),
    rng.int(1000),
  ]);
  assert.deepEqual(back.tagLike, { $t: "Float32Array", $b: 0 });
});

Deno.test("objects with methods and functions cross as references; cycles and bigints are refused", () => {
  const r = refs();
  const view = { name: "train", cells: () => [] };
  const log = (s: string) => s;
  const [backView, backLog] = roundTrip([view, log], r) as [Record<string, unknown>, { remote: number }];
  // Its data crosses with the reference (a fit context's settings beside its metric sink).
  assert.deepEqual(backView, { remote: 0, props: { name: "train" }, methods: ["cells"] });
  assert.equal(backLog.remote, 1);
  assert.deepEqual(r.registered, [view, log]);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeMessage(cyclic, refs()), /cycle cannot cross the sandbox boundary/);
  assert.throws(() => encodeMessage({ n: 1n }, refs()), /bigint cannot cross the sandbox boundary/);
});

Deno.test("a channel answers calls on advertised methods only, and results and errors come back", async () => {
  const { Channel } = await import("../../../lib/rpc/_channel.ts");
  const a2b = new TransformStream<Uint8Array, Uint8Array>();
  const b2a = new TransformStream<Uint8Array, Uint8Array>();
  const root = {
    twice: (x: Float32Array) => x.map((v) => 2 * v),
    fail: () => Promise.reject(new RangeError("no")),
  };
  new Channel(a2b.readable, b2a.writable, root);
  const host = new Channel(b2a.readable, a2b.writable);
  assert.deepEqual(await host.call(0, "twice", [new Float32Array([1.5, -0])]), new Float32Array([3, -0]));
  await assert.rejects(host.call(0, "fail", []), (e: Error) => e.name === "RangeError" && e.message === "no");
  await assert.rejects(host.call(0, "constructor", []), /object 0 has no method 'constructor'/);
  await assert.rejects(host.call(0, "toString", []), /object 0 has no method 'toString'/);
  await host.close();
});
