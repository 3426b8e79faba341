import assert from "node:assert/strict";
import { frameRecord, readRecords, TfRecordError } from "../../../lib/tfevents/_tfrecord.ts";
import { summaryEvent } from "../../../lib/tfevents/_event.ts";
import { scalarValue } from "../../../lib/tfevents/_summary.ts";
import { decodeEvent, referenceRecords } from "./event_decoder.ts";

/**
 * Event{wall_time: 1.5, step: 3, summary{value[{tag: "a", simple_value: 0.5}]}}, derived by hand:
 *   Event.wall_time   field 1, wire 1 (fixed64): key (1<<3)|1 = 0x09; 1.5 = 0x3FF8000000000000 LE
 *   Event.step        field 2, wire 0 (varint):  key 0x10; 3 = 0x03
 *   Event.summary     field 5, wire 2:           key 0x2A; length 10
 *     Summary.value   field 1, wire 2:           key 0x0A; length 8
 *       Value.tag     field 1, wire 2:           key 0x0A; length 1; "a" = 0x61
 *       simple_value  field 2, wire 5 (fixed32): key (2<<3)|5 = 0x15; 0.5f = 0x3F000000 LE
 * Payload = 9 + 2 + 2 + 10 = 23 bytes. Framing: length 23 as u64 LE, masked CRC32C of those 8 bytes,
 * payload, masked CRC32C of the payload. The CRCs (0x1EF8CEE7, 0xCD6857DE) were computed with a
 * separate bitwise CRC32C (Python) and are re-checked below with the test's own reference CRC.
 */
// deno-fmt-ignore
const GOLDEN_SCALAR_RECORD = Uint8Array.of(
  0x17, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // length = 23
  0xe7, 0xce, 0xf8, 0x1e, // masked crc32c(length) = 0x1EF8CEE7
  0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, // wall_time = 1.5
  0x10, 0x03, // step = 3
  0x2a, 0x0a, // summary, 10 bytes
  0x0a, 0x08, // value, 8 bytes
  0x0a, 0x01, 0x61, // tag = "a"
  0x15, 0x00, 0x00, 0x00, 0x3f, // simple_value = 0.5f
  0xde, 0x57, 0x68, 0xcd, // masked crc32c(payload) = 0xCD6857DE
);

Deno.test("one scalar event frames to the hand-derived golden bytes", () => {
  const record = frameRecord(summaryEvent(1.5, 3, [scalarValue("a", 0.5)]));
  assert.deepEqual(Array.from(record), Array.from(GOLDEN_SCALAR_RECORD));
});

Deno.test("the golden record passes the reference CRC check and decodes with protobufjs", () => {
  const [payload] = referenceRecords(GOLDEN_SCALAR_RECORD);
  const event = decodeEvent(payload);
  assert.equal(event.wall_time, 1.5);
  assert.equal(event.step, 3);
  assert.deepEqual(event.summary.value, [{ tag: "a", simple_value: 0.5, value: "simple_value" }]);
});

Deno.test("readRecords returns every payload of consecutive records", () => {
  const a = Uint8Array.of(1, 2, 3);
  const b = new Uint8Array(300).fill(7);
  const file = new Uint8Array([...frameRecord(a), ...frameRecord(b), ...frameRecord(new Uint8Array(0))]);
  const records = readRecords(file);
  assert.equal(records.length, 3);
  assert.deepEqual(Array.from(records[0]), [1, 2, 3]);
  assert.equal(records[1].length, 300);
  assert.equal(records[2].length, 0);
});

Deno.test("a flipped byte anywhere in a record is detected by the reader", () => {
  for (let i = 0; i < GOLDEN_SCALAR_RECORD.length; i++) {
    const corrupt = GOLDEN_SCALAR_RECORD.slice();
    corrupt[i] ^= 0x01;
    assert.throws(() => readRecords(corrupt), TfRecordError, `flip at byte ${i}`);
  }
});

Deno.test("a truncated final record is reported, not silently dropped", () => {
  assert.throws(() => readRecords(GOLDEN_SCALAR_RECORD.subarray(0, 30)), /truncated/);
});
