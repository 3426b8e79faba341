/** csv_table: a tidy per-RPT CSV that looks nothing like M50T serves the same dataset contract. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { definitionProblems, instanceProblems } from "../../../core/plugin.ts";
import { DataError } from "../../../core/errors.ts";
import csvTable, { csvTableOptions } from "../../../plugins/datasets/csv_table.ts";
import { Rng } from "../../../core/rng.ts";

const ctx = { seed: 0, rng: new Rng(0), log: { info() {}, warn() {}, debug() {} }, cacheDir: "" };

async function fixture(text: string): Promise<string> {
  const path = join(await Deno.makeTempDir(), "cells.csv");
  await Deno.writeTextFile(path, text);
  return path;
}

const CSV = [
  "battery,step,temp_c,ir_mohm,capacity",
  "b1,0,20,30,2.0",
  "b1,1,20,31,1.9",
  "b2,0,45,29,2.1",
  "b2,1,45,,1.8",
  "b1,2,20,33,1.7",
].join("\n") + "\n";

Deno.test("csv_table: cells, canonical identity columns, features and targets", async () => {
  assert.deepEqual(definitionProblems(csvTable), []);
  const path = await fixture(CSV);
  const ds = await csvTable.create(
    csvTableOptions.parse({
      path,
      cellColumn: "battery",
      rptColumn: "step",
      chamberColumn: "temp_c",
      features: ["ir_mohm"],
      targets: ["capacity"],
      experiment: "lab",
    }),
    ctx,
  );
  assert.deepEqual(instanceProblems("dataset", ds), []);
  assert.deepEqual((await ds.cells()).map((c) => [c.cellKey, c.chamberC]), [["lab/b1", 20], ["lab/b2", 45]]);
  const t = await ds.table("performance_summary", ["lab/b1"]);
  assert.equal(t.length, 3);
  assert.deepEqual(Array.from(t.columns.rpt as Float64Array), [0, 1, 2]);
  assert.deepEqual(Array.from(t.columns.capacity as Float64Array), [2, 1.9, 1.7]);
  assert.ok(Math.abs((t.columns.chamber_temperature_K as Float64Array)[0] - 293.15) < 1e-9);
  const t2 = await ds.table("performance_summary", ["lab/b2"]);
  assert.ok(Number.isNaN((t2.columns.ir_mohm as Float64Array)[1]), "empty cell is missing, not zero");
  await assert.rejects(ds.curves("lab/b1", { kind: "0.1C", direction: "discharge" }), DataError);
  assert.equal(Object.keys(await ds.fingerprint()).length, 1);
});

Deno.test("csv_table: a missing column lists the columns found; a changing chamber temperature fails", async () => {
  const path = await fixture(CSV);
  await assert.rejects(
    async () =>
      await csvTable.create(
        csvTableOptions.parse({
          path,
          cellColumn: "cell",
          rptColumn: "step",
          chamberColumn: "temp_c",
          targets: ["capacity"],
        }),
        ctx,
      ),
    /missing required column.*"battery", "step", "temp_c", "ir_mohm", "capacity"/,
  );
  const bad = await fixture("battery,step,temp_c,capacity\nb1,0,20,2\nb1,1,25,1.9\n");
  await assert.rejects(
    async () =>
      await csvTable.create(
        csvTableOptions.parse({
          path: bad,
          cellColumn: "battery",
          rptColumn: "step",
          chamberColumn: "temp_c",
          targets: ["capacity"],
        }),
        ctx,
      ),
    /chamber temperature changes within a cell/,
  );
  const dup = await fixture("battery,step,temp_c,capacity\nb1,0,20,2\nb1,0,20,1.9\n");
  await assert.rejects(
    async () =>
      await csvTable.create(
        csvTableOptions.parse({
          path: dup,
          cellColumn: "battery",
          rptColumn: "step",
          chamberColumn: "temp_c",
          targets: ["capacity"],
        }),
        ctx,
      ),
    /duplicate step/,
  );
  assert.equal(
    csvTableOptions.safeParse({ path, cellColumn: "battery", chamberColumn: "temp_c", targets: ["capacity"] })
      .success,
    false,
  );
});

Deno.test("csv_table: with nominal_capacity_Ah, an SOH of 2.9 is an error naming the row; strict=false lists it", async () => {
  const text = [
    "battery,step,temp_c,ir_mohm,soh",
    "b1,0,20,30,1.0",
    "b1,1,20,31,0.95",
    "b2,0,45,29,1.0",
    "b2,1,45,,2.9",
    "b1,2,20,33,0.9",
  ].join("\n") + "\n";
  const path = await fixture(text);
  const base = { path, cellColumn: "battery", rptColumn: "step", chamberColumn: "temp_c", targets: ["soh"] };
  // Without a nominal capacity the values are not judged (the file's units are unknown).
  await csvTable.create(csvTableOptions.parse(base), ctx);
  const strict = csvTableOptions.parse({ ...base, nominal_capacity_Ah: 2 });
  await assert.rejects(Promise.resolve(csvTable.create(strict, ctx)), (e: Error) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.location.row, 5);
    assert.equal(e.location.column, "soh");
    assert.equal(e.location.found, "2.9");
    assert.equal(e.location.file, path);
    assert.match(e.message, /implausible soh/);
    return true;
  });
  const lenient = await csvTable.create(
    csvTableOptions.parse({ ...base, nominal_capacity_Ah: 2, strict: false }),
    ctx,
  );
  assert.equal(lenient.warnings!().length, 1);
  assert.match(lenient.warnings!()[0], /row 5, column 'soh': implausible soh/);
});

Deno.test("csv_table: a file without its final newline is cut (error; a warning with strict=false)", async () => {
  const path = await fixture(CSV.trimEnd());
  const o = {
    path,
    cellColumn: "battery",
    rptColumn: "step",
    chamberColumn: "temp_c",
    targets: ["capacity"],
  };
  await assert.rejects(
    async () => await csvTable.create(csvTableOptions.parse(o), ctx),
    /row 6: file does not end in a newline/,
  );
  const ds = await csvTable.create(csvTableOptions.parse({ ...o, strict: false }), ctx);
  assert.match(ds.warnings!()[0], /row 6: file does not end in a newline/);
  assert.equal((await ds.table("performance_summary", ["csv/b1"])).length, 3);
});
