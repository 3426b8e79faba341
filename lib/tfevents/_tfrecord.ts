/**
 * TFRecord framing: `u64 length (LE) | u32 masked_crc32c(length bytes) | payload | u32 masked_crc32c(payload)`.
 * The writer frames event payloads; the reader exists so tests and tools can check what was written,
 * and it refuses a record whose checksums do not match, as TensorBoard's loader does.
 */
import { maskedCrc32c } from "./_crc32c.ts";

/** Bytes of framing around each payload: 8 length + 4 length CRC + 4 payload CRC. */
const FRAME_OVERHEAD = 16;

/** A record that fails its checksum or is cut short. */
export class TfRecordError extends Error {
  /** Byte offset of the record's start in the file. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`TFRecord at byte ${offset}: ${message}`);
    this.name = "TfRecordError";
    this.offset = offset;
  }
}

/** Frames one payload as a TFRecord. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + FRAME_OVERHEAD);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

/** Splits a TFRecord file into payloads, verifying both checksums of every record. */
export function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) throw new TfRecordError("truncated header", offset);
    const length = Number(view.getBigUint64(offset, true));
    if (view.getUint32(offset + 8, true) !== maskedCrc32c(bytes.subarray(offset, offset + 8))) {
      throw new TfRecordError("length checksum mismatch", offset);
    }
    const end = offset + 12 + length;
    if (end + 4 > bytes.length) throw new TfRecordError("truncated payload", offset);
    const payload = bytes.subarray(offset + 12, end);
    if (view.getUint32(end, true) !== maskedCrc32c(payload)) {
      throw new TfRecordError("payload checksum mismatch", offset);
    }
    records.push(payload);
    offset = end + 4;
  }
  return records;
}
