import { assertEquals } from "./assert.ts";
import { sortFloat64 } from "../../../lib/gbdt/_sort.ts";
import { seededUniform } from "../../../lib/random/mod.ts";

Deno.test("sort: radix sort of doubles matches numeric order, signs and infinities included", () => {
  const special = Float64Array.of(
    3,
    -1,
    0,
    2.5,
    -1e300,
    1e-300,
    Infinity,
    -Infinity,
    7,
    -2.5,
    5e-324,
    -5e-324,
  );
  assertEquals(Array.from(sortFloat64(special)), Array.from(special).sort((a, b) => a - b));
  const random = seededUniform(4);
  const many = Float64Array.from(
    { length: 5000 },
    () => (random() - 0.3) * 10 ** Math.floor(random() * 10 - 5),
  );
  assertEquals(Array.from(sortFloat64(many)), Array.from(many).sort((a, b) => a - b));
  assertEquals(Array.from(sortFloat64(new Float64Array(0))), []);
  assertEquals(Array.from(sortFloat64(new Float64Array(4).fill(1.5))), [1.5, 1.5, 1.5, 1.5]);
});
