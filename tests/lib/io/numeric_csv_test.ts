/** The W1 benchmark's byte-level CSV number parser (scripts/bench/w1_ica.ts). */
import assert from "node:assert/strict";
import { curveFromCsv } from "../../../scripts/bench/w1_ica.ts";
import { column, NumericCsvParser, parseNumericCsv } from "../../../lib/io/mod.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("parses fixed decimals exactly like Number(), signs, CRLF, blank lines, no final newline", () => {
  const text = "a,b,c\r\n17251.522819,-500.01355,0.000000\r\n\r\n3,-0.5,4813.670292\r\n1.5e3,NaN,";
  const table = parseNumericCsv(encode(text));
  assert.deepEqual(table.header, ["a", "b", "c"]);
  assert.equal(table.rows, 3);
  assert.deepEqual(Array.from(table.columns[0]), [17251.522819, 3, 1500]);
  assert.deepEqual(Array.from(table.columns[1]), [-500.01355, -0.5, NaN]);
  assert.deepEqual(Array.from(table.columns[2]), [0, 4813.670292, NaN]);
});

Deno.test("fast path is bit-identical to Number() on many random fixed-decimal values", () => {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const texts = Array.from({ length: 5000 }, (_, i) => ((random() - 0.5) * 10 ** (i % 7)).toFixed(i % 9));
  const table = parseNumericCsv(encode("x\n" + texts.join("\n") + "\n"));
  assert.deepEqual(Array.from(table.columns[0]), texts.map(Number));
});

Deno.test("errors name the source, row and column", () => {
  assert.throws(() => parseNumericCsv(encode("a,b\n1,2\n3\n"), "f.csv"), /f\.csv: row 2/);
  assert.throws(() => parseNumericCsv(encode("a,b\n1,x\n"), "f.csv"), /row 1, column 'b'.*'x'/);
  assert.throws(() => column(parseNumericCsv(encode("a\n1\n")), "Voltage (V)", "f.csv"), /missing column/);
});

Deno.test("curveFromCsv reads voltage and converts mA·h to A·h", () => {
  const text = "Time (s),Voltage (V),Current (mA),Charge (mA.h),Temperature (degC)\n" +
    "1.000000,4.1695513,-500.01355,138.897000,24.669010\n";
  const { voltage, chargeAh } = curveFromCsv(encode(text));
  assert.deepEqual(Array.from(voltage), [4.1695513]);
  assert.deepEqual(Array.from(chargeAh), [138.897 / 1000]);
});

/** A CSV of `rows` rows: time, a signed decimal and an integer column. */
function syntheticCsv(rows: number, seed: number): Uint8Array {
  const lines = ["t,v,k"];
  for (let i = 0; i < rows; i++) {
    lines.push(`${(i * 0.25).toFixed(2)},${(Math.sin(seed + i) * 4.2).toFixed(7)},${(seed * 31 + i) % 97}`);
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}

Deno.test("NumericCsvParser: files of varying size parse exactly as parseNumericCsv, into reused columns", () => {
  const parser = new NumericCsvParser();
  const sizes = [400, 1200, 30, 1200, 900, 1, 1199];
  for (const [k, rows] of sizes.entries()) {
    const bytes = syntheticCsv(rows, k);
    const fresh = parseNumericCsv(bytes, `f${k}`);
    const reused = parser.parse(bytes, `f${k}`);
    assert.deepEqual(reused.header, fresh.header);
    assert.equal(reused.rows, rows);
    for (let c = 0; c < fresh.columns.length; c++) assert.deepEqual(reused.columns[c], fresh.columns[c]);
  }
  // Three columns, allocated for the first file and once more for the first larger one: nothing after.
  assert.equal(parser.allocations, 6);
});

Deno.test("NumericCsvParser: a file with more columns than any before gets the new columns", () => {
  const parser = new NumericCsvParser();
  parser.parse(new TextEncoder().encode("a\n1\n2\n"));
  const wide = parser.parse(new TextEncoder().encode("a,b\n1.5,-2\n3,4.25\n"));
  assert.deepEqual([...column(wide, "a")], [1.5, 3]);
  assert.deepEqual([...column(wide, "b")], [-2, 4.25]);
});
