/** The comparison as an aligned text table and as CSV (one row per configuration, best first). */
import type { ConfigComparison } from "./compare.ts";

/** What the table is about. */
export interface CompareHeader {
  sweepId: string;
  target: string;
  metric: string;
}

/** An aligned text table with a verdict column. */
export function compareText(h: CompareHeader, rows: readonly ConfigComparison[]): string {
  const head = ["rank", "config", `${h.metric} mean`, "std", "95 % CI", "n", "missing", "vs best"];
  const body = rows.map((r) => [
    String(r.rank),
    `${r.config} ${r.label}`,
    fmt(r.summary.mean),
    fmt(r.summary.std),
    r.summary.folds >= 2 ? `${fmt(r.summary.ci95[0])} – ${fmt(r.summary.ci95[1])}` : "-",
    String(r.summary.folds),
    String(r.missing),
    verdict(r, r === rows[0]),
  ]);
  const widths = head.map((t, i) => Math.max(t.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [
    `sweep ${h.sweepId}: ${h.target} ${h.metric.toUpperCase()} over seeds × folds (95 % t-intervals)`,
    line(head),
    ...body.map(line),
  ].join("\n") + "\n";
}

/** The ranking's words: best, within noise of the best, or worse by Δ with its interval. */
export function verdict(r: ConfigComparison, isBest: boolean): string {
  if (r.summary.folds === 0) return "no finished point";
  if (isBest) return "best";
  const v = r.versusBest;
  if (!v || v.withinNoise === null) return `cannot tell (${v?.pairs ?? 0} paired repeats)`;
  const diff = `Δ ${signed(v.meanDiff)} [${signed(v.ci95[0])}, ${signed(v.ci95[1])}]`;
  return v.withinNoise ? `within noise of best (${diff})` : `differs from best (${diff})`;
}

/** CSV with a header row. */
export function compareCsv(rows: readonly ConfigComparison[]): string {
  const head = [
    "rank",
    "config",
    "label",
    "n",
    "mean",
    "std",
    "ci95_low",
    "ci95_high",
    "missing",
    "pairs_vs_best",
    "diff_vs_best",
    "diff_ci95_low",
    "diff_ci95_high",
    "within_noise_of_best",
  ];
  const lines = rows.map((r) =>
    [
      r.rank,
      r.config,
      r.label,
      r.summary.folds,
      r.summary.mean,
      r.summary.std,
      r.summary.ci95[0],
      r.summary.ci95[1],
      r.missing,
      r.versusBest?.pairs ?? "",
      r.versusBest?.meanDiff ?? "",
      r.versusBest?.ci95[0] ?? "",
      r.versusBest?.ci95[1] ?? "",
      r.versusBest?.withinNoise ?? "",
    ].map(csvCell).join(",")
  );
  return [head.join(","), ...lines].join("\n") + "\n";
}

function csvCell(v: unknown): string {
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : "n/a";
}

function signed(v: number): string {
  return Number.isFinite(v) ? (v >= 0 ? "+" : "") + v.toPrecision(3) : "n/a";
}
