/**
 * A minimal protobuf wire-format encoder: just the wire types the TensorBoard event messages use
 * (varint, 64-bit, length-delimited, 32-bit). Hand-written so the writer has no dependency or codegen;
 * field order is free in protobuf, and callers write fields in field-number order for stable bytes.
 */

/** Protobuf wire types. */
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** Accumulates the fields of one message; `finish()` returns its bytes. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  /** Appends a varint-encoded unsigned or signed integer field (int32/int64/enum/bool). */
  varint(field: number, value: number | bigint): this {
    this.#tag(field, WIRE_VARINT);
    this.#push(encodeVarint(BigInt(value)));
    return this;
  }

  /** Appends a `double` field (64-bit little-endian IEEE 754). */
  double(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED64);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.#push(bytes);
    return this;
  }

  /** Appends a `float` field (32-bit little-endian IEEE 754; the value is rounded to float32). */
  float(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  /** Appends a `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    this.#push(encodeVarint(BigInt(value.length)));
    this.#push(value);
    return this;
  }

  /** Appends a `string` field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Appends an embedded message field (its already-encoded bytes). */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  /** Appends a packed `repeated double` field (one length-delimited run of 8-byte values). */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, bytes);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return concatBytes(this.#chunks, this.#length);
  }

  #tag(field: number, wireType: number): void {
    this.#push(encodeVarint(BigInt((field << 3) | wireType)));
  }

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }
}

/** Base-128 varint; negative numbers take ten bytes as two's-complement 64-bit, as protobuf requires. */
export function encodeVarint(value: bigint): Uint8Array {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Concatenates byte chunks (total length given or computed). */
export function concatBytes(chunks: readonly Uint8Array[], totalLength?: number): Uint8Array {
  const total = totalLength ?? chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
