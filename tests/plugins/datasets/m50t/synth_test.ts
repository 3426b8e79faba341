/** The synthetic generator: Expt 5 with curves checks complete, and a second run is byte-identical. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { synthesize } from "../../../../lib/m50t/mod.ts";
import { checkDataset, formatCheckReport } from "../../../../lib/m50t/mod.ts";
import { listFiles, sha256File } from "./helpers.ts";

async function hashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listFiles(dir)) out.set(f, await sha256File(join(dir, f)));
  return out;
}

Deno.test("synthesize Expt 5 (seed 42, curves): 8 cells, 128 rows, 128 curves; same seed → same bytes", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    const report = await synthesize({ out: a, experiments: ["5"], seed: 42, curves: true });
    assert.deepEqual(report.experiments, [{ label: "5", cells: 8, summaryRows: 128, curves: 128 }]);
    const check = await checkDataset(a);
    assert.equal(check.ok, true, formatCheckReport(check));
    assert.equal(check.experiments.length, 1);
    const e5 = check.experiments[0];
    assert.equal(e5.cells.length, 8);
    assert.equal(e5.rows, 128);
    assert.equal(e5.curves, 128);
    assert.ok(e5.cells.every((c) => c.spelling === "2024" && c.missing.length === 0 && c.rows === 16));
    assert.match(formatCheckReport(check), /Expt 5 .*8 cells, 128 RPT rows, 128 0\.1C curves/);

    await synthesize({ out: b, experiments: ["5"], seed: 42, curves: true });
    const [ha, hb] = [await hashes(a), await hashes(b)];
    assert.equal(ha.size, 8 * 3 + 128);
    assert.deepEqual([...hb.entries()], [...ha.entries()]);
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});

Deno.test("synthetic summaries: another seed differs, curves off leaves summaries unchanged", async () => {
  const a = await Deno.makeTempDir();
  const b = await Deno.makeTempDir();
  try {
    await synthesize({ out: a, experiments: ["1"], seed: 1 });
    await synthesize({ out: b, experiments: ["1"], seed: 2 });
    const [ha, hb] = [await hashes(a), await hashes(b)];
    assert.deepEqual([...ha.keys()], [...hb.keys()]);
    assert.notDeepEqual([...ha.values()], [...hb.values()]);
    const check = await checkDataset(a);
    assert.equal(check.experiments[0].rows, 118, "Expt 1 row counts come from the study table");
    assert.ok(check.experiments[0].cells.every((c) => c.missing.some((m) => m.startsWith("0.1C curves"))));
  } finally {
    await Deno.remove(a, { recursive: true });
    await Deno.remove(b, { recursive: true });
  }
});
