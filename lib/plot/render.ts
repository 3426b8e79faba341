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
/** Its bold face, so bold titles are bold in PNG too (resvg only has the faces it is given). */
export const BOLD_FONT_FILE: string = fileURLToPath(
  new URL("../../assets/fonts/DejaVuSans-Bold.ttf", import.meta.url),
);
/** Font family name inside FONT_FILE. */
export const FONT_FAMILY = "DejaVu Sans";
/** The SVG font list: the shipped family, then the generic one for viewers that do not have it. */
export const SVG_FONT_FAMILY = `'${FONT_FAMILY}', sans-serif`;

/** A rendered figure: SVG text and PNG bytes. */
export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
}

/** Plot options without `document` (supplied here). */
export type PlotSpec = Omit<Plot.PlotOptions, "document">;

/** A legend entry drawn by `composeFigure`: a dot (default) or a line sample with a dash pattern. */
export interface LegendEntry {
  label: string;
  color: string;
  /** Draw a short line instead of a dot; `dash` is an SVG stroke-dasharray ("" = solid). */
  line?: { dash: string; width?: number };
}

/** A continuous colour scale drawn as a bar at the right of the figure. */
export interface ColorBar {
  label: string;
  domain: readonly [number, number];
  /** Maps a value of the domain to a CSS colour (the same function the marks use). */
  color: (value: number) => string;
}

/** Decoration around a plot: a title, legend rows above it, a colour bar beside it. */
export interface FigureFrame {
  title?: string;
  legendTitle?: string;
  legend?: readonly LegendEntry[];
  /** Further legend rows (e.g. one for cells, one for line styles). */
  extraLegends?: readonly { title?: string; entries: readonly LegendEntry[] }[];
  colorBar?: ColorBar;
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
  return node.outerHTML.replace(/font-family="[^"]*"/, `font-family="${SVG_FONT_FAMILY}"`).replace(
    /<style>[\s\S]*?<\/style>/,
    "",
  );
}

interface Panel {
  inner: string;
  width: number;
  height: number;
}

/** Width of the colour bar column, when a figure has one. */
const COLOR_BAR_WIDTH = 90;
const LEGEND_ROW = 24;

function composeFigure(panels: readonly Panel[], frame: FigureFrame): string {
  const plotWidth = Math.max(...panels.map((p) => p.width));
  const width = plotWidth + (frame.colorBar ? COLOR_BAR_WIDTH : 0);
  const height = panels.reduce((a, p) => a + p.height, 0);
  const rows = legendRows(frame);
  const top = (frame.title ? 28 : 0) + rows.length * LEGEND_ROW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + top}" ` +
    `viewBox="0 0 ${width} ${height + top}" font-family="${escapeXml(SVG_FONT_FAMILY)}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (frame.title) {
    parts.push(
      `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${
        escapeXml(frame.title)
      }</text>`,
    );
  }
  rows.forEach((row, i) => parts.push(legendRow(row, (frame.title ? 28 : 0) + i * LEGEND_ROW + 14)));
  let y = top;
  for (const p of panels) {
    parts.push(`<g transform="translate(0, ${y})">${p.inner.replace(/^<svg/, `<svg x="0" y="0"`)}</g>`);
    y += p.height;
  }
  if (frame.colorBar) parts.push(colorBarSvg(frame.colorBar, plotWidth + 16, top + 30, height - 80));
  parts.push("</svg>");
  return parts.join("");
}

function legendRows(frame: FigureFrame): { title?: string; entries: readonly LegendEntry[] }[] {
  const first = frame.legend?.length ? [{ title: frame.legendTitle, entries: frame.legend }] : [];
  return [...first, ...(frame.extraLegends ?? []).filter((r) => r.entries.length > 0)];
}

/** One legend row at baseline-centre `y`: an optional title, then a swatch and label per entry. */
function legendRow(row: { title?: string; entries: readonly LegendEntry[] }, y: number): string {
  const parts: string[] = [];
  let x = 12;
  if (row.title) {
    parts.push(`<text x="${x}" y="${y + 4}" font-size="12">${escapeXml(row.title)}:</text>`);
    x += 14 + 7 * row.title.length;
  }
  for (const e of row.entries) {
    if (e.line) {
      parts.push(
        `<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${e.color}" stroke-width="${
          e.line.width ?? 2
        }"${e.line.dash ? ` stroke-dasharray="${e.line.dash}"` : ""}/>`,
      );
      x += 12;
    } else parts.push(`<circle cx="${x + 5}" cy="${y}" r="5" fill="${e.color}"/>`);
    parts.push(`<text x="${x + 14}" y="${y + 4}" font-size="12">${escapeXml(e.label)}</text>`);
    x += 28 + 7 * e.label.length;
  }
  return parts.join("");
}

/** A vertical colour bar (high at the top) with min/mid/max ticks and a label. */
function colorBarSvg(bar: ColorBar, x: number, y: number, height: number): string {
  const [lo, hi] = bar.domain, steps = 32, w = 14;
  const id = `cb${Math.round(x)}_${Math.round(y)}`;
  const stops = Array.from({ length: steps + 1 }, (_, i) => {
    const t = i / steps;
    return `<stop offset="${t}" stop-color="${bar.color(hi - t * (hi - lo))}"/>`;
  }).join("");
  const ticks = [hi, (lo + hi) / 2, lo].map((v, i) => {
    const ty = y + (i * height) / 2;
    return `<line x1="${x + w}" y1="${ty}" x2="${x + w + 4}" y2="${ty}" stroke="black"/>` +
      `<text x="${x + w + 7}" y="${ty + 4}" font-size="11">${formatTick(v)}</text>`;
  }).join("");
  return `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>` +
    `<rect x="${x}" y="${y}" width="${w}" height="${height}" fill="url(#${id})" stroke="#444" stroke-width="0.5"/>` +
    ticks +
    `<text x="${x}" y="${y - 10}" font-size="12">${escapeXml(bar.label)}</text>`;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 || v === 0 ? String(Math.round(v * 100) / 100) : v.toPrecision(2);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" }[c]!));
}

/**
 * The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight colours that stay distinct
 * under the common colour-vision deficiencies. Black is left out (it is the axes' colour).
 */
export const OKABE_ITO = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#56B4E9",
  "#CC79A7",
  "#F0E442",
] as const;

/** Colours of the three chamber temperatures of the M50T study (Okabe–Ito: blue, bluish green, vermillion). */
export const TEMPERATURE_COLORS: Record<number, string> = { 10: "#0072B2", 25: "#009E73", 40: "#D55E00" };

/** A colour for a chamber temperature (other temperatures take the remaining Okabe–Ito colours). */
export function temperatureColor(c: number): string {
  const rest = ["#E69F00", "#56B4E9", "#CC79A7", "#F0E442"];
  return TEMPERATURE_COLORS[c] ?? rest[Math.abs(Math.round(c)) % rest.length];
}

/** A colour per item of a list (e.g. test cells), cycling through Okabe–Ito. */
export function categoricalColor(i: number): string {
  return OKABE_ITO[i % OKABE_ITO.length];
}

/** Rasterises SVG text to PNG at `scale` × its size, with the shipped font only. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [FONT_FILE, BOLD_FONT_FILE],
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
