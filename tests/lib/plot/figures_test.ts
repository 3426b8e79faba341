import assert from "node:assert/strict";
import { curveFeatures, icaCurve, W1_ICA_OPTIONS } from "../../../lib/signal/mod.ts";
import { icaFigure, peakMarks } from "../../../lib/plot/ica_figure.ts";
import { shapBeeswarm, swarmDots } from "../../../lib/plot/beeswarm.ts";
import { shapWaterfall, waterfallBars } from "../../../lib/plot/waterfall.ts";
import { importanceBars } from "../../../lib/plot/importance_bars.ts";
import { sohTrajectories } from "../../../lib/plot/soh_trajectories.ts";
import { HIGH_COLOR, LOW_COLOR } from "../../../lib/plot/_colors.ts";
import { type RenderedFigure, temperatureColor } from "../../../lib/plot/render.ts";
import { colorPixels, decodePng, inkPixels } from "./png_decode.ts";
import { assertClose } from "../signal/assert_close.ts";

const OUT = Deno.env.get("BATTERYML_TEST_FIGURES"); // set to a folder to look at the figures

/** Checks PNG size against the SVG's, ink in the central plot region, and the labels in the SVG text. */
async function checkFigure(
  name: string,
  fig: RenderedFigure,
  labels: string[],
): Promise<ReturnType<typeof decodePng>> {
  if (OUT) {
    await Deno.mkdir(OUT, { recursive: true });
    await Deno.writeFile(`${OUT}/${name}.png`, fig.png);
    await Deno.writeTextFile(`${OUT}/${name}.svg`, fig.svg);
  }
  const [, w, h] = fig.svg.match(/^<svg[^>]*width="(\d+)" height="(\d+)"/)!.map(Number);
  const png = decodePng(fig.png);
  assert.equal(png.width, 2 * w, `${name}: PNG width is 2× the SVG's`);
  assert.equal(png.height, 2 * h, `${name}: PNG height is 2× the SVG's`);
  const ink = inkPixels(png, png.width * 0.3, png.height * 0.3, png.width * 0.9, png.height * 0.85);
  assert.ok(ink > 500, `${name}: only ${ink} non-background pixels inside the plot area`);
  for (const label of labels) assert.ok(fig.svg.includes(label), `${name}: SVG lacks the label '${label}'`);
  return png;
}

/** Discharge Q(V) with logistic steps → |dQ/dV| peaks at known voltages. */
function syntheticCurve(shift: number) {
  const n = 2400;
  const voltage = new Float64Array(n), charge = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = 4.25 - (1.3 * i) / (n - 1);
    voltage[i] = v;
    charge[i] = 1.0 / (1 + Math.exp((v - 3.55 - shift) / 0.02)) +
      0.6 / (1 + Math.exp((v - 3.9 - shift) / 0.015)) +
      0.2 * (4.25 - v);
  }
  return { voltage, charge };
}

Deno.test("ICA figure: both panels, peak marks at the feature positions, width marks = FWHM", async () => {
  const curves = [0, -0.02].map((shift, k) => {
    const { voltage, charge } = syntheticCurve(shift);
    const ica = icaCurve(voltage, charge, W1_ICA_OPTIONS);
    return {
      label: `RPT ${k * 10}`,
      voltage_V: voltage,
      charge_Ah: charge,
      ica,
      features: curveFeatures(ica, W1_ICA_OPTIONS),
    };
  });
  const marks = peakMarks(curves[0]);
  assert.equal(marks.length, 2);
  assertClose(marks[0].voltage, 3.55, 0, 0.0015, "first peak voltage");
  curves[0].features.peaks.forEach((p, m) =>
    assertClose(marks[m].rightV - marks[m].leftV, p.fwhm_v, 1e-9, 0, "width")
  );
  // Logistic step of width w: FWHM of its derivative is 2·ln(3+2√2)·w = 3.5255·w.
  assertClose(marks[0].rightV - marks[0].leftV, 3.5255 * 0.02, 0.03, 0, "FWHM of the 3.55 V peak");
  const fig = icaFigure(curves, { title: "ICA of a synthetic cell", legendTitle: "RPT" });
  await checkFigure("ica", fig, ["voltage (V)", "charge (Ah)", "|dQ/dV| (Ah/V)", "P1", "P2", "RPT 10"]);
});

function shapTables(n: number) {
  const names = ["peak1_voltage_V", "peak1_height_Ah_per_V", "total_area_Ah", "unused_feature"];
  const F = names.length, shap = new Float64Array(n * F), feats = new Float64Array(n * F);
  for (let i = 0; i < n; i++) {
    const u = (i * 0.618) % 1, w = (i * 0.382) % 1;
    feats.set([u, w, u * w, i % 7 === 0 ? NaN : 0.5], i * F);
    shap.set([0.04 * (u - 0.5), -0.01 * (w - 0.5), 0.002 * (u * w - 0.25), 0], i * F);
  }
  return { names, shap, feats };
}

