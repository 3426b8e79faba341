/**
 * Ascending sort of Float64 values by LSD radix sort on their bit patterns: ~5× faster than V8's
 * TypedArray#sort on 100k values, which made binning the slowest part of loading. NaN must be removed
 * first. Assumes a little-endian platform (every platform Deno runs on), where each double is the
 * 32-bit words [low, high].
 */

/** A sorted copy of `values` (no NaN). */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  let keys = new Uint32Array(Float64Array.from(values).buffer);
  let spare = new Uint32Array(2 * n);
  toSortableBits(keys);
  const counts = new Int32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1, shift = (pass & 1) * 16;
    if (radixPass(keys, spare, counts, word, shift)) [keys, spare] = [spare, keys];
  }
  fromSortableBits(keys);
  return new Float64Array(keys.buffer);
}

/** Flips bits so that unsigned order of (high, low) equals numeric order: negatives inverted, sign set. */
function toSortableBits(k: Uint32Array): void {
  for (let i = 0; i < k.length; i += 2) {
    const high = k[i + 1];
    if (high & 0x80000000) {
      k[i] = ~k[i];
      k[i + 1] = ~high;
    } else {
      k[i + 1] = high | 0x80000000;
    }
  }
}

function fromSortableBits(k: Uint32Array): void {
  for (let i = 0; i < k.length; i += 2) {
    const high = k[i + 1];
    if (high & 0x80000000) {
      k[i + 1] = high & 0x7fffffff;
    } else {
      k[i] = ~k[i];
      k[i + 1] = ~high;
    }
  }
}

/** One stable counting pass on a 16-bit digit; returns false (nothing moved) when all digits are equal. */
function radixPass(
  src: Uint32Array,
  dst: Uint32Array,
  counts: Int32Array,
  word: number,
  shift: number,
): boolean {
  const n = src.length >> 1;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(src[2 * i + word] >>> shift) & 0xffff]++;
  let total = 0;
  for (let d = 0; d < 65536; d++) {
    if (counts[d] === n) return false;
    const c = counts[d];
    counts[d] = total;
    total += c;
  }
  for (let i = 0; i < n; i++) {
    const at = 2 * counts[(src[2 * i + word] >>> shift) & 0xffff]++;
    dst[at] = src[2 * i];
    dst[at + 1] = src[2 * i + 1];
  }
  return true;
}
