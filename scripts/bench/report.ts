/** The benchmark report: rows of `artifacts/bench/report.json` and the printed table (DESIGN.md). */

/** One measured row; `ratio` = ours / peer, compared like with like (same workload and variant). */
export interface BenchRow {
  workload: string;
  variant: string;
  impl: string;
  seconds_median: number;
  seconds_min: number;
  seconds_max: number;
  runs: number;
  peer?: string;
  peer_seconds_median?: number;
  ratio?: number;
  quality?: Record<string, number | string>;
}

/** Median, min and max of a list of seconds. */
export function stats(seconds: readonly number[]): { median: number; min: number; max: number } {
  const s = [...seconds].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** A row from our timings, with the peer's median when one was measured in the same run. */
export function benchRow(
  workload: string,
  variant: string,
  seconds: readonly number[],
  peer?: { name: string; median: number },
  quality?: BenchRow["quality"],
): BenchRow {
  const s = stats(seconds);
  const row: BenchRow = {
    workload,
    variant,
    impl: "batteryml-deno",
    seconds_median: s.median,
    seconds_min: s.min,
    seconds_max: s.max,
    runs: seconds.length,
  };
  if (peer) {
    row.peer = peer.name;
    row.peer_seconds_median = peer.median;
    row.ratio = s.median / peer.median;
  }
  if (quality) row.quality = quality;
  return row;
}

/** The table printed at the end of a bench run. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ["workload", "variant", "ours median [min–max] s", "peer", "peer median s", "ratio"];
  const body = rows.map((r) => [
    r.workload,
    r.variant,
    `${r.seconds_median.toFixed(4)} [${r.seconds_min.toFixed(4)}–${r.seconds_max.toFixed(4)}]`,
    r.peer ?? "–",
    r.peer_seconds_median?.toFixed(4) ?? "–",
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : "–",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
