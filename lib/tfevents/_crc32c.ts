/**
 * CRC32C (Castagnoli) and TFRecord's masked variant. TFRecord frames checksum both the length and the
 * payload with the masked form, so readers can tell a torn or corrupted record from a valid one.
 */

/** Reflected Castagnoli polynomial. */
const CASTAGNOLI_REFLECTED = 0x82f63b78;
/** Added after rotation; masking keeps a CRC of CRC-bearing data from being trivially self-similar. */
const MASK_DELTA = 0xa282ead8;

/** Byte-at-a-time lookup table, built once at module load (256 entries). */
const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC32C of `bytes` (init 0xFFFFFFFF, final xor 0xFFFFFFFF), as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC32C: rotate right by 15 bits, then add 0xA282EAD8 (mod 2^32). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
