/**
 * Test-only reader of TensorBoard event files, independent of lib/tfevents: its own bitwise CRC32C and
 * a protobufjs decoder built from the field numbers and types of TensorBoard's protos (tracking.md §1.3).
 */
import protobuf from "protobufjs";

/** TensorBoard's event/summary/tensor/histogram protos, reduced to the fields in tracking.md. */
const EVENT_PROTO = `
syntax = "proto3";
package tensorboard;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    bytes graph_def = 4;
    Summary summary = 5;
    bytes meta_graph_def = 9;
  }
  SourceMetadata source_metadata = 10;
}
message SourceMetadata { string writer = 1; }
message Summary {
  message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
  message Value {
    string tag = 1;
    string node_name = 7;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      bytes obsolete_old_style_histogram = 3;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  DataClass data_class = 4;
}
enum DataClass { DATA_CLASS_UNKNOWN = 0; DATA_CLASS_SCALAR = 1; DATA_CLASS_TENSOR = 2; DATA_CLASS_BLOB_SEQUENCE = 3; }
message HistogramProto {
  double min = 1; double max = 2; double num = 3; double sum = 4; double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  bytes tensor_content = 4;
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7;
  repeated bytes string_val = 8;
  repeated int64 int64_val = 10;
}
`;

const root = protobuf.parse(EVENT_PROTO, { keepCase: true }).root;
const EventType = root.lookupType("tensorboard.Event");

/** A decoded event as a plain object (int64 as numbers, bytes as Uint8Array, defaults omitted). */
// deno-lint-ignore no-explicit-any
export type DecodedEvent = Record<string, any>;

/** Bitwise CRC32C (no table), written independently of the library's table-driven one. */
export function referenceCrc32c(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** Masked CRC as TFRecord defines it. */
export function referenceMaskedCrc(bytes: Uint8Array): number {
  const c = referenceCrc32c(bytes);
  const rotated = ((c >>> 15) | (c << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** Splits a file into payloads, checking both CRCs with the reference implementation. */
export function referenceRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < file.length) {
    const length = Number(view.getBigUint64(at, true));
    const lengthCrc = view.getUint32(at + 8, true);
    if (lengthCrc !== referenceMaskedCrc(file.subarray(at, at + 8))) throw new Error(`length CRC at ${at}`);
    const payload = file.subarray(at + 12, at + 12 + length);
    if (payload.length !== length) throw new Error(`truncated record at ${at}`);
    if (view.getUint32(at + 12 + length, true) !== referenceMaskedCrc(payload)) {
      throw new Error(`payload CRC at ${at}`);
    }
    out.push(payload);
    at += 16 + length;
  }
  return out;
}

/** Decodes one Event payload with protobufjs. */
export function decodeEvent(payload: Uint8Array): DecodedEvent {
  const message = EventType.decode(payload);
  return EventType.toObject(message, { longs: Number, bytes: Uint8Array, defaults: false, oneofs: true });
}

/** Reads, CRC-checks and decodes every record of an event file. */
export async function readEventFile(path: string): Promise<DecodedEvent[]> {
  return referenceRecords(await Deno.readFile(path)).map(decodeEvent);
}
