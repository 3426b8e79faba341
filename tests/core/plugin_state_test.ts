/**
 * Plugin states on disk (core/plugin_state.ts): an exact round trip (bit-identical floats, −0, subnormals,
 * NaN/±Infinity as numbers, empty arrays, every typed array type) and one refusal per way a state can be
 * wrong — another plugin, another major, another format, a truncated or corrupt file, a JSON file that is
 * not a state, a folder of an older BatteryML — each a DataError naming the file, expected and found.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DataError, PluginError } from "../../core/errors.ts";
import type { PluginState } from "../../core/plugin.ts";
import {
  compatibilityLine,
  readPluginState,
  STATE_FILE,
  STATE_SIDECAR,
  type StateStamp,
  writePluginState,
} from "../../core/plugin_state.ts";

const STAMP: StateStamp = { plugin: "mlp", version: "1.2.0", kind: "model" };

/** Bits of a float64 as a hex string: the test compares bits, not values (−0 ≠ 0, NaN = NaN). */
function bits64(x: number): string {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x, true);
  return v.getBigUint64(0, true).toString(16);
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "plugin_state_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts a DataError whose message names the file and contains every fragment. */
async function refuses(promise: Promise<unknown>, file: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
    assert.ok(err.message.includes(file), `'${err.message}' does not name ${file}`);
    for (const f of fragments) assert.ok(err.message.includes(f), `'${err.message}' lacks '${f}'`);
    return true;
  });
}

Deno.test("plugin state: typed arrays and numbers come back bit for bit", async () => {
  // Float32 bit patterns written through a Uint32 view: −0, the smallest subnormal, the largest
  // subnormal, ±Infinity, a quiet NaN with a payload, 1 ulp above 1.
  const f32Bits = Uint32Array.of(
    0x80000000,
    0x00000001,
    0x007fffff,
    0x7f800000,
    0xff800000,
    0x7fc12345,
    0x3f800001,
  );
  const f32 = new Float32Array(f32Bits.buffer);
  const f64 = Float64Array.of(-0, 5e-324, 2.2250738585072009e-308, Math.PI, -1e308, 0.1 + 0.2);
  const sub = new Float64Array(10).fill(7).subarray(3, 5); // a view at an offset: only its own values
  const state: PluginState = {
    f32,
    f64,
    sub,
    i8: Int8Array.of(-128, 127),
    i16: Int16Array.of(-32768, 1),
    i32: Int32Array.of(-2147483648, 2147483647),
    u8: Uint8Array.of(0, 1, 255),
    u16: Uint16Array.of(65535),
    u32: Uint32Array.of(4294967295),
    empty: new Float32Array(0),
    emptyList: [],
    numbers: [-0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 0.1],
    nested: { deep: [{ w: Float32Array.of(1.5) }, "text", true, null] },
  };
  await withDir(async (dir) => {
    await writePluginState(dir, STAMP, state);
    const back = await readPluginState(dir, { ...STAMP, version: "1.9.3" });
    assert.ok(back.f32 instanceof Float32Array && sameBytes(back.f32, f32), "float32 bits");
    assert.ok(back.f64 instanceof Float64Array && sameBytes(back.f64, f64), "float64 bits");
    assert.deepEqual(Array.from(back.sub as Float64Array), [7, 7]);
    for (const key of ["i8", "i16", "i32", "u8", "u16", "u32"]) {
      const a = state[key] as Int8Array, b = back[key] as Int8Array;
      assert.equal(b.constructor, a.constructor, key);
      assert.ok(sameBytes(a, b), key);
    }
    assert.ok(back.empty instanceof Float32Array && back.empty.length === 0);
    assert.deepEqual(back.emptyList, []);
    assert.deepEqual((back.numbers as number[]).map(bits64), (state.numbers as number[]).map(bits64));
    const deep = (back.nested as { deep: PluginState[] }).deep;
    assert.ok(deep[0].w instanceof Float32Array && deep[0].w[0] === 1.5);
    assert.deepEqual(deep.slice(1), ["text", true, null]);
  });
});

Deno.test("plugin state: the sidecar holds the arrays' bytes (no decimal text), aligned to 8 bytes", async () => {
  await withDir(async (dir) => {
    await writePluginState(dir, STAMP, { a: Uint8Array.of(1, 2, 3), b: Float64Array.of(0.1) });
    const bin = await Deno.readFile(join(dir, STATE_SIDECAR));
    assert.equal(bin.length, 16, "3 bytes, padding to 8, then 8 bytes");
    assert.deepEqual(Array.from(bin.subarray(0, 3)), [1, 2, 3]);
    assert.equal(new Float64Array(bin.slice(8).buffer)[0], 0.1);
    const doc = JSON.parse(await Deno.readTextFile(join(dir, STATE_FILE)));
    assert.deepEqual(
      { plugin: doc.plugin, version: doc.version, kind: doc.kind, format: doc.format },
      { plugin: "mlp", version: "1.2.0", kind: "model", format: 1 },
    );
  });
});

