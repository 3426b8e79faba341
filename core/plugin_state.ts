/**
 * Plugin state on disk: what a fitted pipeline's or model's `state()` returns, written by the core so that
 * plugins never write files. A state folder holds `state.json` (the stamp, the sidecar's size and sha-256,
 * and the state with every typed array replaced by a reference) and `state.bin` (the typed arrays' bytes,
 * little-endian, each at an 8-byte-aligned offset). Bytes are copied, never printed as decimals, so floats
 * come back bit-identical (−0, subnormals and NaN payloads included); JSON numbers that JSON cannot hold
 * (NaN, ±Infinity, −0) are written as `{ "$number": "NaN" }` and the like.
 *
 * A state is restored only into the plugin that wrote it: same kind, same name, same major version (for
 * 0.y versions, same 0.y: semver treats a 0.y minor as breaking) and the same `STATE_FORMAT`. Everything
 * else — another plugin, another major, another format, a truncated or corrupt file, a JSON file that is
 * not a state, a folder written before states existed — is a DataError naming the file, what was expected
 * and what was found.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../lib/io/mod.ts";
import { DataError, PluginError } from "./errors.ts";
import type { PluginDefinition, PluginKind, PluginState, PluginStateValue, StateArray } from "./plugin.ts";

/** Version of the state file layout (this module's encoding); bumped when the layout changes. */
export const STATE_FORMAT = 1;
/** The JSON document of a state folder. */
export const STATE_FILE = "state.json";
/** The typed arrays of a state folder. */
export const STATE_SIDECAR = "state.bin";

/** Which plugin wrote (or may read) a state. */
export interface StateStamp {
  plugin: string;
  version: string;
  kind: PluginKind;
}

/** The stamp of a plugin definition. */
export function stampOf(definition: Pick<PluginDefinition, "name" | "version" | "kind">): StateStamp {
  return { plugin: definition.name, version: definition.version, kind: definition.kind };
}

/** What identifies a state document among other JSON files. */
const MARKER = "batteryml-plugin-state";

/** The document written to `state.json`. */
interface StateDocument extends StateStamp {
  document: typeof MARKER;
  format: number;
  sidecar: { file: string; bytes: number; sha256: string };
  state: unknown;
}

const ARRAY_TYPES = {
  Float32Array,
  Float64Array,
  Int8Array,
  Int16Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Uint32Array,
} as const;
type ArrayTypeName = keyof typeof ARRAY_TYPES;

/** Typed arrays are copied byte for byte: the file is little-endian only when this machine is. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A state encoded in memory: the JSON document and the sidecar's bytes (what the two files hold). */
export interface EncodedState {
  document: string;
  sidecar: Uint8Array;
}

