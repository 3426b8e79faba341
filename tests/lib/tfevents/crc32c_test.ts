import assert from "node:assert/strict";
import { crc32c, maskedCrc32c } from "../../../lib/tfevents/_crc32c.ts";
import { referenceCrc32c } from "./event_decoder.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32c of the standard check string '123456789' is 0xE3069283", () => {
  assert.equal(crc32c(ascii("123456789")), 0xe3069283);
});

Deno.test("masked crc32c of the empty input is 0xA282EAD8", () => {
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
});

Deno.test("table-driven crc32c agrees with the bitwise reference on varied inputs", () => {
  const bytes = new Uint8Array(1031);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  for (const n of [1, 2, 7, 8, 255, 1031]) {
    assert.equal(crc32c(bytes.subarray(0, n)), referenceCrc32c(bytes.subarray(0, n)), `n=${n}`);
  }
  assert.equal(referenceCrc32c(ascii("123456789")), 0xe3069283);
});
