/**
 * `deno task bench [--peers] [--runs N] [--threads N] [--only W1,W1S,W1T,W2,W2S,W2T,W3,W3S,W4,W4A]`: times our
 * implementations on the peer kit's workloads (W1T, W2T: on `--threads` threads, default 2, against the
 * peers on as many); with `--peers` it runs the peer scripts in the same process tree right after each of ours
 * (interleaved), so every ratio comes from one run on one machine. Prints a table and writes
 * `artifacts/bench/report.json`.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/io/mod.ts";
import { type BenchRow, benchRow, formatTable, stats } from "./report.ts";
import { runPeer } from "./peers.ts";
import { benchDataDir, benchW1 } from "./w1_ica.ts";
import { benchW2Process } from "./w2_gbdt.ts";
import { benchW1Threads } from "./w1_ica_threads.ts";
import { runLightgbm } from "./lightgbm_cli.ts";
import { BENCH_DIR } from "./peers.ts";
import { benchScaling, scalingRows, slopeSummary } from "./w2_scaling.ts";
import { benchReadCurves } from "./read_curves.ts";
import { benchIcaScaling, rssSummary } from "./w1_scaling.ts";
import { seriesSummary } from "./scaling_series.ts";
import { benchW3, benchW3Process, type W3Result } from "./w3_lstm_attn.ts";
import { benchLstmScaling } from "./w3_scaling.ts";
import { probeWebGpu } from "../../lib/train/mod.ts";
import { benchW4, benchW4Process, type W4Result } from "./w4_node.ts";
import { adjointMemorySummary, benchW4Adjoint } from "./w4_adjoint.ts";

interface Args {
  peers: boolean;
  runs: number;
  only?: Set<string>;
  /** Time W3 at batch 256 on WebGPU against wasm even without a hardware GPU (it is automatic with one). */
  webgpu: boolean;
  /** Threads of the multi-thread variants (W1T, W2T), ours and the peers'. */
  threads: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { peers: false, runs: 5, webgpu: false, threads: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--peers") args.peers = true;
    else if (a === "--runs") args.runs = Number(argv[++i]);
    else if (a === "--only") args.only = new Set(argv[++i].split(","));
    else if (a === "--webgpu") args.webgpu = true;
    else if (a === "--threads") args.threads = Number(argv[++i]);
    else {throw new Error(
        `unknown argument '${a}' (expected --peers, --runs N, --threads N, ` +
          `--only W1,W1S,W1T,W2,W2S,W2T,W3,W3S,W4,W4A, --webgpu)`,
      );}
  }
  if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error(`--runs must be a positive integer`);
  if (!Number.isInteger(args.threads) || args.threads < 2) {
    throw new Error(`--threads must be an integer ≥ 2`);
  }
  return args;
}

type Workload = (args: Args, dataDir: string) => Promise<BenchRow[]>;

const seconds = (v: unknown) => Number(v);

/** W1: ICA of 128 curves end to end and compute only; plus reading the curves with our M50T loader. */
const w1: Workload = async (args, dataDir) => {
  const ours = await benchW1({ dataDir, runs: args.runs });
  const reads = await benchReadCurves({ dataDir, runs: args.runs });
  const peer = args.peers ? await runPeer("peer_ica_scipy.py") : undefined;
  const quality = {
    top_peak_voltage_c000: ours.curve000.peaks[0].voltage,
    mean_total_area_ah: ours.meanTotalAreaAh,
  };
  const peerParse = peer ? seconds(peer.seconds_median) - seconds(peer.compute_seconds_median) : undefined;
  return [
    benchRow(
      "W1_ica",
      "end_to_end",
      ours.endToEndSeconds,
      peer && { name: "scipy", median: seconds(peer.seconds_median) },
      quality,
    ),
    benchRow(
      "W1_ica",
      "compute",
      ours.computeSeconds,
      peer && { name: "scipy", median: seconds(peer.compute_seconds_median) },
    ),
    benchRow(
      "W1_read_curves",
      "end_to_end",
      reads.seconds,
      peerParse !== undefined ? { name: "pandas", median: peerParse } : undefined,
      {
        files: reads.files,
        rows: reads.rows,
      },
    ),
  ];
};

