/**
 * The HParams plugin's records (tensorboard/plugins/hparams: plugin_data.proto, api.proto): a run's
 * `SessionStartInfo` (hyper-parameter values) and `SessionEndInfo` (status), each a summary value whose
 * metadata names the `hparams` plugin and carries an `HParamsPluginData` (version 0) as content.
 *
 * A plain run writes no `Experiment` record: TensorBoard takes the first experiment it finds in any run,
 * so one run's experiment would hide the keys of another model's runs. Without one, the plugin builds the
 * experiment from every run's session start info and takes each session run's scalar tags (the final
 * `test/<target>/<metric>` values among them) as its metrics. A sweep's folder, a logdir of its own, gets
 * one (`experimentValue`): the swept keys with their values as the hparams, the compared metrics as the
 * metric columns.
 */
import { ProtoWriter } from "./_proto_writer.ts";
import type { EncodedValue } from "./_summary.ts";

/** The plugin's tags (metadata.py). */
export const SESSION_START_INFO_TAG = "_hparams_/session_start_info";
export const SESSION_END_INFO_TAG = "_hparams_/session_end_info";
export const EXPERIMENT_TAG = "_hparams_/experiment";

/** `Status` of api.proto. */
export const SessionStatus = { UNKNOWN: 0, SUCCESS: 1, FAILURE: 2, RUNNING: 3 } as const;
export type SessionStatus = typeof SessionStatus[keyof typeof SessionStatus];

/** A hyper-parameter value: `google.protobuf.Value` holds numbers, strings and booleans. */
export type HParamValue = number | string | boolean;

/** `DataType.DT_FLOAT` of tensor.proto. */
const DT_FLOAT = 1;
/** `HParamsPluginData` fields (field 1, `version`, is 0). */
const PLUGIN_DATA = { experiment: 2, sessionStartInfo: 3, sessionEndInfo: 4 } as const;
/** `DataType` of api.proto (the type of an hparam's values). */
const HPARAM_TYPE = { string: 1, boolean: 2, number: 3 } as const;

/** An hparam column: its name and the values it takes (a discrete domain, all of one type). */
export interface HParamInfo {
  name: string;
  values: readonly HParamValue[];
}

/** A metric column: the scalar `tag` of each session's run (or of its sub-run `group`). */
export interface MetricInfo {
  tag: string;
  group?: string;
  displayName?: string;
  description?: string;
}

/** What an experiment declares: its name, the hparam columns and the metric columns. */
export interface ExperimentInfo {
  name: string;
  description?: string;
  timeCreatedSecs: number;
  hparams: readonly HParamInfo[];
  metrics: readonly MetricInfo[];
}

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

/**
 * `Experiment{name = 6, description = 1, time_created_secs = 3, hparam_infos = 4, metric_infos = 5}` as a
 * summary value. An hparam's values must be of one type (its `DataType`); a mixed list is an error.
 */
export function experimentValue(e: ExperimentInfo): EncodedValue {
  const info = new ProtoWriter().string(6, e.name);
  if (e.description) info.string(1, e.description);
  info.double(3, e.timeCreatedSecs);
  for (const h of e.hparams) {
    const types = new Set(h.values.map((v) => typeof v as keyof typeof HPARAM_TYPE));
    if (types.size !== 1) {
      throw new TypeError(
        `hparam '${h.name}': expected values of one type, found ${[...types].join(", ") || "none"}`,
      );
    }
    // HParamInfo{name = 1, type = 4, domain_discrete = 5 (ListValue{values = 1})}.
    const list = new ProtoWriter();
    for (const v of h.values) list.message(1, protobufValue(v));
    info.message(
      4,
      new ProtoWriter().string(1, h.name).varint(4, HPARAM_TYPE[[...types][0]]).message(5, list.finish())
        .finish(),
    );
  }
  for (const m of e.metrics) {
    // MetricInfo{name = 1 (MetricName{group = 1, tag = 2}), display_name = 3, description = 4}.
    const name = new ProtoWriter();
    if (m.group) name.string(1, m.group);
    name.string(2, m.tag);
    const metric = new ProtoWriter().message(1, name.finish());
    if (m.displayName) metric.string(3, m.displayName);
    if (m.description) metric.string(4, m.description);
    info.message(5, metric.finish());
  }
  return hparamsValue(EXPERIMENT_TAG, PLUGIN_DATA.experiment, info.finish());
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
