/**
 * The HParams plugin's records (tensorboard/plugins/hparams: plugin_data.proto, api.proto): a run's
 * `SessionStartInfo` (hyper-parameter values) and `SessionEndInfo` (status), each a summary value whose
 * metadata names the `hparams` plugin and carries an `HParamsPluginData` (version 0) as content.
 *
 * No `Experiment` record is written on purpose: TensorBoard takes the first experiment it finds in any
 * run, so one run's experiment would hide the keys of another model's runs. Without one, the plugin builds
 * the experiment from every run's session start info and takes each session run's scalar tags (the final
 * `test/<target>/<metric>` values among them) as its metrics.
 */
import { ProtoWriter } from "./_proto_writer.ts";
import type { EncodedValue } from "./_summary.ts";

/** The plugin's tags (metadata.py). */
export const SESSION_START_INFO_TAG = "_hparams_/session_start_info";
export const SESSION_END_INFO_TAG = "_hparams_/session_end_info";

/** `Status` of api.proto. */
export const SessionStatus = { UNKNOWN: 0, SUCCESS: 1, FAILURE: 2, RUNNING: 3 } as const;
export type SessionStatus = typeof SessionStatus[keyof typeof SessionStatus];

/** A hyper-parameter value: `google.protobuf.Value` holds numbers, strings and booleans. */
export type HParamValue = number | string | boolean;

/** `DataType.DT_FLOAT` of tensor.proto. */
const DT_FLOAT = 1;
/** `HParamsPluginData` fields (field 1, `version`, is 0). */
const PLUGIN_DATA = { sessionStartInfo: 3, sessionEndInfo: 4 } as const;

/** `SessionStartInfo{hparams, group_name, start_time_secs}` as a summary value. */
export function sessionStartValue(
  hparams: Record<string, HParamValue>,
  startTimeSecs: number,
  groupName = "",
): EncodedValue {
  const info = new ProtoWriter();
  for (const key of Object.keys(hparams).sort()) {
    // map<string, Value> is a repeated entry message {key = 1, value = 2}.
    info.message(1, new ProtoWriter().string(1, key).message(2, protobufValue(hparams[key])).finish());
  }
  if (groupName) info.string(4, groupName);
  info.double(5, startTimeSecs);
  return hparamsValue(SESSION_START_INFO_TAG, PLUGIN_DATA.sessionStartInfo, info.finish());
}

/** `SessionEndInfo{status, end_time_secs}` as a summary value. */
export function sessionEndValue(status: SessionStatus, endTimeSecs: number): EncodedValue {
  const info = new ProtoWriter().varint(1, status).double(2, endTimeSecs).finish();
  return hparamsValue(SESSION_END_INFO_TAG, PLUGIN_DATA.sessionEndInfo, info);
}

/** `google.protobuf.Value`: number_value = 2 (double), string_value = 3, bool_value = 4. */
function protobufValue(v: HParamValue): Uint8Array {
  const w = new ProtoWriter();
  if (typeof v === "number") w.double(2, v);
  else if (typeof v === "boolean") w.varint(4, v ? 1 : 0);
  else w.string(3, v);
  return w.finish();
}

/**
 * A summary value for the hparams plugin: the content in the metadata, and the plugin's "null tensor"
 * (an empty float vector, the smallest valid tensor) as the value, as TensorBoard's own writer does.
 */
function hparamsValue(tag: string, field: number, info: Uint8Array): EncodedValue {
  // version = 0 is proto3's default, so like TensorBoard's own writer it is not written.
  const content = new ProtoWriter().message(field, info).finish();
  const pluginData = new ProtoWriter().string(1, "hparams").bytes(2, content).finish();
  const metadata = new ProtoWriter().message(1, pluginData).finish();
  const shape = new ProtoWriter().message(2, new ProtoWriter().varint(1, 0).finish()).finish();
  const tensor = new ProtoWriter().varint(1, DT_FLOAT).message(2, shape).finish();
  return new ProtoWriter().string(1, tag).message(8, tensor).message(9, metadata).finish();
}