/**
 * W1T: W1 end to end on `--threads` Workers against the kit's recipe on a process pool of as many (the kit
 * itself has no multi-process ICA: scripts/bench/peers/ica_pool_scipy.py imports its `features`).
 */
const w1Threads: Workload = async (args, dataDir) => {
  const ours = await benchW1Threads({ dataDir, runs: args.runs, threads: args.threads });
  const pool = join(Deno.cwd(), "scripts", "bench", "peers", "ica_pool_scipy.py");
  const peer = args.peers
    ? await runPeer(pool, [
      "--kit",
      BENCH_DIR,
      "--processes",
      String(args.threads),
      "--runs",
      String(args.runs),
    ])
    : undefined;
  const meanArea = ours.features.reduce((s, f) => s + f.total_area_ah, 0) / ours.features.length;
  return [
    {
      ...benchRow(
        "W1_ica",
        `end_to_end_${args.threads}_threads`,
        ours.seconds,
        peer && { name: `scipy pool of ${args.threads}`, median: seconds(peer.seconds_median) },
        {
          mean_total_area_ah: meanArea,
          ...(peer ? { peer_mean_total_area_ah: Number(peer.mean_total_area_ah) } : {}),
        },
      ),
      impl: `batteryml-deno ${args.threads} Workers`,
    },
  ];
};

/**
 * W2T: the W2 boosting loop with histograms on `--threads` threads against LightGBM's loop with
 * num_threads = `--threads` (its CLI from the kit, run alternately with ours, repeat by repeat).
 */
const w2Threads: Workload = async (args, dataDir) => {
  const ours: number[] = [], lightgbm: number[] = [];
  let testRmse = NaN;
  for (let r = 0; r < args.runs; r++) {
    const run = await benchW2Process({ dataDir, runs: 1, threads: args.threads });
    ours.push(run.trainSeconds[0]);
    testRmse = run.testRmse;
    if (args.peers) {
      const dir = join("artifacts", "bench", "gbdt_threads");
      const times = await runLightgbm(join(dataDir, "gbdt", "train.csv"), 500, dir, args.threads);
      lightgbm.push(times.loopSeconds);
      console.error(
        `[gbdt lightgbm ${args.threads} threads] run ${r}: loop ${times.loopSeconds.toFixed(3)}s`,
      );
    }
  }
  const peerMedian = lightgbm.length > 0 ? stats(lightgbm).median : undefined;
  return [
    {
      ...benchRow(
        "W2_gbdt",
        `train_loop_${args.threads}_threads`,
        ours,
        peerMedian !== undefined
          ? { name: `lightgbm num_threads=${args.threads}`, median: peerMedian }
          : undefined,
        { test_rmse: testRmse },
      ),
      impl: `batteryml-deno ${args.threads} threads`,
    },
  ];
};

/** Runs of each point of the scaling series (≤ 3 keeps W1S and W3S at a few minutes on 2 cores). */
const seriesRuns = (args: Args) => Math.min(args.runs, 3);

/** W1S: ICA of 16, 128 and 1,024 curves, each pass in its own process: time slopes and peak RSS. */
const w1Scaling: Workload = (args) => benchIcaScaling({ runs: seriesRuns(args), peers: args.peers });

/** W2: GBDT 100k × 20, 500 rounds: boosting loop vs LightGBM's loop, whole job vs its whole process. */
const w2: Workload = async (args, dataDir) => {
  const ours = await benchW2Process({ dataDir, runs: args.runs });
  const peer = args.peers ? await runPeer("peer_gbdt.py", ["--engine", "lightgbm"]) : undefined;
  return [
    benchRow(
      "W2_gbdt",
      "train_loop",
      ours.trainSeconds,
      peer && { name: "lightgbm", median: seconds(peer.cli_boost_loop_seconds_median) },
      {
        test_rmse: ours.testRmse,
        ...(peer ? { peer_test_rmse: Number(peer.test_rmse) } : {}),
      },
    ),
    benchRow(
      "W2_gbdt",
      "end_to_end",
      ours.endToEndSeconds,
      peer && { name: "lightgbm", median: seconds(peer.seconds_median) },
    ),
  ];
};

