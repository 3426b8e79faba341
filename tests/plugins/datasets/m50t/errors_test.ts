/**
 * Bad input → DataError naming file, row, column, expected and found. One test per case; fixtures are
 * written into temp folders here.
 */
import assert from "node:assert/strict";
import { DataError } from "../../../../core/errors.ts";
import { loadPerformanceSummary } from "../../../../lib/m50t/mod.ts";
import { loadCurve } from "../../../../lib/m50t/mod.ts";
import { writeFixture } from "./helpers.ts";

const HEADER = ",Ageing Sets,Days of degradation,Charge Throughput [A h],C/10 Capacity [mA h],SoH";
const GOOD_ROWS = [
  "0,0,,0.0,4800.0,1.0",
  "1,1,14.0,750.0,4700.0,0.979167",
  "2,2,30.0,1500.0,4600.0,0.958333",
];
const CURVE_HEADER = "Time (s),Voltage (V),Current (mA),Charge (mA.h),Temperature (degC)";
// The first rows of a 0.1C discharge, then its end: a plausible curve (4.17 → 2.50 V, 4.8 Ah passed).
const CURVE_ROWS = [
  "0,4.17,-500,0.0,25.0",
  "1,4.16,-500,0.138889,25.0",
  "2,4.15,-500,0.277778,25.0",
  "34560,2.50,-500,4800.0,25.0",
];

async function summary(lines: string[]): Promise<string> {
  return await writeFixture(
    await Deno.makeTempDir(),
    "Expt 1 - cell A (10degC) - Processed Data.csv",
    lines.join("\n") + "\n",
  );
}
async function curve(lines: string[]): Promise<string> {
  return await writeFixture(
    await Deno.makeTempDir(),
    "Expt 1 - cell A - RPT0 - 0.1C discharge data.csv",
    lines.join("\n") + "\n",
  );
}
const src = (file: string) => ({ file, experiment: "1", cell: "A", chamberC: 10 });

/** Runs `fn`, expects a DataError and checks the located fields it must carry. */
async function expectDataError(
  fn: () => Promise<unknown>,
  want: { message: RegExp; file: string; row?: number; column?: RegExp; expected?: RegExp; found?: RegExp },
): Promise<void> {
  const err = await fn().then(() => undefined, (e) => e);
  assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
  assert.match(err.message, want.message);
  assert.equal(err.location.file, want.file);
  assert.ok(err.message.includes(want.file), "the message names the file");
  if (want.row !== undefined) assert.equal(err.location.row, want.row);
  if (want.column) assert.match(err.location.column ?? "", want.column);
  if (want.expected) assert.match(err.location.expected ?? "", want.expected);
  if (want.found) assert.match(err.location.found ?? "", want.found);
}

Deno.test("a good fixture loads (baseline for the error cases)", async () => {
  const t = (await loadPerformanceSummary(src(await summary([HEADER, ...GOOD_ROWS])))).table;
  assert.deepEqual(Array.from(t.columns.capacity_c10_Ah as Float64Array), [4.8, 4.7, 4.6]);
  const c = await loadCurve({ file: await curve([CURVE_HEADER, ...CURVE_ROWS]), cellKey: "1/A", rpt: 0 });
  assert.equal(c.time_s.length, 4);
});

Deno.test("missing file → DataError listing what the folder holds", async () => {
  const dir = await Deno.makeTempDir();
  await writeFixture(dir, "other.csv", "x\n1\n");
  const file = `${dir}/Expt 1 - cell A (10degC) - Processed Data.csv`;
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /file not found/,
    file,
    found: /other\.csv/,
  });
});

Deno.test("missing column → DataError listing the columns found", async () => {
  const file = await summary([
    ",Ageing Sets,Days of degradation,Charge Throughput [A h],SoH",
    "0,0,,0.0,1.0",
  ]);
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /missing required column/,
    file,
    column: /C\/10 Capacity/,
    expected: /capacity_c10_Ah/,
    found: /"Ageing Sets", "Days of degradation", "Charge Throughput \[A h\]", "SoH"/,
  });
});

