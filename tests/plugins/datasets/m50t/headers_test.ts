/** Header alias table: 2023 and 2024 spellings → the same canonical columns, converted by header unit. */
import assert from "node:assert/strict";
import { parseHeader, resolveHeaders, sanitizeName, SUMMARY_ALIASES } from "../../../../lib/m50t/mod.ts";
import { loadPerformanceSummary } from "../../../../lib/m50t/mod.ts";
import { recordingLogger, writeFixture } from "./helpers.ts";

Deno.test("2023 and 2024 spellings resolve to the same canonical names", () => {
  const y2024 = resolveHeaders(
    ["C/10 Capacity [mA h]", "Charge Throughput [A h]", "Age set av. temperature [°C]"],
    SUMMARY_ALIASES,
    "f",
  );
  const y2023 = resolveHeaders(
    ["C/10 Capacity (mA.h)", "Charge Throughput (A.h)", "Age set av. temperature (degC)"],
    SUMMARY_ALIASES,
    "f",
  );
  assert.deepEqual(y2024.map((r) => r.canonical), [
    "capacity_c10_Ah",
    "charge_throughput_Ah",
    "cell_temperature_K",
  ]);
  assert.deepEqual(y2023.map((r) => r.canonical), y2024.map((r) => r.canonical));
  assert.deepEqual(y2024.map((r) => r.spelling), ["2024", "2024", "2024"]);
  assert.deepEqual(y2023.map((r) => r.spelling), ["2023", "2023", "2023"]);
  assert.deepEqual(parseHeader("Mean_R (Ohms)"), {
    raw: "Mean_R (Ohms)",
    base: "Mean_R",
    unit: "Ohms",
    spelling: "2023",
  });
  assert.equal(sanitizeName("Foo Bar [mA h]"), "foo_bar_ma_h");
});

Deno.test("a 2023-spelled file loads with units converted (mAh → Ah, °C → K, dates ISO) and extras kept", async () => {
  const dir = await Deno.makeTempDir();
  const file = await writeFixture(
    dir,
    "s.csv",
    [
      ",Ageing Sets,RPT start date,Days of degradation,Age set av. temperature (degC),Charge Throughput (A.h),C/10 Capacity (mA.h),SoH,Mystery Column (V)",
      "0,0,01/07/2020,,,0.0,5000.0,1.0,3.5",
      "1,1,07/08/2020,14.0,17.5,750.0,4900.0,0.98,3.6",
    ].join("\n") + "\n",
  );
  const log = recordingLogger();
  const s = await loadPerformanceSummary({ file, experiment: "2,2", cell: "A", chamberC: 10 }, { log });
  const c = s.table.columns;
  assert.equal(s.spelling, "2023");
  assert.deepEqual(Array.from(c.capacity_c10_Ah as Float64Array), [5, 4.9]);
  assert.ok(Number.isNaN((c.cell_temperature_K as Float64Array)[0]));
  assert.ok(Math.abs((c.cell_temperature_K as Float64Array)[1] - 290.65) < 1e-9);
  assert.deepEqual(c.rpt_start_date, ["2020-07-01", "2020-08-07"]);
  assert.deepEqual(Array.from(c.mystery_column_v as Float64Array), [3.5, 3.6]);
  assert.deepEqual(c.cellKey, ["2,2/A", "2,2/A"]);
  assert.deepEqual(Array.from(c.chamber_temperature_K as Float64Array), [283.15, 283.15]);
  assert.equal(log.warnings.length, 0);
});

Deno.test("SOH disagreeing with the file's SoH by more than 1e-4 is logged", async () => {
  const file = await writeFixture(
    await Deno.makeTempDir(),
    "s.csv",
    ",Ageing Sets,Days of degradation,Charge Throughput [A h],C/10 Capacity [mA h],SoH\n0,0,,0,5000,1.0\n1,1,14,750,4900,0.97\n",
  );
  const log = recordingLogger();
  const s = await loadPerformanceSummary({ file, experiment: "1", cell: "A", chamberC: 10 }, { log });
  const soh = s.table.columns.soh as Float64Array;
  assert.equal(soh[0], 1);
  assert.ok(Math.abs(soh[1] - 0.98) < 1e-12);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0], /SoH by 1\.00e-2/);
});
