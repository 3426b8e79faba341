/**
 * Save/load a booster as JSON. Numbers survive exactly (JSON writes the shortest round-tripping decimal);
 * only ±Infinity thresholds, which JSON cannot hold, are written as strings.
 */
import { Booster } from "./booster.ts";
import { resolveParams } from "./params.ts";
import type { Tree } from "./tree.ts";

/** Format tag and version written into every model file. */
export const MODEL_FORMAT = { format: "batteryml-gbdt", version: 1 } as const;

/** The JSON shape of a saved booster. */
export interface BoosterJson {
  format: typeof MODEL_FORMAT.format;
  version: number;
  params: Record<string, unknown>;
  numFeatures: number;
  initScore: number;
  bestIteration: number;
  trees: TreeJson[];
}

/** The JSON shape of one tree: the typed arrays of `Tree` as plain arrays. */
export interface TreeJson {
  numLeaves: number;
  splitFeature: number[];
  thresholdBin: number[];
  threshold: (number | string)[];
  defaultLeft: number[];
  leftChild: number[];
  rightChild: number[];
  splitGain: number[];
  leafValue: number[];
  leafCount: number[];
  leafDepth: number[];
}

/** A JSON-ready object for a booster. */
export function boosterToJson(booster: Booster): BoosterJson {
  return {
    ...MODEL_FORMAT,
    params: { ...booster.params },
    numFeatures: booster.numFeatures,
    initScore: booster.initScore,
    bestIteration: booster.bestIteration,
    trees: booster.trees.map(treeToJson),
  };
}

/** Rebuilds a booster from `boosterToJson` output; rejects other formats and malformed trees. */
export function boosterFromJson(json: unknown): Booster {
  const j = json as BoosterJson;
  if (j?.format !== MODEL_FORMAT.format || j.version !== MODEL_FORMAT.version) {
    throw new TypeError(
      `not a ${MODEL_FORMAT.format} v${MODEL_FORMAT.version} model: format ${j?.format}, version ${j?.version}`,
    );
  }
  const trees = j.trees.map((t, i) => treeFromJson(t, i, j.numFeatures));
  return new Booster(resolveParams(j.params), j.numFeatures, j.initScore, trees, j.bestIteration);
}

function treeToJson(t: Tree): TreeJson {
  return {
    numLeaves: t.numLeaves,
    splitFeature: Array.from(t.splitFeature),
    thresholdBin: Array.from(t.thresholdBin),
    threshold: Array.from(t.threshold, (v) => Number.isFinite(v) ? v : String(v)),
    defaultLeft: Array.from(t.defaultLeft),
    leftChild: Array.from(t.leftChild),
    rightChild: Array.from(t.rightChild),
    splitGain: Array.from(t.splitGain),
    leafValue: Array.from(t.leafValue),
    leafCount: Array.from(t.leafCount),
    leafDepth: Array.from(t.leafDepth),
  };
}

function treeFromJson(t: TreeJson, index: number, numFeatures: number): Tree {
  const nodes = t.numLeaves - 1;
  const arrays = [
    t.splitFeature,
    t.thresholdBin,
    t.threshold,
    t.defaultLeft,
    t.leftChild,
    t.rightChild,
    t.splitGain,
  ];
  const leafArrays = [t.leafValue, t.leafCount, t.leafDepth];
  const childOk = (c: number) => c < nodes && c >= -t.numLeaves;
  if (
    !(t.numLeaves >= 1) || arrays.some((a) => a?.length !== nodes) ||
    leafArrays.some((a) => a?.length !== t.numLeaves) ||
    !t.splitFeature.every((f) => f >= 0 && f < numFeatures) || !t.leftChild.every(childOk) ||
    !t.rightChild.every(childOk)
  ) {
    throw new TypeError(`tree ${index} is malformed (array lengths, feature or child indices out of range)`);
  }
  return {
    numLeaves: t.numLeaves,
    splitFeature: Int32Array.from(t.splitFeature),
    thresholdBin: Int32Array.from(t.thresholdBin),
    threshold: Float64Array.from(t.threshold, Number),
    defaultLeft: Uint8Array.from(t.defaultLeft),
    leftChild: Int32Array.from(t.leftChild),
    rightChild: Int32Array.from(t.rightChild),
    splitGain: Float64Array.from(t.splitGain),
    leafValue: Float64Array.from(t.leafValue),
    leafCount: Int32Array.from(t.leafCount),
    leafDepth: Int32Array.from(t.leafDepth),
  };
}
