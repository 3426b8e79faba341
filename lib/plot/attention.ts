/**
 * Attention heatmap of one sequence: query step (rows) against key step (columns), the weight averaged
 * over heads. Causal attention shows as an empty upper triangle; padding is left out.
 */
import { Plot, type RenderedFigure, renderFigure } from "./render.ts";

/** One sequence's attention: weights (heads·T·T, row-major) over its first `length` steps. */
export interface AttentionHeatmapInput {
  weights: Float32Array | readonly number[];
  heads: number;
  steps: number;
  length: number;
  /** Labels of the steps (e.g. RPT numbers); default 0…length−1. */
  labels?: readonly (string | number)[];
  title?: string;
}

/** Cells of the heatmap: mean weight over heads per (query, key) within the length. */
export function attentionCells(a: AttentionHeatmapInput): { query: string; key: string; weight: number }[] {
  const label = (s: number) => String(a.labels?.[s] ?? s);
  const out: { query: string; key: string; weight: number }[] = [];
  for (let q = 0; q < a.length; q++) {
    for (let k = 0; k < a.length; k++) {
      let sum = 0;
      for (let h = 0; h < a.heads; h++) sum += a.weights[(h * a.steps + q) * a.steps + k];
      out.push({ query: label(q), key: label(k), weight: sum / a.heads });
    }
  }
  return out;
}

/** The heatmap as SVG and PNG. */
export function attentionHeatmap(a: AttentionHeatmapInput): RenderedFigure {
  if (a.length < 1) throw new RangeError("attention heatmap: empty sequence");
  const cells = attentionCells(a);
  const order = cells.slice(0, a.length).map((c) => c.key);
  const size = Math.min(560, 80 + 36 * a.length);
  const color = { type: "linear", scheme: "blues", domain: [0, 1] } as const satisfies Plot.ScaleOptions;
  const scale = Plot.scale({ color });
  return renderFigure({
    width: size + 90,
    height: size,
    marginLeft: 60,
    marginTop: 52,
    marginBottom: 12,
    // Rows run downwards in step order (the first query at the top), as attention maps are read.
    x: { domain: order, label: "attended step (key) →", axis: "top" },
    y: { domain: order, label: "predicting step (query) ↓" },
    color,
    marks: [
      Plot.cell(cells, { x: "key", y: "query", fill: "weight", inset: 0.5 }),
      Plot.text(cells, {
        x: "key",
        y: "query",
        text: (c: { weight: number }) => (a.length <= 12 ? c.weight.toFixed(2) : ""),
        fill: (c: { weight: number }) => (c.weight > 0.5 ? "white" : "black"),
        fontSize: 9,
      }),
    ],
  }, {
    title: a.title ?? "Attention weights (mean over heads)",
    colorBar: { label: "weight (–)", domain: [0, 1], color: (v) => String(scale.apply(v)) },
  });
}
