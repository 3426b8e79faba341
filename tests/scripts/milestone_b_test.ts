/**
 * Milestone B as a user runs it (`deno task milestone-b`, the task's own permissions): the SHAP values it
 * writes as data must reproduce every prediction of predictions.csv (local accuracy: E[f] + Σφ = f(x)),
 * and the three SHAP figures share one cut-off.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname!, "..", "..");

function readCsv(text: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = text.trimEnd().split("\n");
  return { header: head.split(","), rows: lines.map((l) => l.split(",")) };
}

Deno.test("milestone B writes shap_values.csv whose base + ΣSHAP equals each prediction", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "milestone-b", "experiment.name=shap_csv_check"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const csvPath = /SHAP values as data .* → (\S+shap_values\.csv)/.exec(stdout)?.[1];
  assert.ok(csvPath, stdout);
  const shap = readCsv(await Deno.readTextFile(csvPath));
  const predictions = readCsv(await Deno.readTextFile(join(csvPath, "..", "predictions.csv")));
  const col = (t: { header: string[] }, name: string) => t.header.indexOf(name);
  const yPred = new Map(predictions.rows.map((r) => [
    `${r[col(predictions, "target")]}|${r[col(predictions, "cellKey")]}|${r[col(predictions, "rpt")]}`,
    Number(r[col(predictions, "y_pred")]),
  ]));
  const shapCols = shap.header.flatMap((h, j) => (h.startsWith("shap_") ? [j] : []));
  const features = shap.header.slice(4 + shapCols.length);
  assert.deepEqual(shapCols.map((j) => shap.header[j].slice(5)), features, "a SHAP column per feature value");
  assert.equal(shap.rows.length, yPred.size, "one row per scored prediction");
  for (const r of shap.rows) {
    const f = Number(r[3]) + shapCols.reduce((a, j) => a + Number(r[j]), 0);
    const key = `${r[0]}|${r[1]}|${r[2]}`;
    // predictions.csv holds float32 model outputs; TreeSHAP sums in float64.
    assert.ok(Math.abs(f - yPred.get(key)!) < 1e-6, `${key}: E[f] + Σφ = ${f}, prediction ${yPred.get(key)}`);
  }
  // One cut-off for the three SHAP figures: more features than rows shown → each ends with the same sum row.
  const figures = join(csvPath, "..", "figures");
  const others = `Sum of ${features.length - 9} other features`;
  for (const name of ["shap_beeswarm_soh", "shap_waterfall_soh", "shap_importance_soh"]) {
    assert.ok(
      (await Deno.readTextFile(join(figures, `${name}.svg`))).includes(others),
      `${name}: '${others}'`,
    );
  }
});