/** Encodes `state` with its stamp; a value a state may not hold is a PluginError naming its path. */
export async function encodePluginState(stamp: StateStamp, state: PluginState): Promise<EncodedState> {
  requireLittleEndian();
  const arrays: StateArray[] = [];
  let bytes = 0;
  const reference = (a: StateArray) => {
    bytes = align8(bytes);
    const ref = { $array: a.constructor.name, offset: bytes, length: a.length };
    arrays.push(a);
    bytes += a.byteLength;
    return ref;
  };
  let encoded: unknown;
  try {
    encoded = encodeValue(state, "state", reference);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    throw new PluginError(
      stamp.plugin,
      `${stamp.kind} state() returned what no state can hold: ${err.message}`,
      {
        cause: err,
      },
    );
  }
  const sidecar = new Uint8Array(align8(bytes));
  let at = 0;
  for (const a of arrays) {
    at = align8(at);
    sidecar.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  const doc: StateDocument = {
    document: MARKER,
    format: STATE_FORMAT,
    ...stamp,
    sidecar: { file: STATE_SIDECAR, bytes: sidecar.byteLength, sha256: await sha256(sidecar) },
    state: encoded,
  };
  return { document: JSON.stringify(doc) + "\n", sidecar };
}

/**
 * Decodes an encoded state after checking its stamp against `expected`; `file` names the document in
 * errors. The typed arrays come back as fresh copies of the sidecar's bytes.
 */
export async function decodePluginState(
  encoded: EncodedState,
  expected: StateStamp,
  file: string,
): Promise<PluginState> {
  requireLittleEndian();
  const doc = parseDocument(encoded.document, file);
  checkStamp(doc, expected, file);
  const sidecarFile = join(file, "..", STATE_SIDECAR);
  if (encoded.sidecar.byteLength !== doc.sidecar.bytes) {
    throw new DataError("the state's typed arrays are cut short or padded (an interrupted copy?)", {
      file: sidecarFile,
      expected: `${doc.sidecar.bytes} bytes (recorded in ${STATE_FILE})`,
      found: `${encoded.sidecar.byteLength} bytes`,
    });
  }
  if (await sha256(encoded.sidecar) !== doc.sidecar.sha256) {
    throw new DataError("the state's typed arrays are corrupt or from another save", {
      file: sidecarFile,
      expected: `sha-256 ${doc.sidecar.sha256}`,
      found: `sha-256 ${await sha256(encoded.sidecar)}`,
    });
  }
  const state = decodeValue(doc.state, "state", encoded.sidecar, file);
  if (!isPlainObject(state)) {
    throw new DataError("the state is not an object", { file, expected: "an object", found: typeof state });
  }
  return state as PluginState;
}

/** Writes `state` into `dir` (state.bin first, then state.json, each atomically). */
export async function writePluginState(dir: string, stamp: StateStamp, state: PluginState): Promise<void> {
  const encoded = await encodePluginState(stamp, state);
  await writeFileAtomic(join(dir, STATE_SIDECAR), encoded.sidecar);
  await writeFileAtomic(join(dir, STATE_FILE), encoded.document);
}

/** Reads the state in `dir` if it was written by the plugin `expected` names (see the module comment). */
export async function readPluginState(dir: string, expected: StateStamp): Promise<PluginState> {
  const file = join(dir, STATE_FILE);
  const document = await readOrExplain(dir, file, expected);
  const sidecar = await Deno.readFile(join(dir, STATE_SIDECAR)).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    throw new DataError("the state's typed arrays are missing", {
      file: join(dir, STATE_SIDECAR),
      expected: `the ${STATE_SIDECAR} written with ${STATE_FILE}`,
      found: "no such file",
    });
  });
  return await decodePluginState({ document, sidecar }, expected, file);
}

/** The document's text; a missing one is explained (no folder, or a folder of an older BatteryML). */
async function readOrExplain(dir: string, file: string, expected: StateStamp): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => null);
  if (entries && entries.length > 0) {
    throw new DataError(
      `this folder was made by an older BatteryML (plugin files, no ${STATE_FILE}); rerun the experiment`,
      {
        file,
        expected: `the saved state of ${expected.kind} '${expected.plugin}'`,
        found: `${entries.map((e) => e.name).sort().join(", ")}`,
      },
    );
  }
  throw new DataError(`no saved state of ${expected.kind} '${expected.plugin}'`, {
    file,
    expected: `a ${STATE_FILE} written by a finished run`,
    found: entries ? "an empty folder" : "no such folder",
  });
}

function parseDocument(text: string, file: string): StateDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DataError("the state file is not valid JSON (truncated or corrupt)", {
      file,
      expected: "a BatteryML plugin state",
      found: (err as Error).message,
    });
  }
  const d = doc as Partial<StateDocument> | null;
  if (!isPlainObject(d) || d.document !== MARKER) {
    throw new DataError("not a BatteryML plugin state", {
      file,
      expected: `a JSON object with "document": "${MARKER}"`,
      found: isPlainObject(d) ? `keys ${Object.keys(d).join(", ") || "(none)"}` : describe(d),
    });
  }
  if (d.format !== STATE_FORMAT) {
    throw new DataError("the state was written in another format", {
      file,
      expected: `state format ${STATE_FORMAT}`,
      found: `format ${describe(d.format)}`,
    });
  }
  const s = d.sidecar;
  if (
    typeof d.plugin !== "string" || typeof d.version !== "string" || typeof d.kind !== "string" ||
    !isPlainObject(s) || !Number.isInteger(s.bytes) || typeof s.sha256 !== "string" || !("state" in d)
  ) {
    throw new DataError("the state's header is incomplete", {
      file,
      expected: "plugin, version, kind, sidecar { bytes, sha256 } and state",
      found: `keys ${Object.keys(d).join(", ")}`,
    });
  }
  return d as StateDocument;
}

function checkStamp(doc: StateDocument, expected: StateStamp, file: string): void {
  const found = `the state of ${doc.kind} '${doc.plugin}' ${doc.version}`;
  if (doc.kind !== expected.kind || doc.plugin !== expected.plugin) {
    throw new DataError("the state belongs to another plugin", {
      file,
      expected: `the state of ${expected.kind} '${expected.plugin}'`,
      found,
    });
  }
  if (compatibilityLine(doc.version) !== compatibilityLine(expected.version)) {
    throw new DataError(
      `the state was written by an incompatible version of '${expected.plugin}'; rerun the experiment`,
      { file, expected: `version ${compatibilityLine(expected.version)} (from ${expected.version})`, found },
    );
  }
}

