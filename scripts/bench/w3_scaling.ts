/**
 * LSTM scaling series (`W3S`): the W3 training step (BiLSTM + attention, batch 32) at sequence lengths 25, 50
 * and 100, ours (wasm, each point in a fresh process; products on XNNPACK, then on OpenBLAS) against PyTorch on one thread (scripts/bench/peers/
 * lstm_attn_seq_torch.py runs the kit's own model class at any length), length by length. The recurrence is
 * linear in T and attention quadratic, so a slope a little above 1 is expected on both sides; the flags say
 * whether ours grows faster than torch's.
 */
import { fileURLToPath } from "node:url";
import { BENCH_DIR, runPeer } from "./peers.ts";
import type { BenchRow } from "./report.ts";
import { seriesRows } from "./scaling_series.ts";
import { benchW3Process } from "./w3_lstm_attn.ts";

/** Sequence lengths of the series. */
export const LSTM_SCALING_LENGTHS = [25, 50, 100];
/** Timed steps per repeat and warm-up steps, both sides (fewer than W3's 50 keep the series at ~1 min). */
const STEPS = 20, WARMUP = 5;

const PEER = fileURLToPath(new URL("./peers/lstm_attn_seq_torch.py", import.meta.url));

/** Seconds per step at each length, `runs` repeats each side. */
export async function benchLstmScaling(
  opts: { runs: number; peers: boolean; blas?: "builtin" | "openblas" },
): Promise<BenchRow[]> {
  const ours: number[][] = [], peer: number[][] = [];
  for (const seqLen of LSTM_SCALING_LENGTHS) {
    const run = await benchW3Process({
      runs: opts.runs,
      steps: STEPS,
      warmup: WARMUP,
      seqLen,
      blas: opts.blas,
    });
    ours.push(run.msPerStep.map((ms) => ms / 1000));
    if (opts.peers) {
      const args = ["--kit", BENCH_DIR, "--seq", String(seqLen), "--steps", String(STEPS)];
      const out = await runPeer(PEER, [...args, "--repeats", String(opts.runs), "--warmup", String(WARMUP)]);
      peer.push((out.seconds_per_step as number[]).map(Number));
    }
    console.error(
      `[lstm scaling${opts.blas === "openblas" ? ", openblas" : ""}] T = ${seqLen}: ours ${
        ours.at(-1)!.map((s) => (s * 1000).toFixed(1)).join(", ")
      } ms` +
        (opts.peers ? `; torch ${peer.at(-1)!.map((s) => (s * 1000).toFixed(1)).join(", ")} ms` : ""),
    );
  }
  return seriesRows({ sizes: LSTM_SCALING_LENGTHS, ours, peer: opts.peers ? peer : undefined }, {
    workload: "W3_lstm_attn_scaling",
    variantPrefix: opts.blas === "openblas" ? "train_loop_openblas_seq" : "train_loop_seq",
    peerName: "torch",
    sizeKey: "seq_len",
    extra: { batch: 32, steps_per_repeat: STEPS, warmup_steps: WARMUP },
  });
}
