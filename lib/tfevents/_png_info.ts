/**
 * Reads width, height and colour space from a PNG's IHDR chunk, which `Summary.Image` needs alongside
 * the encoded bytes. Only the header is parsed; the image data is passed through untouched.
 */
import type { ImageInfo } from "./_summary.ts";

/** The eight-byte PNG signature. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG colour type → Summary.Image colorspace (channels). Palette images decode to RGB. */
const COLORSPACE_BY_COLOR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Dimensions and colour space of a PNG; throws if the bytes are not a PNG with an IHDR chunk. */
export function pngInfo(png: Uint8Array): ImageInfo {
  if (png.length < 33 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) {
    throw new TypeError("not a PNG image: the PNG signature is missing");
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunkType = String.fromCharCode(...png.subarray(12, 16));
  if (chunkType !== "IHDR") throw new TypeError(`not a PNG image: first chunk is '${chunkType}', not IHDR`);
  const colorType = png[25];
  const colorspace = COLORSPACE_BY_COLOR_TYPE[colorType];
  if (colorspace === undefined) throw new TypeError(`PNG colour type ${colorType} is not valid`);
  return { width: view.getUint32(16), height: view.getUint32(20), colorspace };
}
