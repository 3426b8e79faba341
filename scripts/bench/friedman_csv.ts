/**
 * Friedman #1 rows of any size for the GBDT scaling series, in the peer kit's W2 format (header
 * `y,x0,…,x19`, y with 6 decimals, x with 8): x0..x19 uniform on [0, 1), y = 10 sin(π x0 x1) +
 * 20 (x2 − ½)² + 10 x3 + 5 x4 + N(0, 1). The kit's generator (numpy) has no size knob, so the rows come
 * from our seeded generator instead; ours and LightGBM then read the same file. Written once per size and
 * reused (`artifacts/bench/gbdt_scaling/`).
 */
import { join } from "node:path";
import { seededUniform } from "../../lib/random/mod.ts";
import { writeFileAtomic } from "../../lib/io/mod.ts";

const FEATURES = 20;
/** Rows formatted per chunk (bounded string sizes). */
const CHUNK_ROWS = 20_000;

/** The CSV text of `rows` Friedman #1 rows drawn from `seed`, as bytes. */
export function friedmanCsv(rows: number, seed: number): Uint8Array {
  const random = seededUniform(seed), encoder = new TextEncoder();
  const header = "y," + Array.from({ length: FEATURES }, (_, j) => `x${j}`).join(",") + "\n";
  const chunks: Uint8Array[] = [encoder.encode(header)];
  const x = new Float64Array(FEATURES);
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(rows, start + CHUNK_ROWS); i++) {
      for (let j = 0; j < FEATURES; j++) x[j] = random();
      // Box–Muller: one standard normal from two uniforms (1 − u keeps the logarithm finite).
      const noise = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const y = 10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + noise;
      lines.push(y.toFixed(6) + "," + Array.from(x, (v) => v.toFixed(8)).join(","));
    }
    chunks.push(encoder.encode(lines.join("\n") + "\n"));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The path of the `rows`-row training file under `dir`, written (atomically) if it is not there yet. */
export async function ensureFriedmanCsv(dir: string, rows: number, seed: number): Promise<string> {
  const path = join(dir, `friedman1_${rows}_seed${seed}.csv`);
  try {
    await Deno.stat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    console.error(`[bench] writing ${path}…`);
    await writeFileAtomic(path, friedmanCsv(rows, seed));
  }
  return path;
}
