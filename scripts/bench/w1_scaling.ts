/**
 * ICA scaling series (`W1S`): the W1 pass over 16, 128 and 1,024 curves, ours against the kit's scipy recipe
 * (scripts/bench/peers/ica_scaling_scipy.py imports the kit's `features`), each pass in a fresh process run
 * under GNU time so that its peak RSS is measured; ours and the peer alternate run by run. Reports the
 * log–log slope of the end-to-end time against curves beside the peer's, and peak RSS per size: when the
 * ICA streams, memory does not grow with the number of curves.
 */
import { fileURLToPath } from "node:url";
import { runMeasured } from "./peak_rss.ts";
import { BENCH_DIR, PEER_PYTHON } from "./peers.ts";
import type { BenchRow } from "./report.ts";
import { stats } from "./report.ts";
import { seriesRows } from "./scaling_series.ts";

/** Curves of the series. */
export const ICA_SCALING_CURVES = [16, 128, 1024];

const OURS = fileURLToPath(new URL("./w1_ica_stream.ts", import.meta.url));
const PEER = fileURLToPath(new URL("./peers/ica_scaling_scipy.py", import.meta.url));

/** One size's runs: seconds and peak RSS of each process, ours and the peer's. */
interface SizeRuns {
  ours: number[];
  oursRss: number[];
  oursLive: number[];
  oursArea: number;
  peer: number[];
  peerRss: number[];
  peerArea?: number;
}

/** Runs the series `runs` times per size, ours then the peer for each run. */
export async function benchIcaScaling(opts: { runs: number; peers: boolean }): Promise<BenchRow[]> {
  const sizes: SizeRuns[] = [];
  for (const count of ICA_SCALING_CURVES) {
    const s: SizeRuns = { ours: [], oursRss: [], oursLive: [], oursArea: NaN, peer: [], peerRss: [] };
    for (let r = 0; r < opts.runs; r++) {
      const ours = await runMeasured(Deno.execPath(), [
        "run",
        "--v8-flags=--single-threaded",
        "--allow-read",
        "--allow-env",
        OURS,
        "--count",
        String(count),
      ]);
      s.ours.push(Number(ours.json.seconds));
      s.oursRss.push(ours.peakRssBytes);
      s.oursLive.push(Number(ours.json.peak_live_curves));
      s.oursArea = Number(ours.json.mean_total_area_ah);
      let line = `[ica scaling] ${count} curves, run ${r}: ours ${s.ours[r].toFixed(3)} s, ${
        mb(ours.peakRssBytes)
      } MiB`;
      if (opts.peers) {
        const peer = await runMeasured(PEER_PYTHON, [PEER, "--kit", BENCH_DIR, "--count", String(count)]);
        s.peer.push(Number(peer.json.seconds));
        s.peerRss.push(peer.peakRssBytes);
        s.peerArea = Number(peer.json.mean_total_area_ah);
        line += `; scipy ${s.peer[r].toFixed(3)} s, ${mb(peer.peakRssBytes)} MiB`;
      }
      console.error(line);
    }
    sizes.push(s);
  }
  return icaScalingRows(sizes, opts.peers);
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20 * 10) / 10;
}

/** Rows `W1_ica_scaling / end_to_end_<curves>` with slopes, flags and peak RSS (MiB, median of the runs). */
function icaScalingRows(sizes: SizeRuns[], peers: boolean): BenchRow[] {
  const rows = seriesRows({
    sizes: ICA_SCALING_CURVES,
    ours: sizes.map((s) => s.ours),
    peer: peers ? sizes.map((s) => s.peer) : undefined,
  }, {
    workload: "W1_ica_scaling",
    variantPrefix: "end_to_end",
    peerName: "scipy",
    sizeKey: "curves",
    extra: { warmup_curves: 16 },
  });
  return rows.map((row, i) => {
    const s = sizes[i];
    const memory: Record<string, number> = {
      peak_rss_mib: mb(stats(s.oursRss).median),
      peak_live_curves: Math.max(...s.oursLive),
      mean_total_area_ah: s.oursArea,
    };
    if (peers) {
      memory.peer_peak_rss_mib = mb(stats(s.peerRss).median);
      memory.peer_mean_total_area_ah = s.peerArea!;
    }
    return { ...row, quality: { ...row.quality, ...memory } };
  });
}

/** Peak RSS growth from the smallest to the largest size, for the printed summary. */
export function rssSummary(rows: readonly BenchRow[]): string {
  if (rows.length < 2) return "";
  const first = rows[0].quality!, last = rows.at(-1)!.quality!;
  const ours =
    `ICA peak RSS ${first.peak_rss_mib} → ${last.peak_rss_mib} MiB (${first.curves} → ${last.curves} curves)`;
  return first.peer_peak_rss_mib === undefined
    ? ours
    : `${ours}; scipy ${first.peer_peak_rss_mib} → ${last.peer_peak_rss_mib} MiB`;
}
