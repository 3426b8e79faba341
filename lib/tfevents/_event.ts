/**
 * Encoders of `tensorboard.Event`: the `file_version` record that opens every file, and summary events
 * (`wall_time`, `step`, `summary`). Fields are written in field-number order so the bytes are stable.
 */
import { ProtoWriter } from "./_proto_writer.ts";
import type { EncodedValue } from "./_summary.ts";

/** The file version TensorBoard expects; version 2 makes it purge only on SessionLog.START. */
export const FILE_VERSION = "brain.Event:2";

/** The first event of a file: wall time and `file_version`, plus the writer's name in source metadata. */
export function fileVersionEvent(wallTime: number, writerName = "batteryml"): Uint8Array {
  const sourceMetadata = new ProtoWriter().string(1, writerName).finish();
  return new ProtoWriter()
    .double(1, wallTime)
    .string(3, FILE_VERSION)
    .message(10, sourceMetadata)
    .finish();
}

/** A summary event holding `values` at `step`; `wallTime` is in seconds. */
export function summaryEvent(wallTime: number, step: number, values: readonly EncodedValue[]): Uint8Array {
  if (!Number.isSafeInteger(step)) throw new RangeError(`event step must be an integer, got ${step}`);
  const summary = new ProtoWriter();
  for (const value of values) summary.message(1, value);
  return new ProtoWriter()
    .double(1, wallTime)
    .varint(2, step)
    .message(5, summary.finish())
    .finish();
}
