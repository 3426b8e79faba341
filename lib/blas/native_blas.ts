/**
 * The system's OpenBLAS through Deno's FFI, for the CPU products of training (`training.blas=openblas`).
 *
 * Why: on the wasm backend our products run on XNNPACK compiled to WebAssembly SIMD (128-bit lanes, no
 * FMA), ~14 G multiply-adds/s on this machine; OpenBLAS's native kernels use the CPU's full vector width
 * and are what PyTorch itself calls on a CPU (docs/results.md, section 6). Called on the callers'
 * Float32Arrays directly (FFI passes their memory, no copy), with transposes and row strides as BLAS takes
 * them, so no operand is copied, transposed or packed by us.
 *
 * The library is looked up in `BATTERYML_OPENBLAS` (a path), then in the usual install locations. It is
 * kept to one thread unless asked otherwise: the training loop is single-threaded, and OpenBLAS's pthreads
 * pool spin-waits (on a machine with no idle core that slows everything down; shared/bench/README.md).
 * Loading needs `--allow-ffi` for the library's path and `--allow-env=BATTERYML_OPENBLAS`.
 *
 * Results differ from XNNPACK's in the last bits (another summation order), so this is a setting of the
 * run (recorded in its config), never picked silently.
 */

/** Thrown when OpenBLAS was asked for and cannot be loaded; names every path tried and why. */
export class NativeBlasError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NativeBlasError";
  }
}

/** The library's paths tried, in order, after `BATTERYML_OPENBLAS`. */
export const OPENBLAS_CANDIDATES: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/usr/lib/libopenblas.so.0",
  "/usr/local/lib/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
];

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

/** cblas_?gemm's parameters: order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc. */
function gemmParameters<S extends "f32" | "f64">(scalar: S) {
  return [
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    "i32",
    scalar,
    "buffer",
    "i32",
    "buffer",
    "i32",
    scalar,
    "buffer",
    "i32",
  ] as const;
}

const SYMBOLS = {
  cblas_sgemm: { parameters: gemmParameters("f32"), result: "void" },
  cblas_dgemm: { parameters: gemmParameters("f64"), result: "void" },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_config: { parameters: [], result: "pointer" },
  // The C library's, found through the OpenBLAS handle (dlsym searches the library's dependencies): they copy
  // the config string out, because Deno 2.9.6 refuses UnsafePointerView under a path-scoped --allow-ffi
  // (measured: "Requires ffi access"), which is the grant `--print-permissions` gives.
  strlen: { parameters: ["pointer"], result: "usize", optional: true },
  memcpy: { parameters: ["buffer", "pointer", "usize"], result: "pointer", optional: true },
} as const;

/**
 * Row-major C (m × n) = op(A)·op(B) + beta·C, op(X) = X or Xᵀ; lda/ldb/ldc are row strides (in elements) of
 * the arrays as stored. The arrays may be views (their offset is where the matrix starts).
 */
export type Gemm<A extends Float32Array | Float64Array> = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: A,
  lda: number,
  b: A,
  ldb: number,
  beta: number,
  c: A,
  ldc: number,
) => void;

/** A loaded OpenBLAS: the single- and double-precision products and what was loaded. */
export interface NativeBlas {
  /** The library file. */
  readonly path: string;
  /** OpenBLAS's own build description (version, kernel target). */
  readonly config: string;
  /** The float32 product (the fused LSTM/attention ops, the dense layers). */
  sgemm: Gemm<Float32Array>;
  /** The float64 product (the ODE fields' products, lib/ode/_mlp_kernels.ts). */
  dgemm: Gemm<Float64Array>;
}

let loaded: NativeBlas | null = null;

/** Loads OpenBLAS once (later calls return the same library) and sets its thread count. */
export function loadOpenBlas(threads = 1): NativeBlas {
  if (loaded) return loaded;
  const tried: string[] = [];
  const fromEnv = envPath();
  for (const path of fromEnv ? [fromEnv] : OPENBLAS_CANDIDATES) {
    try {
      const lib = Deno.dlopen(path, SYMBOLS);
      lib.symbols.openblas_set_num_threads(threads);
      loaded = wrap(path, lib);
      return loaded;
    } catch (err) {
      // Deno 2.9.6 says "Could not open library: " twice before the loader's own message.
      const why = (err instanceof Error ? err.message.split("\n")[0] : String(err))
        .replace(/^(Could not open library: )+/, "");
      tried.push(`${path} (${why})`);
    }
  }
  throw new NativeBlasError(
    `training.blas=openblas: no usable OpenBLAS library; tried ${tried.join("; ")}. Install it (Debian: ` +
      `apt install libopenblas0) or set BATTERYML_OPENBLAS to the library's path, or leave training.blas out ` +
      `(the built-in XNNPACK products).`,
  );
}

/**
 * The file `loadOpenBlas` opens first: `BATTERYML_OPENBLAS` when set, else the first candidate that exists
 * (undefined: none) — what a path-scoped `--allow-ffi` must name for `training.blas=openblas`.
 */
export function openBlasLibraryPath(): string | undefined {
  return envPath() ?? OPENBLAS_CANDIDATES.find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

function envPath(): string | undefined {
  const variable = "BATTERYML_OPENBLAS";
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  return Deno.env.get(variable) || undefined;
}

function wrap(path: string, lib: Deno.DynamicLibrary<typeof SYMBOLS>): NativeBlas {
  const config = configString(lib);
  const sgemm = lib.symbols.cblas_sgemm, dgemm = lib.symbols.cblas_dgemm;
  return {
    path,
    config,
    dgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) {
      need("A", a, transA ? k : m, transA ? m : k, lda);
      need("B", b, transB ? n : k, transB ? k : n, ldb);
      need("C", c, m, n, ldc);
      const ta = transA ? TRANS : NO_TRANS, tb = transB ? TRANS : NO_TRANS;
      dgemm(ROW_MAJOR, ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
    },
    sgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) {
      // The library reads and writes raw memory: an extent past an array's end would corrupt the process,
      // so every operand's extent is checked here (a few multiplications per call).
      need("A", a, transA ? k : m, transA ? m : k, lda);
      need("B", b, transB ? n : k, transB ? k : n, ldb);
      need("C", c, m, n, ldc);
      sgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      );
    },
  };
}

/** OpenBLAS's build description, copied out with the C library's strlen and memcpy (see SYMBOLS). */
function configString(lib: Deno.DynamicLibrary<typeof SYMBOLS>): string {
  const cfg = lib.symbols.openblas_get_config();
  const { strlen, memcpy } = lib.symbols;
  if (!cfg) return "unknown";
  if (!strlen || !memcpy) return new Deno.UnsafePointerView(cfg).getCString();
  const length = strlen(cfg);
  const bytes = new Uint8Array(Number(length));
  memcpy(bytes, cfg, BigInt(length));
  return new TextDecoder().decode(bytes);
}

function need(name: string, x: Float32Array | Float64Array, rows: number, cols: number, ld: number): void {
  if (rows <= 0 || cols <= 0) return;
  if (ld < cols || (rows - 1) * ld + cols > x.length) {
    throw new RangeError(
      `${
        x instanceof Float64Array ? "dgemm" : "sgemm"
      }: ${name} is ${rows} × ${cols} with row stride ${ld}, ` +
        `which needs ${(rows - 1) * ld + cols} values (stride ≥ ${cols}); the array holds ${x.length}`,
    );
  }
}
