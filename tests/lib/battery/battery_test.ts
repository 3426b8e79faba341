/** lib/battery numerics against known answers: Chen 2020 OCPs and windows, mode effects on capacity. */
import assert from "node:assert/strict";
import { ocpNegative, ocpPositive, OcpTable } from "../../../lib/battery/_ocp.ts";
import {
  agedBalance,
  freshBalance,
  fullCellOcv,
  topOfCharge,
} from "../../../lib/battery/electrode_balance.ts";
import { dischargeCapacity, dischargeCurve } from "../../../lib/battery/discharge_curve.ts";
import { arrheniusFactor, degradationModes, NOMINAL_RATES } from "../../../lib/battery/degradation.ts";

Deno.test("Chen 2020 windows give ≈ 4.2 V at 100 % SoC and ≈ 2.5 V at 0 %", () => {
  assert.ok(Math.abs(fullCellOcv({ x: 0.9014, y: 0.2661 }) - 4.2) < 0.01);
  assert.ok(Math.abs(fullCellOcv({ x: 0.0279, y: 0.9084 }) - 2.5) < 0.01);
  assert.ok(ocpNegative(0.5) > 0 && ocpNegative(0.5) < 0.2, "graphite plateau near 0.1 V");
  assert.ok(ocpPositive(0.5) > 3.6 && ocpPositive(0.5) < 4.0);
  const table = new OcpTable(ocpNegative);
  for (const x of [0.013, 0.27, 0.61, 0.99]) assert.ok(Math.abs(table.at(x) - ocpNegative(x)) < 1e-5);
});

Deno.test("fresh cell ≈ 5 Ah at 0.1C; LLI and LAM reduce capacity; top of charge is 4.2 V", () => {
  const fresh = freshBalance(5);
  const top = topOfCharge(fresh);
  assert.ok(Math.abs(fullCellOcv(top) - 4.2) < 1e-9);
  const cap = dischargeCapacity(fresh, 0.5, 0);
  assert.ok(Math.abs(cap - 5) < 0.05, `fresh capacity ${cap}`);
  for (
    const m of [{ lli: 0.1, lamPE: 0, lamNE: 0 }, { lli: 0, lamPE: 0.3, lamNE: 0 }, {
      lli: 0,
      lamPE: 0,
      lamNE: 0.2,
    }]
  ) {
    assert.ok(dischargeCapacity(agedBalance(fresh, m), 0.5, 0) < cap, JSON.stringify(m));
  }
  assert.ok(
    dischargeCapacity(fresh, 2.5, 0.05) < dischargeCapacity(fresh, 0.5, 0.05),
    "higher current, less charge",
  );
});

Deno.test("discharge curve: 1 Hz, charge counts up to the capacity, voltage ends at the cut-off", () => {
  const fresh = freshBalance(5);
  const c = dischargeCurve({ balance: fresh, currentA: 0.5, resistanceOhm: 0.05 });
  const cap = dischargeCapacity(fresh, 0.5, 0.05);
  assert.equal(c.time_s[1] - c.time_s[0], 1);
  assert.ok(Math.abs(c.charge_Ah.at(-1)! - cap) < 0.5 / 3600 + 1e-9);
  assert.ok(c.voltage_V.at(-1)! >= 2.5 && c.voltage_V.at(-1)! < 2.52);
  assert.ok(c.current_A.every((i) => i === -0.5));
});

Deno.test("degradation modes grow with throughput and time; calendar ageing is faster when hot", () => {
  assert.equal(arrheniusFactor(50_000, 298.15), 1);
  assert.ok(arrheniusFactor(50_000, 313.15) > 2 && arrheniusFactor(-40_000, 283.15) > 2);
  const at = (days: number, ah: number, k: number) =>
    degradationModes({ days, throughputAh: ah, temperatureK: k }, NOMINAL_RATES);
  assert.deepEqual(at(0, 0, 298.15), { lli: 0, lamNE: 0, lamPE: 0 });
  assert.ok(at(100, 5000, 298.15).lli < at(200, 10000, 298.15).lli);
  assert.ok(at(100, 0, 313.15).lli > at(100, 0, 298.15).lli);
});