/** W2S: the GBDT boosting loop at 10k, 100k and 1M rows against LightGBM's, with log–log slopes. */
const w2Scaling: Workload = async (args) => {
  const dir = join("artifacts", "bench", "gbdt_scaling");
  return scalingRows(await benchScaling({ runs: args.runs, peers: args.peers, dir }));
};

/** Whether a hardware (not software-fallback) WebGPU adapter is present: then W3 also runs at batch 256. */
async function hardwareGpu(): Promise<boolean> {
  const probe = await probeWebGpu();
  return probe !== null && !probe.fallback;
}

/**
 * W3: BiLSTM + attention, seconds per training step (batch 32), against PyTorch on one thread;
 * optionally batch 256 on WebGPU. Variant `train_loop`: forward + backward + Adam, data in memory.
 */
const w3: Workload = async (args) => {
  const ours = await benchW3Process({ runs: args.runs, steps: 50, warmup: 10 });
  const peer = args.peers ? await runPeer("peer_lstm_attn_torch.py", ["--threads", "1"]) : undefined;
  const torch = peer && { name: "torch", median: seconds(peer.seconds_median) };
  const row = (variant: string, r: W3Result, extra: Record<string, unknown> = {}) =>
    benchRow("W3_lstm_attn", variant, r.msPerStep.map((ms) => ms / 1000), torch, {
      final_loss: r.finalLoss,
      params: r.params,
      backend: r.backend,
      ...extra,
    });
  const rows = [row("train_loop", ours)];
  // The products on the system's OpenBLAS (`training.blas=openblas`): the BLAS torch itself calls here.
  try {
    const blas = await benchW3Process({ runs: args.runs, steps: 50, warmup: 10, blas: "openblas" });
    rows.push(row("train_loop_openblas", blas, { blas: "openblas" }));
  } catch (err) {
    console.error(`[bench] W3 train_loop_openblas skipped: ${(err as Error).message}`);
  }
  if (args.webgpu || await hardwareGpu()) {
    // Batch 32 and 256: WebGPU against wasm on this machine's CPU (ratio = webgpu / wasm).
    for (const batch of [32, 256]) {
      const wasm = await benchW3({ runs: args.runs, steps: 10, warmup: 3, batch, backend: "wasm" });
      const gpu = await benchW3({ runs: args.runs, steps: 10, warmup: 3, batch, backend: "webgpu" });
      const row = benchRow(`W3_lstm_attn_b${batch}`, "train_loop", gpu.msPerStep.map((ms) => ms / 1000), {
        name: "batteryml-deno wasm",
        median: [...wasm.msPerStep].sort((a, b) => a - b)[wasm.msPerStep.length >> 1] / 1000,
      }, { final_loss: gpu.finalLoss, wasm_final_loss: wasm.finalLoss });
      rows.push({ ...row, impl: `batteryml-deno ${gpu.backend}` });
    }
  }
  return rows;
};

/** W3S: the W3 step at sequence length 25, 50, 100 against torch's, with log–log slopes. */
const w3Scaling: Workload = async (args) => {
  const rows = await benchLstmScaling({ runs: seriesRuns(args), peers: args.peers });
  try {
    rows.push(...await benchLstmScaling({ runs: seriesRuns(args), peers: args.peers, blas: "openblas" }));
  } catch (err) {
    console.error(`[bench] W3S with openblas skipped: ${(err as Error).message}`);
  }
  return rows;
};

