/**
 * `W4_node_adjoint`: the W4 latent-ODE epoch with adjoint gradients (lib/ode/adjoint.ts) against our own
 * backprop-through-the-solver variant — the peer kit has no adjoint peer. Every measurement is a fresh
 * process (scripts/bench/w4_node.ts) under GNU time, so each carries its peak RSS; adjoint and backprop
 * alternate run by run. Two parts:
 * - time per epoch and peak RSS for rk4 (4 steps per interval) and dopri5, as W4;
 * - memory against the number of solver steps: rk4 at 4, 16 and 64 steps per output interval (60 → 960
 *   steps per solve). Backprop keeps every stage's activations (memory ∝ steps); the adjoint keeps the
 *   outputs only, so its peak RSS must stay flat.
 */
import { fileURLToPath } from "node:url";
import { runMeasured } from "./peak_rss.ts";
import { type BenchRow, benchRow, stats } from "./report.ts";

/** rk4 steps per output interval of the memory series (15 intervals: 60, 240, 960 steps per solve). */
export const ADJOINT_MEMORY_STEPS = [4, 16, 64];
const W4_SCRIPT = fileURLToPath(new URL("./w4_node.ts", import.meta.url));

type Gradient = "backprop" | "adjoint";

/** One process: seconds per epoch of each repeat, the first forward's NFE, final loss, peak RSS. */
interface Measured {
  seconds: number[];
  nfe: number;
  finalLoss: number;
  peakRssBytes: number;
}

async function measure(
  solver: "rk4" | "dopri5",
  gradient: Gradient,
  opts: { runs: number; epochs: number; warmup: number; stepsPerInterval: number },
): Promise<Measured> {
  const run = await runMeasured(Deno.execPath(), [
    "run",
    "--v8-flags=--single-threaded",
    "--allow-read",
    "--allow-env",
    W4_SCRIPT,
    ...["--solver", solver, "--gradient", gradient, "--runs", String(opts.runs)],
    ...["--epochs", String(opts.epochs), "--warmup", String(opts.warmup)],
    ...["--steps-per-interval", String(opts.stepsPerInterval)],
  ]);
  const seconds = (run.json.secondsPerEpoch as number[]).map(Number);
  const finalLoss = Number(run.json.finalLoss);
  if (!Number.isFinite(finalLoss)) throw new Error(`W4 ${solver} ${gradient}: final loss ${finalLoss}`);
  return { seconds, nfe: Number(run.json.nfeFirstForward), finalLoss, peakRssBytes: run.peakRssBytes };
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;

/** Adjoint against backprop per solver (time, peak RSS), then the memory-vs-steps series. */
export async function benchW4Adjoint(opts: { runs: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const solver of ["rk4", "dopri5"] as const) {
    const settings = { runs: opts.runs, epochs: 20, warmup: 3, stepsPerInterval: 4 };
    const backprop = await measure(solver, "backprop", settings);
    const adjoint = await measure(solver, "adjoint", settings);
    console.error(
      `[node adjoint] ${solver}: adjoint ${(stats(adjoint.seconds).median * 1000).toFixed(1)} ms, ` +
        `${mib(adjoint.peakRssBytes)} MiB; backprop ${
          (stats(backprop.seconds).median * 1000).toFixed(1)
        } ms, ` +
        `${mib(backprop.peakRssBytes)} MiB`,
    );
    rows.push(adjointRow("W4_node_adjoint", `train_loop_${solver}`, adjoint, backprop, {}));
  }
  for (const stepsPerInterval of ADJOINT_MEMORY_STEPS) {
    const settings = { runs: 1, epochs: 2, warmup: 1, stepsPerInterval };
    const backprop = await measure("rk4", "backprop", settings);
    const adjoint = await measure("rk4", "adjoint", settings);
    console.error(
      `[node adjoint] rk4, ${stepsPerInterval} steps per interval (nfe ${adjoint.nfe}): adjoint ` +
        `${mib(adjoint.peakRssBytes)} MiB, backprop ${mib(backprop.peakRssBytes)} MiB`,
    );
    rows.push(
      adjointRow("W4_node_adjoint_memory", `rk4_steps_${stepsPerInterval}`, adjoint, backprop, {
        steps_per_interval: stepsPerInterval,
        solver_steps: 15 * stepsPerInterval,
      }),
    );
  }
  return rows;
}

function adjointRow(
  workload: string,
  variant: string,
  adjoint: Measured,
  backprop: Measured,
  extra: Record<string, number>,
): BenchRow {
  return benchRow(workload, variant, adjoint.seconds, {
    name: "batteryml-deno backprop",
    median: stats(backprop.seconds).median,
  }, {
    ...extra,
    nfe_first_forward: adjoint.nfe,
    peak_rss_mib: mib(adjoint.peakRssBytes),
    backprop_peak_rss_mib: mib(backprop.peakRssBytes),
    final_loss: adjoint.finalLoss,
    backprop_final_loss: backprop.finalLoss,
  });
}

/** Peak RSS growth over the memory series, adjoint and backprop, for the printed summary. */
export function adjointMemorySummary(rows: readonly BenchRow[]): string {
  const series = rows.filter((r) => r.workload === "W4_node_adjoint_memory");
  if (series.length < 2) return "";
  const first = series[0].quality!, last = series.at(-1)!.quality!;
  return `W4 peak RSS, ${first.solver_steps} → ${last.solver_steps} rk4 steps per solve: adjoint ` +
    `${first.peak_rss_mib} → ${last.peak_rss_mib} MiB, backprop ${first.backprop_peak_rss_mib} → ` +
    `${last.backprop_peak_rss_mib} MiB`;
}
