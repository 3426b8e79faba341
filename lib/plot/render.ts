/**
 * Figure rendering without a browser: Observable Plot draws into a linkedom document (→ SVG text), and
 * resvg rasterises the SVG to PNG with the shipped DejaVu Sans font — always passed explicitly, so a
 * figure looks the same on every machine whatever fonts it has.
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { Resvg } from "@resvg/resvg-js";
import { fileURLToPath } from "node:url";

/** The font every figure uses (DejaVu Sans; licence beside the file). */
export const FONT_FILE: string = fileURLToPath(new URL("../../assets/fonts/DejaVuSans.ttf", import.meta.url));
/** Font family name inside FONT_FILE. */
export const FONT_FAMILY = "DejaVu Sans";

/** A rendered figure: SVG text and PNG bytes. */
export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/** Plot options without `document` (supplied here). */
export type PlotSpec = Omit<Plot.PlotOptions, "document">;

/** A legend entry drawn by `composeFigure`. */
export interface LegendEntry {
  label: string;
  color: string;
}

/** Decoration around a plot: a title and a legend row above it. */
export interface FigureFrame {
  title?: string;
  legendTitle?: string;
  legend?: readonly LegendEntry[];
}

/**
 * Renders Plot options to standalone SVG text. Plot draws legends and titles as HTML around the SVG,
 * which an SVG rasteriser cannot read, so they are drawn here as SVG instead (`frame`).
 */
export function plotToSvg(spec: PlotSpec, frame: FigureFrame = {}): string {
  return panelsToSvg([spec], frame);
}

/** Several Plot specs stacked top to bottom in one SVG (e.g. Q–V over dQ/dV), under one frame. */
export function panelsToSvg(specs: readonly PlotSpec[], frame: FigureFrame = {}): string {
  if (specs.length === 0) throw new RangeError("a figure needs at least one panel");
  return composeFigure(
    specs.map((spec) => ({ inner: plotInner(spec), width: spec.width ?? 640, height: spec.height ?? 400 })),
    frame,
  );
}

/** One Plot spec as an `<svg>` element string, with the shipped font and without Plot's stylesheet. */
function plotInner(spec: PlotSpec): string {
  // linkedom is typed against the DOM lib, which Deno does not load; Plot only needs its runtime object.
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>") as unknown as {
    document: unknown;
  };
  const node = Plot.plot({
    ...spec,
    title: undefined,
    document: document as never,
    style: { fontFamily: FONT_FAMILY, fontSize: "12px", background: "white" },
  }) as unknown as { outerHTML: string };
  return node.outerHTML.replace(/font-family="[^"]*"/, `font-family="${FONT_FAMILY}"`).replace(
    /<style>[\s\S]*?<\/style>/,
    "",
  );
}

interface Panel {
  inner: string;
  width: number;
  height: number;
}

function composeFigure(panels: readonly Panel[], frame: FigureFrame): string {
  const width = Math.max(...panels.map((p) => p.width));
  const height = panels.reduce((a, p) => a + p.height, 0);
  const top = (frame.title ? 28 : 0) + (frame.legend?.length ? 24 : 0);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + top}" ` +
    `viewBox="0 0 ${width} ${height + top}" font-family="${FONT_FAMILY}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (frame.title) {
    parts.push(
      `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${
        escapeXml(frame.title)
      }</text>`,
    );
  }
  if (frame.legend?.length) {
    let x = 12;
    const y = (frame.title ? 28 : 0) + 14;
    if (frame.legendTitle) {
      parts.push(`<text x="${x}" y="${y + 4}" font-size="12">${escapeXml(frame.legendTitle)}:</text>`);
      x += 14 + 7 * frame.legendTitle.length;
    }
    for (const e of frame.legend) {
      parts.push(`<circle cx="${x + 5}" cy="${y}" r="5" fill="${e.color}"/>`);
      parts.push(`<text x="${x + 14}" y="${y + 4}" font-size="12">${escapeXml(e.label)}</text>`);
      x += 28 + 7 * e.label.length;
    }
  }
  let y = top;
  for (const p of panels) {
    parts.push(`<g transform="translate(0, ${y})">${p.inner.replace(/^<svg/, `<svg x="0" y="0"`)}</g>`);
    y += p.height;
  }
  parts.push("</svg>");
  return parts.join("");
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" }[c]!));
}

/** Colours of the three chamber temperatures of the M50T study, reused by every figure. */
export const TEMPERATURE_COLORS: Record<number, string> = { 10: "#1f77b4", 25: "#2ca02c", 40: "#d62728" };

/** A colour for a chamber temperature (a fixed palette for others). */
export function temperatureColor(c: number): string {
  return TEMPERATURE_COLORS[c] ?? ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f"][Math.abs(Math.round(c)) % 4];
}

/** Rasterises SVG text to PNG at `scale` × its size, with the shipped font only. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [FONT_FILE],
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}

/** SVG and PNG of stacked Plot specs. */
export function renderPanels(specs: readonly PlotSpec[], frame: FigureFrame = {}, scale = 2): RenderedFigure {
  const svg = panelsToSvg(specs, frame);
  return { svg, png: svgToPng(svg, scale) };
}

/** SVG and PNG of one Plot spec. */
export function renderFigure(spec: PlotSpec, frame: FigureFrame = {}, scale = 2): RenderedFigure {
  const svg = plotToSvg(spec, frame);
  return { svg, png: svgToPng(svg, scale) };
}

export { Plot };