/** W4: latent neural ODE, seconds per training epoch (RK4 and dopri5), against PyTorch on one thread. */
const w4: Workload = async (args) => {
  const rows: BenchRow[] = [];
  for (const solver of ["rk4", "dopri5"] as const) {
    // 5 warm-up epochs: in a fresh process the JIT is still tiering up after 3.
    const ours = await benchW4Process({ solver, runs: args.runs, epochs: 20, warmup: 5 });
    const peer = args.peers
      ? await runPeer("peer_node_torch.py", ["--solver", solver, "--threads", "1"])
      : undefined;
    const torch = peer && { name: "torch", median: seconds(peer.seconds_median) };
    const row = (variant: string, r: W4Result) =>
      benchRow(`W4_node_${solver}`, variant, r.secondsPerEpoch, torch, {
        nfe_first_forward: r.nfeFirstForward,
        first_loss: r.firstLoss,
        final_loss: r.finalLoss,
      });
    rows.push(row("train_loop", ours));
    // The field's float64 products on the system's OpenBLAS (`training.blas=openblas`).
    try {
      const blas = await benchW4Process({ solver, runs: args.runs, epochs: 20, warmup: 5, blas: "openblas" });
      rows.push(row("train_loop_openblas", blas));
    } catch (err) {
      console.error(`[bench] W4 ${solver} train_loop_openblas skipped: ${(err as Error).message}`);
    }
  }
  if (args.webgpu || await hardwareGpu()) {
    // The same epochs on WebGPU against wasm on this machine's CPU (ratio = webgpu / wasm).
    for (const solver of ["rk4", "dopri5"] as const) {
      const wasm = await benchW4({ solver, runs: args.runs, epochs: 5, warmup: 1, backend: "wasm" });
      const gpu = await benchW4({ solver, runs: args.runs, epochs: 5, warmup: 1, backend: "webgpu" });
      const row = benchRow(`W4_node_${solver}_webgpu`, "train_loop", gpu.secondsPerEpoch, {
        name: "batteryml-deno wasm",
        median: [...wasm.secondsPerEpoch].sort((a, b) => a - b)[wasm.secondsPerEpoch.length >> 1],
      }, {
        final_loss: gpu.finalLoss,
        wasm_final_loss: wasm.finalLoss,
        nfe_first_forward: gpu.nfeFirstForward,
      });
      rows.push({ ...row, impl: `batteryml-deno ${gpu.backend}` });
    }
  }
  return rows;
};

/** W4A: the W4 epoch with adjoint gradients against our backprop variant; memory against solver steps. */
const w4Adjoint: Workload = (args) => benchW4Adjoint({ runs: seriesRuns(args) });

const WORKLOADS: Record<string, Workload> = {
  W1: w1,
  W1S: w1Scaling,
  W1T: w1Threads,
  W2: w2,
  W2S: w2Scaling,
  W2T: w2Threads,
  W3: w3,
  W3S: w3Scaling,
  W4: w4,
  W4A: w4Adjoint,
};

/** The printed slope (and memory) lines of every scaling series that ran. */
function seriesLines(rows: readonly BenchRow[]): string[] {
  const of = (workload: string) => rows.filter((r) => r.workload === workload);
  const ica = of("W1_ica_scaling"), lstm = of("W3_lstm_attn_scaling");
  return [
    seriesSummary("ICA scaling (curves)", "scipy", ica),
    rssSummary(ica),
    slopeSummary(of("W2_gbdt_scaling")),
    seriesSummary(
      "LSTM step scaling (sequence length)",
      "torch",
      lstm.filter((r) => !r.variant.includes("openblas")),
    ),
    seriesSummary(
      "LSTM step scaling on OpenBLAS",
      "torch",
      lstm.filter((r) => r.variant.includes("openblas")),
    ),
    adjointMemorySummary(rows),
  ].filter((line) => line !== "");
}

if (import.meta.main) {
  try {
    const args = parseArgs(Deno.args);
    const unknown = [...args.only ?? []].filter((name) => !(name in WORKLOADS));
    if (unknown.length > 0) {
      throw new Error(
        `--only: unknown workload ${unknown.join(", ")} (known: ${Object.keys(WORKLOADS).join(", ")})`,
      );
    }
    const dataDir = benchDataDir();
    const rows: BenchRow[] = [];
    for (const [name, run] of Object.entries(WORKLOADS)) {
      if (args.only && !args.only.has(name)) continue;
      console.error(`[bench] ${name}${args.peers ? " (with peer)" : ""}…`);
      rows.push(...await run(args, dataDir));
    }
    console.log(formatTable(rows));
    const lines = seriesLines(rows);
    if (lines.length > 0) console.log(`\n${lines.join("\n")}`);
    const file = join("artifacts", "bench", "report.json");
    await writeFileAtomic(file, JSON.stringify(rows, null, 2) + "\n");
    console.log(`\nwrote ${file}`);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
