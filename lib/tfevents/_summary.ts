/**
 * Encoders of `tensorboard.Summary.Value` for the kinds BatteryML writes: legacy scalars
 * (`simple_value`), legacy histograms (`HistogramProto`), legacy images (`Summary.Image`, PNG) and
 * text (the text plugin's tensor format). Field numbers follow TensorBoard's summary/tensor protos.
 */
import { ProtoWriter } from "./_proto_writer.ts";
import type { Histogram } from "./_histogram.ts";

/** `DataType.DT_STRING` in tensor.proto. */
const DT_STRING = 7;
/** `DataClass.TENSOR` in summary.proto: text is rendered from a tensor, not a scalar or blob. */
const DATA_CLASS_TENSOR = 2;

/** Image dimensions and colour space (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), as Summary.Image stores them. */
export interface ImageInfo {
  height: number;
  width: number;
  colorspace: number;
}

/** One encoded `Summary.Value`. */
export type EncodedValue = Uint8Array;

/** A scalar as `simple_value` (float32, as TensorBoard's scalar dashboard reads it). */
export function scalarValue(tag: string, value: number): EncodedValue {
  return new ProtoWriter().string(1, tag).float(2, value).finish();
}

/** A histogram as a legacy `HistogramProto` (`bucket_limit` = right edges, `bucket` = counts). */
export function histogramValue(tag: string, histogram: Histogram): EncodedValue {
  const proto = new ProtoWriter()
    .double(1, histogram.min)
    .double(2, histogram.max)
    .double(3, histogram.num)
    .double(4, histogram.sum)
    .double(5, histogram.sumSquares)
    .packedDoubles(6, histogram.bucketLimit)
    .packedDoubles(7, histogram.bucket)
    .finish();
  return new ProtoWriter().string(1, tag).message(5, proto).finish();
}

/** A PNG image as a legacy `Summary.Image`. */
export function imageValue(tag: string, png: Uint8Array, info: ImageInfo): EncodedValue {
  const image = new ProtoWriter()
    .varint(1, info.height)
    .varint(2, info.width)
    .varint(3, info.colorspace)
    .bytes(4, png)
    .finish();
  return new ProtoWriter().string(1, tag).message(4, image).finish();
}

/** Markdown text as a rank-0 `DT_STRING` tensor tagged for the text plugin (it has no legacy form). */
export function textValue(tag: string, markdown: string): EncodedValue {
  const pluginData = new ProtoWriter().string(1, "text").finish();
  const metadata = new ProtoWriter().message(1, pluginData).varint(4, DATA_CLASS_TENSOR).finish();
  // A rank-0 shape is an empty TensorShapeProto, which still has to be present.
  const tensor = new ProtoWriter()
    .varint(1, DT_STRING)
    .message(2, new Uint8Array(0))
    .string(8, markdown)
    .finish();
  return new ProtoWriter().string(1, tag).message(8, tensor).message(9, metadata).finish();
}