Deno.test("unparseable number → DataError with line and column", async () => {
  const file = await summary([HEADER, GOOD_ROWS[0], "1,1,14.0,750.0,47O0.0,0.979"]);
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /unparseable number/,
    file,
    row: 3,
    column: /^C\/10 Capacity \[mA h\]$/,
    expected: /a number/,
    found: /47O0\.0/,
  });
});

Deno.test("empty file → DataError", async () => {
  const file = await summary([""]);
  await expectDataError(() => loadPerformanceSummary(src(file)), { message: /empty file/, file });
  const cfile = await curve([""]);
  await expectDataError(() => loadCurve({ file: cfile, cellKey: "1/A", rpt: 0 }), {
    message: /empty file/,
    file: cfile,
  });
});

Deno.test("duplicate RPT → DataError", async () => {
  const file = await summary([HEADER, GOOD_ROWS[0], GOOD_ROWS[1], "2,1,30.0,1500.0,4600.0,0.958"]);
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /duplicate RPT/,
    file,
    row: 4,
    column: /Ageing Sets/,
    found: /RPT1 again/,
  });
});

Deno.test("unordered RPTs → DataError", async () => {
  const file = await summary([HEADER, GOOD_ROWS[0], GOOD_ROWS[2], GOOD_ROWS[1]]);
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /RPTs out of order/,
    file,
    row: 4,
    expected: /after 2/,
    found: /RPT1/,
  });
});

Deno.test("non-monotonic time in a curve → DataError", async () => {
  const file = await curve([
    CURVE_HEADER,
    CURVE_ROWS[0],
    CURVE_ROWS[2],
    CURVE_ROWS[1].replace(/^1,/, "1.5,"),
  ]);
  await expectDataError(() => loadCurve({ file, cellKey: "1/A", rpt: 0 }), {
    message: /time goes backwards/,
    file,
    row: 4,
    column: /^Time \(s\)$/,
    expected: /≥ 2/,
    found: /1\.5/,
  });
});

Deno.test("non-monotonic charge in a curve → DataError", async () => {
  const file = await curve([
    CURVE_HEADER,
    CURVE_ROWS[0],
    "1,4.16,-500,0.3,25.0",
    "2,4.15,-500,0.2,25.0",
    "3,4.14,-500,0.4,25.0",
  ]);
  await expectDataError(() => loadCurve({ file, cellKey: "1/A", rpt: 0 }), {
    message: /charge is not monotonic/,
    file,
    row: 4,
    column: /^Charge \(mA\.h\)$/,
  });
});

Deno.test("unparseable number in a curve → DataError with line and column", async () => {
  const file = await curve([CURVE_HEADER, CURVE_ROWS[0], "1,4.1x6,-500,0.138889,25.0"]);
  await expectDataError(() => loadCurve({ file, cellKey: "1/A", rpt: 0 }), {
    message: /unparseable number/,
    file,
    row: 3,
    column: /^Voltage \(V\)$/,
    found: /4\.1x6/,
  });
});

Deno.test("wrong units → DataError naming the accepted units", async () => {
  const file = await summary([HEADER.replace("C/10 Capacity [mA h]", "C/10 Capacity [V]"), ...GOOD_ROWS]);
  await expectDataError(() => loadPerformanceSummary(src(file)), {
    message: /wrong or missing unit/,
    file,
    column: /C\/10 Capacity \[V\]/,
    expected: /mah, ah/,
    found: /'V'/,
  });
  const cfile = await curve([CURVE_HEADER.replace("Voltage (V)", "Voltage (mA)"), ...CURVE_ROWS]);
  await expectDataError(() => loadCurve({ file: cfile, cellKey: "1/A", rpt: 0 }), {
    message: /wrong or missing unit/,
    file: cfile,
  });
});

Deno.test("empty cells are missing (NaN), never zero; days is 0 at RPT0 only", async () => {
  const file = await summary([
    HEADER + ",0.1s Resistance [Ohms]",
    GOOD_ROWS[0] + ",0.026",
    GOOD_ROWS[1] + ",",
    "2,2,,1500.0,4600.0,0.958333,0.027",
  ]);
  const t = (await loadPerformanceSummary(src(file))).table;
  assert.deepEqual(Array.from(t.columns.days as Float64Array), [0, 14, NaN]);
  assert.ok(Number.isNaN((t.columns.r_0p1s_ohm as Float64Array)[1]));
});
