/**
 * A minimal WebAssembly binary encoder, shared by the kernels the project generates at run time (GBDT
 * histograms, partition and split scans in lib/gbdt; the LSTM cell in lib/nn/kernels): no assembler or wasm
 * toolchain is available to the project, and the kernels are generated per shape so that offsets become
 * constant address offsets. Opcodes are those of the WebAssembly core specification 2.0 and its fixed-width
 * SIMD extension.
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit values). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Instruction emitters; memory offsets are static byte offsets added to the address operand. */
export const op = {
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Eq: [0x46],
  i32LeU: [0x4d],
  i32Shl: [0x74],
  i32LtU: [0x49],
  i32GeU: [0x4f],
  i32Load: (offset = 0): number[] => [0x28, 2, ...uleb(offset)],
  i32Load8U: (offset = 0): number[] => [0x2d, 0, ...uleb(offset)],
  i32Store: (offset = 0): number[] => [0x36, 2, ...uleb(offset)],
  i64Load: (offset = 0): number[] => [0x29, 3, ...uleb(offset)],
  i64Store: (offset = 0): number[] => [0x37, 3, ...uleb(offset)],
  /** Pops c, b, a: a when c ≠ 0, else b. */
  select: [0x1b],
  /** Pops n, source, destination (bulk memory). */
  memoryCopy: [0xfc, ...uleb(10), 0x00, 0x00],
  f64Load: (offset = 0): number[] => [0x2b, 3, ...uleb(offset)],
  f64Store: (offset = 0): number[] => [0x39, 3, ...uleb(offset)],
  f64Const: (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  f64Add: [0xa0],
  f64Sub: [0xa1],
  f64Mul: [0xa2],
  f64Div: [0xa3],
  f64Abs: [0x99],
  f64Max: [0xa5],
  f64Copysign: [0xa6],
  f64Lt: [0x63],
  f64Gt: [0x64],
  f64Le: [0x65],
  i32Or: [0x72],
  i32LtS: [0x48],
  i32GeS: [0x4e],
  v128Load: (offset = 0): number[] => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Store: (offset = 0): number[] => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  v128ConstF64: (a: number, b: number): number[] => [
    0xfd,
    ...uleb(0x0c),
    ...new Uint8Array(Float64Array.of(a, b).buffer),
  ],
  f64x2ReplaceLane: (lane: number): number[] => [0xfd, ...uleb(0x22), lane],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Sub: [0xfd, ...uleb(0xf1)],
  /** `block` / `loop` without a result; close each with `end`. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  /** `if` without a result; close with `end`. */
  if: [0x04, 0x40],
  end: [0x0b],
};

/** One exported function: parameter, result and local types and the instructions of its body (without `end`). */
export interface WasmFunction {
  name: string;
  params: number[];
  results?: number[];
  locals: number[];
  body: number[];
}

/** A module section: id, byte length, body. */
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A vector: element count, then the elements. */
export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A name: UTF-8 byte length, then the bytes. */
export function utf8(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function localDeclarations(locals: number[]): number[] {
  // Runs of equal types, as the format groups them.
  const runs: number[][] = [];
  for (const type of locals) {
    const last = runs.at(-1);
    if (last && last[1] === type) last[0]++;
    else runs.push([1, type]);
  }
  return vector(runs.map(([count, type]) => [...uleb(count), type]));
}

/**
 * A module importing its (unshared) memory as `env.memory` and exporting `functions`. The GBDT helper
 * threads work in copies of the learner's memory, not in a shared one (docs/results.md §8: a shared memory
 * made every kernel ~16 % slower here).
 */
export function encodeModule(functions: WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [
    0x60,
    ...vector(f.params.map((t) => [t])),
    ...vector((f.results ?? []).map((t) => [t])),
  ]);
  // Limits 0x00: a minimum of one page, no maximum, unshared.
  const memoryImport = [...utf8("env"), ...utf8("memory"), 0x02, 0x00, ...uleb(1)];
  const exports = functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]);
  const bodies = functions.map((f) => {
    const code = [...localDeclarations(f.locals), ...f.body, ...op.end];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