Deno.test("plugin state: values a state cannot hold are refused when written, naming the path", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      writePluginState(dir, STAMP, { weights: new Map() } as unknown as PluginState),
      (err: unknown) =>
        err instanceof PluginError &&
        /plugin 'mlp': model state\(\) returned what no state can hold: state\.weights is a Map/.test(
          err.message,
        ),
    );
    await assert.rejects(
      writePluginState(dir, STAMP, { meta: { when: new Date(0) } } as unknown as PluginState),
      /state\.meta\.when is a Date/,
    );
    await assert.rejects(
      writePluginState(dir, STAMP, { list: [1, undefined] } as unknown as PluginState),
      /state\.list\[1\] is undefined/,
    );
    await assert.rejects(writePluginState(dir, STAMP, { $array: 1 }), /reserved/);
    await assert.rejects(
      writePluginState(dir, STAMP, { big: new BigInt64Array(1) } as unknown as PluginState),
      /BigInt64Array/,
    );
  });
});

Deno.test("plugin state: a state of another plugin or kind is refused", async () => {
  await withDir(async (dir) => {
    await writePluginState(dir, STAMP, { a: 1 });
    const file = join(dir, STATE_FILE);
    await refuses(
      readPluginState(dir, { ...STAMP, plugin: "lstm_attn" }),
      file,
      "another plugin",
      "expected the state of model 'lstm_attn'",
      "found the state of model 'mlp' 1.2.0",
    );
    await refuses(
      readPluginState(dir, { ...STAMP, kind: "pipeline" }),
      file,
      "expected the state of pipeline 'mlp'",
    );
  });
});

Deno.test("plugin state: another major version is refused; 0.y versions must match their minor", async () => {
  assert.equal(compatibilityLine("1.0.0"), "1.x");
  assert.equal(compatibilityLine("1.4.2"), "1.x");
  assert.equal(compatibilityLine("0.1.0"), "0.1.x");
  assert.equal(compatibilityLine("0.0.3"), "0.0.3");
  await withDir(async (dir) => {
    await writePluginState(dir, STAMP, { a: 1 });
    await refuses(
      readPluginState(dir, { ...STAMP, version: "2.0.0" }),
      join(dir, STATE_FILE),
      "incompatible version",
      "expected version 2.x (from 2.0.0)",
      "found the state of model 'mlp' 1.2.0",
    );
    await writePluginState(dir, { ...STAMP, version: "0.1.0" }, { a: 1 });
    assert.deepEqual(await readPluginState(dir, { ...STAMP, version: "0.1.7" }), { a: 1 });
    await refuses(readPluginState(dir, { ...STAMP, version: "0.2.0" }), join(dir, STATE_FILE), "0.2.x");
  });
});

Deno.test("plugin state: another format, a non-state JSON file and invalid JSON are refused", async () => {
  await withDir(async (dir) => {
    const file = join(dir, STATE_FILE);
    await writePluginState(dir, STAMP, { a: 1 });
    const doc = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...doc, format: 99 }));
    await refuses(
      readPluginState(dir, STAMP),
      file,
      "another format",
      "expected state format 1",
      "found format number 99",
    );
    await Deno.writeTextFile(file, JSON.stringify({ targetNames: ["soh"], means: [1] }));
    await refuses(
      readPluginState(dir, STAMP),
      file,
      "not a BatteryML plugin state",
      "found keys targetNames, means",
    );
    await Deno.writeTextFile(file, "[1, 2]");
    await refuses(readPluginState(dir, STAMP), file, "not a BatteryML plugin state", "found an array");
    const text = JSON.stringify(doc);
    await Deno.writeTextFile(file, text.slice(0, text.length - 10));
    await refuses(readPluginState(dir, STAMP), file, "not valid JSON (truncated or corrupt)");
  });
});

Deno.test("plugin state: a truncated, corrupt or missing sidecar is refused", async () => {
  await withDir(async (dir) => {
    const bin = join(dir, STATE_SIDECAR);
    await writePluginState(dir, STAMP, { w: new Float32Array(16).fill(1) });
    const bytes = await Deno.readFile(bin);
    await Deno.writeFile(bin, bytes.subarray(0, 40));
    await refuses(readPluginState(dir, STAMP), bin, "cut short", "expected 64 bytes", "found 40 bytes");
    const flipped = bytes.slice();
    flipped[5] ^= 1;
    await Deno.writeFile(bin, flipped);
    await refuses(readPluginState(dir, STAMP), bin, "corrupt or from another save", "expected sha-256");
    await Deno.remove(bin);
    await refuses(readPluginState(dir, STAMP), bin, "missing", "found no such file");
  });
});

Deno.test("plugin state: a reference outside the sidecar or of an unknown type is refused", async () => {
  await withDir(async (dir) => {
    const file = join(dir, STATE_FILE);
    await writePluginState(dir, STAMP, { w: Float32Array.of(1, 2) });
    const doc = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...doc, state: { w: { ...doc.state.w, length: 3 } } }));
    await refuses(readPluginState(dir, STAMP), file, "corrupt at state.w", "found offset 0, length 3");
    await Deno.writeTextFile(
      file,
      JSON.stringify({ ...doc, state: { w: { ...doc.state.w, $array: "Map" } } }),
    );
    await refuses(readPluginState(dir, STAMP), file, "corrupt at state.w", "found Map");
  });
});

Deno.test("plugin state: a folder of an older BatteryML says so; a missing folder says there is none", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify({ model: "dummy", means: [1] }));
    await refuses(
      readPluginState(dir, { plugin: "dummy", version: "1.0.0", kind: "model" }),
      join(dir, STATE_FILE),
      "made by an older BatteryML",
      "rerun the experiment",
      "found model.json",
    );
    const nowhere = join(dir, "nowhere");
    await refuses(
      readPluginState(nowhere, STAMP),
      join(nowhere, STATE_FILE),
      "no saved state",
      "no such folder",
    );
  });
});