Deno.test("beeswarm: features ordered by mean |SHAP|, colour by value, labels with units", async () => {
  const { names, shap, feats } = shapTables(60);
  const { order, dots, labels } = swarmDots({ featureNames: names, shap, features: feats, n: 60 }, 3);
  // 4 features, cut-off 3: the two most important on their own, the other two summed per sample.
  assert.deepEqual(order, [0, 1]);
  assert.deepEqual(labels, ["peak1_voltage_V", "peak1_height_Ah_per_V", "Sum of 2 other features"]);
  assert.equal(dots.length, 180);
  const sums = dots.filter((d) => d.feature === "Sum of 2 other features");
  assert.equal(sums.length, 60);
  for (const d of sums) {
    assertClose(d.shap, shap[d.row * 4 + 2] + shap[d.row * 4 + 3], 0, 1e-15, "summed row");
  }
  assert.ok(dots.every((d) => Math.abs(d.y - Math.round(d.y)) <= 0.4));
  const fig = shapBeeswarm({ featureNames: names, shap, features: feats, n: 60 }, {
    xLabel: "SHAP value (impact on SOH, –)",
    title: "SHAP summary",
  });
  const png = await checkFigure("beeswarm", fig, [
    "SHAP value (impact on SOH, –)",
    "peak1_voltage_V",
    "unused_feature",
  ]);
  assert.ok(
    colorPixels(png, LOW_COLOR) > 20 && colorPixels(png, HIGH_COLOR) > 20,
    "both ends of the colour ramp used",
  );
});

Deno.test("waterfall: bars run from E[f] to f(x), the rest summed, red/blue by sign", async () => {
  const input = {
    featureNames: ["a", "b", "c", "d"],
    shap: [0.03, -0.01, 0.002, -0.0005],
    features: [3.6, 12.5, NaN, 1],
    base: 0.9,
  };
  const bars = waterfallBars(input, 3);
  assert.deepEqual(bars.map((b) => b.label), ["a = 3.6", "b = 12.5", "Sum of 2 other features"]);
  assertClose(bars[2].start, 0.9, 0, 1e-15, "bottom bar starts at the base");
  assertClose(bars[0].end, 0.9 + 0.03 - 0.01 + 0.002 - 0.0005, 0, 1e-15, "top bar ends at f(x)");
  const fig = shapWaterfall(input, {
    xLabel: "predicted SOH (–)",
    title: "Why this prediction",
    maxDisplay: 3,
  });
  const png = await checkFigure("waterfall", fig, ["predicted SOH (–)", "E[f(X)] = 0.9000", "f(x) = 0.9215"]);
  assert.ok(
    colorPixels(png, LOW_COLOR) > 100 && colorPixels(png, HIGH_COLOR) > 100,
    "positive and negative bars",
  );
});

Deno.test("importance bars: sorted, labelled with the unit", async () => {
  const fig = importanceBars(["x", "longer_feature", "z"], [0.1, 0.5, 0.02], {
    xLabel: "mean |SHAP value| (SOH, –)",
  });
  const ys = ["longer_feature", "x", "z"].map((n) => fig.svg.indexOf(`>${n}<`));
  assert.ok(ys.every((y) => y > 0), "every feature name drawn");
  await checkFigure("importance", fig, ["mean |SHAP value| (SOH, –)"]);
  // Past the cut-off, the smallest importances are summed into one last bar (0.1 + 0.02 below).
  const cut = importanceBars(["x", "longer_feature", "z"], [0.1, 0.5, 0.02], { xLabel: "i", maxDisplay: 2 });
  assert.ok(cut.svg.indexOf(">longer_feature<") < cut.svg.indexOf(">Sum of 2 other features<"));
  assert.match(cut.svg, />0\.120</);
  assert.equal(cut.svg.indexOf(">x<"), -1);
});

Deno.test("SOH trajectories: one line per cell, coloured by chamber temperature", async () => {
  const points = [10, 25, 40].flatMap((c, k) =>
    Array.from({ length: 8 }, (_, r) => ({
      cellKey: `5/${"ABC"[k]}`,
      chamberC: c,
      days: 20 * r,
      throughputAh: 150 * r,
      soh: 1 - 0.002 * r * (1 + k),
    }))
  );
  const days = sohTrajectories(points, { x: "days", title: "SOH" });
  const png = await checkFigure("soh_days", days, ["time (days)", "SOH (C/10 capacity / initial)", "40 °C"]);
  for (const c of [10, 25, 40]) {
    assert.ok(colorPixels(png, temperatureColor(c)) > 50, `colour of ${c} °C drawn`);
  }
  const throughput = sohTrajectories(points, { x: "throughput" });
  await checkFigure("soh_throughput", throughput, ["charge throughput (Ah)"]);
  assert.throws(() => sohTrajectories([], { x: "days" }), RangeError);
});
