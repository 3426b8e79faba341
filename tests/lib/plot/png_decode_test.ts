import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { decodePng } from "./png_decode.ts";
import { pngChunk as chunk } from "../../fixtures/png.ts";

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Encodes pixels with filter type (row mod 5) on each row, so every filter is exercised. */
function encode(pixels: Uint8Array, width: number, height: number, channels: 3 | 4): Uint8Array {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw[y * (stride + 1)] = filter;
    for (let i = 0; i < stride; i++) {
      const x = pixels[y * stride + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const parts = [
    Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("PNG decoder: RGBA and RGB round trips through all five filter types", () => {
  const w = 7, h = 11;
  for (const channels of [3, 4] as const) {
    const pixels = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
    const png = decodePng(encode(pixels, w, h, channels));
    assert.equal(png.width, w);
    assert.equal(png.height, h);
    for (let p = 0; p < w * h; p++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(png.rgba[p * 4 + c], pixels[p * channels + c], `pixel ${p} ch ${c}`);
      }
      assert.equal(png.rgba[p * 4 + 3], channels === 4 ? pixels[p * 4 + 3] : 255);
    }
  }
  assert.throws(() => decodePng(new Uint8Array(16)), /signature/);
});
