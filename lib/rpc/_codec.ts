/**
 * The sandbox wire format: one message is a JSON tree plus binary frames, so SampleSets, curves, tables,
 * predictions and plugin state cross the process boundary as raw typed-array bytes (bit-exact, no number
 * formatting) instead of JSON numbers.
 *
 * Frame: u32 total byte length | u32 JSON length | JSON (UTF-8) | per binary: u32 length, bytes.
 * Values JSON cannot hold are tagged objects: `{$t, $b}` a typed array (binary frame $b), `{$n}` NaN, ±Infinity
 * or −0, `{$d}` a Date, `{$rng}` an Rng's state (the other side continues the same stream), and `{$o}` /
 * `{$f}` a reference to an object with methods or a function living on the sending side (`refs` decides).
 * An object reference lists its methods (`m`) and, in `w`, those marked one-way (`oneWay`): sinks whose
 * caller never needs an answer, so the other side calls them without waiting for one.
 */
import { Rng, type RngSnapshot } from "../random/mod.ts";

const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;
type Typed = InstanceType<typeof TYPED[TypedName]>;

/** How references to live objects and functions are made and resolved (the channel's registry). */
export interface RefCodec {
  /** Registers a local object with methods, or a function; returns its id. */
  register(value: object): number;
  /**
   * A stand-in for the other side's object `id` with data props `props` and methods `methods`, of which
   * `oneWay` are called without waiting for an answer.
   */
  remoteObject(id: number, props: Record<string, unknown>, methods: string[], oneWay?: string[]): object;
  /** A stand-in for the other side's function `id`. */
  remoteFunction(id: number): (...args: unknown[]) => unknown;
}

const ONE_WAY = new WeakMap<object, string[]>();

/**
 * Marks `methods` of `target` one-way when it crosses as a reference: the other side's calls return at once
 * (resolving to undefined) and the channel delivers them in order before any later answer. For sinks — a
 * logger, a metrics sink — whose caller ignores the result; the receiving channel still reports a failure.
 */
export function oneWay<T extends object>(target: T, methods: (keyof T & string)[]): T {
  ONE_WAY.set(target, methods);
  return target;
}

/** One decoded message: a JSON-able value with its typed arrays and references restored. */
export function encodeMessage(value: unknown, refs: RefCodec): Uint8Array {
  const binaries: Uint8Array[] = [];
  const json = new TextEncoder().encode(JSON.stringify(toWire(value, refs, binaries, new Set())));
  let total = 4 + json.length;
  for (const b of binaries) total += 4 + b.length;
  const out = new Uint8Array(4 + total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  let offset = 8 + json.length;
  for (const b of binaries) {
    view.setUint32(offset, b.length, true);
    out.set(b, offset + 4);
    offset += 4 + b.length;
  }
  return out;
}

/** Decodes the body of a frame (everything after the total length). */
export function decodeMessage(body: Uint8Array, refs: RefCodec): unknown {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const jsonLength = view.getUint32(0, true);
  const json = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + jsonLength)));
  const binaries: Uint8Array[] = [];
  let offset = 4 + jsonLength;
  while (offset < body.length) {
    const length = view.getUint32(offset, true);
    binaries.push(body.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return fromWire(json, refs, binaries);
}

function toWire(value: unknown, refs: RefCodec, binaries: Uint8Array[], seen: Set<object>): unknown {
  if (typeof value === "number") {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return { $n: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (typeof value === "function") return { $f: refs.register(value) };
  if (value === null || typeof value !== "object") {
    if (typeof value === "bigint" || typeof value === "symbol") {
      throw new TypeError(`a ${typeof value} cannot cross the sandbox boundary`);
    }
    return value;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw new TypeError(`a ${name} cannot cross the sandbox boundary`);
    binaries.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return { $t: name, $b: binaries.length - 1 };
  }
  if (value instanceof Date) return { $d: value.toISOString() };
  if (value instanceof Rng) return { $rng: value.snapshot() };
  if (seen.has(value)) throw new TypeError("a value with a cycle cannot cross the sandbox boundary");
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toWire(v, refs, binaries, seen));
    const methods = methodNames(value);
    const props: Record<string, unknown> = {};
    for (const k of dataKeys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v !== "function" && v !== undefined) props[k] = toWire(v, refs, binaries, seen);
    }
    if (methods.length > 0) {
      const w = ONE_WAY.get(value)?.filter((m) => methods.includes(m));
      return { $o: refs.register(value), p: props, m: methods, ...(w?.length ? { w } : {}) };
    }
    return isTagLike(props) ? { $plain: props } : props;
  } finally {
    seen.delete(value);
  }
}

function fromWire(value: unknown, refs: RefCodec, binaries: Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => fromWire(v, refs, binaries));
  const o = value as Record<string, unknown>;
  if (typeof o.$t === "string" && typeof o.$b === "number") {
    const ctor = TYPED[o.$t as TypedName];
    // Copied into a fresh, aligned buffer: the frame's bytes may sit at any offset.
    const bytes = binaries[o.$b].slice();
    return new ctor(bytes.buffer, 0, bytes.byteLength / ctor.BYTES_PER_ELEMENT) as Typed;
  }
  if (typeof o.$n === "string") return o.$n === "-0" ? -0 : Number(o.$n);
  if (typeof o.$d === "string") return new Date(o.$d);
  if (o.$rng) return Rng.fromSnapshot(o.$rng as RngSnapshot);
  if (typeof o.$f === "number") return refs.remoteFunction(o.$f);
  if (typeof o.$o === "number") {
    const props = fromWire(o.p, refs, binaries) as Record<string, unknown>;
    return refs.remoteObject(o.$o, props, o.m as string[], (o.w as string[] | undefined) ?? []);
  }
  const plain = (o.$plain ?? o) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain)) out[k] = fromWire(v, refs, binaries);
  return out;
}

/** A plain object whose keys would be read as one of the tags above is wrapped, so it comes back as is. */
function isTagLike(props: Record<string, unknown>): boolean {
  return ["$t", "$n", "$d", "$rng", "$f", "$o", "$plain"].some((k) => k in props);
}

/** Own enumerable keys and the getters of its class (a class instance's `get produces()`). */
function dataKeys(value: object): string[] {
  const keys = new Set(Object.keys(value));
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (Object.getOwnPropertyDescriptor(p, k)?.get) keys.add(k);
    }
  }
  return [...keys];
}

/** Methods of an object: functions among its own properties and its class's (not Object's). */
export function methodNames(value: object): string[] {
  const names = new Set<string>();
  for (const [k, v] of Object.entries(value)) if (typeof v === "function") names.add(k);
  for (let p = Object.getPrototypeOf(value); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (typeof d?.value === "function") names.add(k);
    }
  }
  return [...names];
}
