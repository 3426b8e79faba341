/**
 * What a reviewer checks in a figure: temperature colours that stay apart for colour-blind readers, bold
 * titles that are bold in the PNG, a generic font fallback in the SVG, a colour bar on the attention map and
 * line-style legends.
 */
import assert from "node:assert/strict";
import { attentionHeatmap } from "../../../lib/plot/attention.ts";
import {
  renderFigure,
  SVG_FONT_FAMILY,
  svgToPng,
  TEMPERATURE_COLORS,
  temperatureColor,
} from "../../../lib/plot/render.ts";
import { decodePng, inkPixels } from "./png_decode.ts";

/**
 * Colour-vision deficiency simulation of Machado, Oliveira & Fernandes (IEEE TVCG 15 (2009) 1291), severity
 * 1.0, applied to linear RGB; colours compared by CIE76 ΔE in CIELAB (D65).
 */
const PROTANOPIA = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [
  -0.003882,
  -0.048116,
  1.051998,
]];
const DEUTERANOPIA = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [
  -0.011820,
  0.042940,
  0.968881,
]];

function linear(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function lab(hex: string, matrix?: number[][]): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  let rgb = [linear((v >> 16) & 255), linear((v >> 8) & 255), linear(v & 255)];
  if (matrix) {
    rgb = matrix.map((row) => Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2])));
  }
  const [r, g, b] = rgb;
  const X = 0.4124 * r + 0.3576 * g + 0.1805 * b, Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const Z = 0.0193 * r + 0.1192 * g + 0.9505 * b;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f(X / 0.95047), fy = f(Y), fz = f(Z / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function minDeltaE(colors: readonly string[], matrix?: number[][]): number {
  const labs = colors.map((c) => lab(c, matrix));
  let min = Infinity;
  for (let i = 0; i < labs.length; i++) {
    for (let j = i + 1; j < labs.length; j++) {
      min = Math.min(min, Math.hypot(...labs[i].map((v, k) => v - labs[j][k])));
    }
  }
  return min;
}

Deno.test("the 10/25/40 °C colours stay apart under protanopia and deuteranopia (ΔE > 20)", () => {
  const palette = [10, 25, 40].map(temperatureColor);
  assert.deepEqual(palette, [TEMPERATURE_COLORS[10], TEMPERATURE_COLORS[25], TEMPERATURE_COLORS[40]]);
  // The simulation itself tells palettes apart: matplotlib's tab10 blue/green/red (the old choice)
  // collapses green and red for a deuteranope (ΔE ≈ 7).
  assert.ok(minDeltaE(["#1f77b4", "#2ca02c", "#d62728"], DEUTERANOPIA) < 10);
  for (
    const [name, m] of [["normal vision", undefined], ["protanopia", PROTANOPIA], [
      "deuteranopia",
      DEUTERANOPIA,
    ]] as const
  ) {
    const d = minDeltaE(palette, m as number[][] | undefined);
    assert.ok(d > 20, `${name}: closest pair ΔE ${d.toFixed(1)}`);
  }
});

Deno.test("a bold title is bold in the PNG: more ink than the same text in the regular face", () => {
  const svg = (weight: string) =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="10" y="28" font-size="22" ` +
    `font-family="${
      SVG_FONT_FAMILY.replaceAll("'", "&apos;")
    }" font-weight="${weight}">State of health</text></svg>`;
  const ink = (weight: string) => {
    const png = decodePng(svgToPng(svg(weight), 1));
    return inkPixels(png, 0, 0, png.width, png.height, 128);
  };
  const regular = ink("normal"), bold = ink("bold");
  assert.ok(regular > 200, `regular text drew ${regular} px`);
  assert.ok(bold > regular * 1.15, `bold ${bold} px vs regular ${regular} px`);
});

Deno.test("SVG names the shipped font and a generic fallback", () => {
  const fig = renderFigure({ width: 200, height: 120, marks: [] }, { title: "t" });
  assert.match(
    fig.svg,
    /^<svg[^>]*font-family="&apos;DejaVu Sans&apos;, sans-serif"|^<svg[^>]*font-family="'DejaVu Sans', sans-serif"/,
  );
  assert.ok(SVG_FONT_FAMILY.endsWith("sans-serif"));
});

Deno.test("the attention map has a colour bar from 0 to 1 and the first query step at the top", () => {
  const T = 4, weights = new Float32Array(T * T);
  for (let q = 0; q < T; q++) for (let k = 0; k <= q; k++) weights[q * T + k] = 1 / (q + 1);
  const fig = attentionHeatmap({ weights, heads: 1, steps: T, length: T, labels: [0, 4, 8, 12] });
  assert.match(fig.svg, /<linearGradient[^>]*>(<stop [^>]*>){33}<\/linearGradient>/);
  assert.match(fig.svg, />weight \(–\)</);
  // Band order: the y tick of query "0" is above (smaller y) that of query "12".
  const yTicks = /aria-label="y-axis tick label"[^>]*>([\s\S]*?)<\/g>/.exec(fig.svg)![1];
  const tickY = (label: string) =>
    Number(new RegExp(`translate\\([\\d.]+,([\\d.]+)\\)"[^>]*>${label}<`).exec(yTicks)![1]);
  assert.ok(tickY("0") < tickY("12"));
});

Deno.test("legend rows draw line samples with their dash pattern", () => {
  const fig = renderFigure({ width: 300, height: 200, marks: [] }, {
    legend: [{ label: "5/A (10 °C)", color: "#0072B2" }],
    extraLegends: [{ title: "line", entries: [{ label: "baseline", color: "#333", line: { dash: "2,3" } }] }],
  });
  assert.match(fig.svg, /<circle [^>]*fill="#0072B2"\/><text[^>]*>5\/A \(10 °C\)</);
  assert.match(fig.svg, /<line [^>]*stroke-dasharray="2,3"\/><text[^>]*>baseline</);
});