/**
 * The part of a version that must match for a state to restore: the major for 1.0.0 and later, `0.y` for
 * 0.y.z, the whole version for 0.0.z (semver: below 1.0.0 a minor, below 0.1.0 a patch may break).
 */
export function compatibilityLine(version: string): string {
  const [major, minor, patch] = version.split(/[.+-]/);
  if (major !== "0") return `${major}.x`;
  if (minor !== "0") return `0.${minor}.x`;
  return `0.0.${patch}`;
}

type Reference = (a: StateArray) => { $array: string; offset: number; length: number };

function encodeValue(v: unknown, path: string, reference: Reference): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return encodeNumber(v);
  if (ArrayBuffer.isView(v)) {
    if (
      !(v.constructor.name in ARRAY_TYPES) ||
      (v.constructor as unknown) !== ARRAY_TYPES[v.constructor.name as ArrayTypeName]
    ) {
      throw new TypeError(
        `${path} is a ${v.constructor.name}; a state holds ${Object.keys(ARRAY_TYPES).join(", ")}`,
      );
    }
    return reference(v as StateArray);
  }
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      if (item === undefined) throw new TypeError(`${path}[${i}] is undefined; a state holds null instead`);
      return encodeValue(item, `${path}[${i}]`, reference);
    });
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      if (key.startsWith("$")) throw new TypeError(`${path}.${key}: keys starting with '$' are reserved`);
      if (item !== undefined) out[key] = encodeValue(item, `${path}.${key}`, reference); // as JSON does
    }
    return out;
  }
  throw new TypeError(
    `${path} is ${describe(v)}; a state holds JSON values, typed arrays, arrays and plain objects`,
  );
}

function encodeNumber(v: number): unknown {
  if (Number.isFinite(v) && !Object.is(v, -0)) return v;
  return { $number: Object.is(v, -0) ? "-0" : String(v) };
}

const SPECIAL_NUMBERS: Record<string, number> = {
  NaN: NaN,
  Infinity: Infinity,
  "-Infinity": -Infinity,
  "-0": -0,
};

function decodeValue(v: unknown, path: string, sidecar: Uint8Array, file: string): PluginStateValue {
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
  if (Array.isArray(v)) return v.map((item, i) => decodeValue(item, `${path}[${i}]`, sidecar, file));
  if (!isPlainObject(v)) throw corrupt(file, path, "a JSON value", describe(v));
  if ("$number" in v) {
    const n = SPECIAL_NUMBERS[String(v.$number)];
    if (n === undefined) throw corrupt(file, path, "NaN, Infinity, -Infinity or -0", String(v.$number));
    return n;
  }
  if ("$array" in v) return decodeArray(v, path, sidecar, file);
  const out: Record<string, PluginStateValue> = {};
  for (const [key, item] of Object.entries(v)) out[key] = decodeValue(item, `${path}.${key}`, sidecar, file);
  return out;
}

function decodeArray(
  ref: Record<string, unknown>,
  path: string,
  sidecar: Uint8Array,
  file: string,
): StateArray {
  const Type = ARRAY_TYPES[ref.$array as ArrayTypeName];
  if (!Object.hasOwn(ARRAY_TYPES, String(ref.$array))) {
    throw corrupt(
      file,
      path,
      `a typed array type (${Object.keys(ARRAY_TYPES).join(", ")})`,
      String(ref.$array),
    );
  }
  const offset = ref.offset, length = ref.length;
  const end = Number(offset) + Number(length) * Type.BYTES_PER_ELEMENT;
  if (
    !Number.isInteger(offset) || !Number.isInteger(length) || Number(offset) % 8 !== 0 ||
    end > sidecar.byteLength
  ) {
    throw corrupt(
      file,
      path,
      `an 8-byte-aligned range within the ${sidecar.byteLength}-byte sidecar`,
      `offset ${offset}, length ${length}`,
    );
  }
  return new Type(sidecar.slice(Number(offset), end).buffer);
}

function corrupt(file: string, path: string, expected: string, found: string): DataError {
  return new DataError(`the state is corrupt at ${path}`, { file, expected, found });
}

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new Error("plugin states are little-endian; this machine is big-endian");
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `a ${v.constructor?.name ?? "object"}`;
  return `${typeof v} ${JSON.stringify(v) ?? String(v)}`;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
