/**
 * `--json` on the commands that report (`data check`, `plugins list`, `predict`, `cache info`), run as a
 * user runs them (`deno task batteryml …`): stdout parses as JSON with camelCase keys, and its figures
 * agree with counts made independently here (lines of the CSV files, file sizes, the plugin map, the
 * run's own predictions.csv).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BUILTIN_PLUGINS } from "../plugins/index.ts";
import { DiskCache } from "../lib/cache/mod.ts";
import { projectOutputDir, ROOT } from "./robustness/_runs.ts";

async function batteryml(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "batteryml", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Every key of a JSON value, at any depth (record keys that are data, like kinds, included). */
function allKeys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(k), allKeys(v, out);
  }
  return out;
}

function assertCamelCase(value: unknown): void {
  for (const k of allKeys(value)) assert.match(k, /^[a-z][A-Za-z0-9]*$/, `key '${k}' is not camelCase`);
}

/** Data lines of a CSV file (after the header, non-empty). */
async function dataLines(file: string): Promise<string[]> {
  return (await Deno.readTextFile(file)).split("\n").slice(1).filter((l) => l.trim() !== "");
}

Deno.test("data check --json: per-cell rows equal the lines of each summary file; a missing file makes ok false and exit 1", async () => {
  const dir = await projectOutputDir();
  try {
    const synth = await batteryml(["data", "synth", "--out", dir.rel, "--experiments", "5", "--seed", "7"]);
    assert.equal(synth.code, 0, synth.stderr);
    const r = await batteryml(["data", "check", dir.rel, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assertCamelCase(report);
    assert.equal(report.ok, true);
    const [expt] = report.experiments;
    assert.equal(expt.label, "5");
    assert.equal(expt.cells.length, 8);
    let total = 0;
    for (const cell of expt.cells) {
      const lines = await dataLines(join(ROOT, cell.summaryFile));
      assert.equal(cell.rows, lines.length, cell.cellKey);
      assert.deepEqual(cell.rpts, lines.map((l) => Number(l.split(",")[1])), cell.cellKey);
      assert.equal(cell.chamberC, Number(/\((\d+)degC\)/.exec(cell.summaryFile)![1]), cell.cellKey);
      assert.equal(cell.table, undefined); // the loaded table is not part of the report
      total += lines.length;
    }
    assert.equal(expt.rows, total);

    const gone = expt.cells[1];
    await Deno.remove(join(ROOT, gone.summaryFile));
    const bad = await batteryml(["data", "check", dir.rel, "--json"]);
    assert.equal(bad.code, 1);
    const badReport = JSON.parse(bad.stdout);
    assert.equal(badReport.ok, false);
    const badCell = badReport.experiments[0].cells.find((c: { cellKey: string }) =>
      c.cellKey === gone.cellKey
    );
    assert.equal(badCell.rows, 0);
    assert.ok(badCell.problems.length > 0);
  } finally {
    await dir.dispose();
  }
});

Deno.test("plugins list --json: the built-ins of every kind, and each URL plugin of the lock with its pin", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const lockFile = join(tmp, "plugins.lock.json");
    const entry = {
      sha256: "a".repeat(64),
      kind: "model",
      name: "url_constant",
      version: "1.0.0",
      addedAt: "2026-01-02T03:04:05.000Z",
    };
    const url = "http://127.0.0.1:1/m/url_constant@1.0.0.ts";
    await Deno.writeTextFile(lockFile, JSON.stringify({ version: 1, plugins: { [url]: entry } }));
    const r = await batteryml(["plugins", "list", "--json"], { BATTERYML_PLUGIN_LOCK: lockFile });
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout);
    const expected = Object.fromEntries(
      Object.entries(BUILTIN_PLUGINS).map(([kind, byName]) => [kind, Object.keys(byName).sort()]),
    );
    assert.deepEqual(list.builtin, expected);
    assert.deepEqual(list.url, [{ url, ...entry }]);
    assertCamelCase(list.url);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("cache info --json: entries and bytes equal the files under the cache's entries folder", async () => {
  const dir = await projectOutputDir();
  try {
    const cache = new DiskCache(join(dir.abs, "cache"));
    for (const n of [1, 2, 3]) {
      await cache.set(await cache.key({ plugin: "p", version: "1", options: { n } }), {
        values: Array(n * 50).fill(n),
      });
    }
    let files = 0, bytes = 0;
    const walk = async (d: string) => {
      for await (const e of Deno.readDir(d)) {
        if (e.isDirectory) await walk(join(d, e.name));
        else files++, bytes += (await Deno.stat(join(d, e.name))).size;
      }
    };
    await walk(join(dir.abs, "cache", "entries"));
    assert.equal(files, 3);
    const r = await batteryml(["cache", "info", "--dir", join(dir.rel, "cache"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { dir: join(dir.rel, "cache"), entries: 3, bytes });
  } finally {
    await dir.dispose();
  }
});

Deno.test("predict --json: the reloaded model's predictions equal the run's predictions.csv; with --out the CSV holds them too", async () => {
  const dir = await projectOutputDir();
  try {
    const run = await batteryml(["run", "--json", "model=linear", "tracking=null", `output.dir=${dir.rel}`]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    const fold = summary.folds[0];
    const saved = (await dataLines(join(summary.runDir, "predictions.csv"))).map((l) => l.split(","))
      .filter((c) => c[0] === fold.name);
    const args = [
      "predict",
      "--run",
      summary.runId,
      "--output-dir",
      dir.rel,
      "--cells",
      fold.test.join(","),
      "--json",
    ];
    const p = await batteryml(args);
    assert.equal(p.code, 0, p.stderr);
    const result = JSON.parse(p.stdout);
    assertCamelCase(result);
    assert.equal(result.runId, summary.runId);
    assert.equal(result.out, null);
    assert.equal(result.count, saved.length);
    assert.equal(result.predictions.length, saved.length);
    const key = (cellKey: string, rpt: number, target: string) => `${cellKey}|${rpt}|${target}`;
    const savedBy = new Map(saved.map((c) => [key(c[1], Number(c[3]), c[5]), c]));
    for (const row of result.predictions) {
      const c = savedBy.get(key(row.cellKey, row.rpt, row.target));
      assert.ok(c, `${row.cellKey} RPT ${row.rpt} ${row.target} not in predictions.csv`);
      assert.equal(row.yTrue, Number(c[6]));
      assert.equal(row.yPred, Number(c[7]));
    }
    const csv = join(dir.rel, "p.csv");
    const written = await batteryml([...args, "--out", csv]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(JSON.parse(written.stdout).out, csv);
    assert.equal((await dataLines(join(ROOT, csv))).length, saved.length);
  } finally {
    await dir.dispose();
  }
});
