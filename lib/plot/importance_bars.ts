/**
 * Global importance bars: mean |SHAP| (or any importance) per feature, largest on top; features beyond the
 * shared cut-off are summed into a last bar, as shap's bar plot does.
 */
import { Plot, type RenderedFigure, renderFigure } from "./render.ts";
import { otherFeaturesLabel, SHAP_MAX_DISPLAY, splitAtCutoff } from "./_shap_display.ts";

/** Options: the axis label (say what and the unit), bars shown, title. */
export interface ImportanceOptions {
  xLabel: string;
  maxDisplay?: number;
  title?: string;
}

/** Importance bars as SVG and PNG. */
export function importanceBars(
  names: readonly string[],
  importance: ArrayLike<number>,
  opts: ImportanceOptions,
): RenderedFigure {
  if (names.length !== importance.length || names.length === 0) {
    throw new RangeError(`importance bars: ${names.length} names for ${importance.length} values`);
  }
  const ranked = names.map((_, j) => j).sort((a, b) => importance[b] - importance[a] || a - b);
  const { shown, rest } = splitAtCutoff(ranked, opts.maxDisplay ?? SHAP_MAX_DISPLAY);
  const rows = shown.map((j) => ({ name: names[j], value: importance[j] }));
  if (rest.length > 0) {
    rows.push({ name: otherFeaturesLabel(rest.length), value: rest.reduce((a, j) => a + importance[j], 0) });
  }
  const longest = Math.max(...rows.map((r) => r.name.length));
  return renderFigure({
    width: 720,
    height: 70 + 28 * rows.length,
    marginLeft: 16 + 7 * longest,
    marginRight: 60,
    marginBottom: 44,
    x: { label: opts.xLabel, grid: true },
    y: { domain: rows.map((r) => r.name), label: null, padding: 0.2 },
    marks: [
      Plot.barX(rows, { x: "value", y: "name", fill: "#1e88e5" }),
      Plot.text(rows, {
        x: "value",
        y: "name",
        text: (r: { value: number }) => r.value.toPrecision(3),
        dx: 4,
        textAnchor: "start",
        fontSize: 11,
      }),
      Plot.ruleX([0]),
    ],
  }, { title: opts.title });
}
