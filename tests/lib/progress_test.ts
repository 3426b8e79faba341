/**
 * lib/progress.ts against hand-computed values: rate and ETA from an injected clock, the line layout,
 * throttling to ≤ 10 redraws a second, the final line, and that nothing is drawn off a terminal, when quiet
 * or in CI.
 */
import assert from "node:assert/strict";
import {
  drawingProgress,
  finalLine,
  formatAmount,
  formatDuration,
  formatRate,
  progressFigures,
  progressLine,
  silentProgress,
  terminalProgress,
  withProgressLineCleared,
} from "../../lib/progress.ts";

Deno.test("rate and ETA: 25 of 100 done after 5 s → 5/s, 15 s left", () => {
  assert.deepEqual(progressFigures(25, 100, 5), { fraction: 0.25, rate: 5, etaS: 15 });
});

Deno.test("a resumed task counts only this session's units in the rate", () => {
  // 40 done before; 60 after 4 s → 20 in 4 s = 5/s; 40 left → 8 s.
  assert.deepEqual(progressFigures(60, 100, 4, 40), { fraction: 0.6, rate: 5, etaS: 8 });
});

Deno.test("no total: a rate but no fraction or ETA; no time or no progress yet: no rate", () => {
  assert.deepEqual(progressFigures(30, undefined, 3), { fraction: undefined, rate: 10, etaS: undefined });
  assert.deepEqual(progressFigures(0, 100, 2), { fraction: 0, rate: undefined, etaS: undefined });
  assert.deepEqual(progressFigures(5, 100, 0), { fraction: 0.05, rate: undefined, etaS: undefined });
  // More than the total (a late count) is 100 %, zero seconds left.
  assert.deepEqual(progressFigures(120, 100, 12), { fraction: 1, rate: 10, etaS: 0 });
});

Deno.test("durations, amounts and rates are formatted for people", () => {
  assert.equal(formatDuration(15), "15s");
  assert.equal(formatDuration(0.4), "0s");
  assert.equal(formatDuration(59.6), "1m00s");
  assert.equal(formatDuration(65), "1m05s");
  assert.equal(formatDuration(3725), "1h02m");
  assert.equal(formatAmount(12_345_678, "bytes"), "12.3 MB");
  assert.equal(formatAmount(7, "cells"), "7");
  assert.equal(formatRate(4_200_000, "bytes"), "4.20 MB/s");
  assert.equal(formatRate(5, "cells"), "5.00 cells/s");
  assert.equal(formatRate(0.4, "batches"), "0.400 batches/s");
  assert.equal(formatRate(3849.6, "rounds"), "3850 rounds/s");
});

Deno.test("the line: bar, percentage, counts, rate, ETA and status", () => {
  const line = progressLine({ label: "ICA", done: 25, total: 100, unit: "cells", elapsedS: 5, status: "x" });
  assert.equal(line, "ICA [#####...............]  25% 25/100 cells · 5.00 cells/s · ETA 15s · x");
  // At the start there is neither a rate nor an ETA.
  assert.equal(
    progressLine({ label: "ICA", done: 0, total: 8, unit: "cells", elapsedS: 0 }),
    "ICA [....................]   0% 0/8 cells",
  );
  // A download of unknown size: bytes received and the rate only.
  assert.equal(
    progressLine({ label: "download a.zip", done: 12_600_000, unit: "bytes", elapsedS: 3 }),
    "download a.zip 12.6 MB · 4.20 MB/s",
  );
  // A known size: 3 MB of 10 MB after 2 s, 1 MB of it resumed → 1 MB/s, 7 s left.
  assert.equal(
    progressLine({
      label: "download a.zip",
      done: 3_000_000,
      total: 10_000_000,
      unit: "bytes",
      elapsedS: 2,
      initial: 1_000_000,
    }),
    "download a.zip [######..............]  30% 3.0 MB/10.0 MB · 1.00 MB/s · ETA 7s",
  );
});

Deno.test("the final line: counts, elapsed time and the mean rate", () => {
  assert.equal(
    finalLine({ label: "ICA", done: 100, total: 100, unit: "cells", elapsedS: 20 }),
    "ICA [####################] 100% 100/100 cells in 20s (5.00 cells/s)",
  );
  assert.equal(
    finalLine({ label: "mlp", done: 40, total: 100, unit: "batches", elapsedS: 8, status: "stopped early" }),
    "mlp [########............]  40% 40/100 batches in 8s (5.00 batches/s) · stopped early",
  );
});

/** A drawing sink on a fake clock, collecting what it writes with the time of each write. */
function fakeTerminal(columns?: number) {
  let now = 0;
  const writes: { at: number; text: string }[] = [];
  const sink = drawingProgress({
    write: (text) => void writes.push({ at: now, text }),
    now: () => now,
    columns: columns === undefined ? undefined : () => columns,
  });
  return { sink, writes, setTime: (ms: number) => void (now = ms) };
}

Deno.test("a drawn task redraws in place and ends with its final line", () => {
  const t = fakeTerminal();
  const task = t.sink.start("ICA", 100, { unit: "cells" });
  t.setTime(5000);
  task.update(25);
  t.setTime(20_000);
  task.update(100);
  task.finish("400 curves");
  assert.deepEqual(t.writes.map((w) => w.text), [
    "\rICA [....................]   0% 0/100 cells\x1b[K",
    "\rICA [#####...............]  25% 25/100 cells · 5.00 cells/s · ETA 15s\x1b[K",
    "\rICA [####################] 100% 100/100 cells · 5.00 cells/s · ETA 0s\x1b[K",
    "\rICA [####################] 100% 100/100 cells in 20s (5.00 cells/s) · 400 curves\x1b[K\n",
  ]);
  // Finished: later calls draw nothing.
  task.update(100);
  task.finish();
  assert.equal(t.writes.length, 4);
});

Deno.test("redraws are throttled to one per 100 ms (≤ 10 a second); the final line always comes", () => {
  const t = fakeTerminal();
  const task = t.sink.start("training", 1000, { unit: "batches" });
  for (let ms = 1; ms <= 1000; ms++) {
    t.setTime(ms);
    task.update(ms);
  }
  task.finish();
  // Drawn at 0 (start), 100, 200, …, 1000 ms, then the final line.
  assert.deepEqual(t.writes.map((w) => w.at), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1000]);
  assert.ok(t.writes.at(-1)!.text.endsWith("\n"));
});

Deno.test("lines are cut to the terminal width minus one, so they never wrap", () => {
  const t = fakeTerminal(30);
  t.sink.start("ICA", 100, { unit: "cells" }).finish();
  assert.equal(t.writes[0].text, `\r${"ICA [....................]   0% 0/100 cells".slice(0, 29)}\x1b[K`);
  // A width the terminal cannot tell (0) cuts nothing.
  const u = fakeTerminal(0);
  u.sink.start("ICA", 100, { unit: "cells" }).finish();
  assert.equal(u.writes[0].text, "\rICA [....................]   0% 0/100 cells\x1b[K");
});

Deno.test("the terminal sink draws only on a terminal, when not quiet and not in CI", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(terminalProgress({ isTerminal: false, env: env({}) }), silentProgress);
  assert.equal(terminalProgress({ isTerminal: true, quiet: true, env: env({}) }), silentProgress);
  assert.equal(terminalProgress({ isTerminal: true, env: env({ CI: "true" }) }), silentProgress);
  assert.equal(terminalProgress({ isTerminal: true, env: env({ TERM: "dumb" }) }), silentProgress);
  assert.notEqual(terminalProgress({ isTerminal: true, env: env({ CI: "false" }) }), silentProgress);
  assert.notEqual(terminalProgress({ isTerminal: true, env: env({ TERM: "xterm" }) }), silentProgress);
});

Deno.test("a log line printed while a bar is drawn clears the bar first and redraws it after", () => {
  const t = fakeTerminal();
  const task = t.sink.start("ICA", 4, { unit: "cells" });
  t.setTime(1000);
  task.update(1);
  t.setTime(1010); // within the throttle interval: the redraw after the log line still comes
  withProgressLineCleared(() => t.writes.push({ at: 1010, text: "warning: left out\n" }));
  task.finish();
  // After the task ended there is no open line: a log line is printed as it is.
  withProgressLineCleared(() => t.writes.push({ at: 1010, text: "info\n" }));
  const bar1 = "\rICA [#####...............]  25% 1/4 cells · 1.00 cells/s · ETA 3s\x1b[K";
  assert.deepEqual(t.writes.map((w) => w.text), [
    "\rICA [....................]   0% 0/4 cells\x1b[K",
    bar1,
    "\r\x1b[K",
    "warning: left out\n",
    "\rICA [#####...............]  25% 1/4 cells · 0.990 cells/s · ETA 3s\x1b[K",
    "\rICA [#####...............]  25% 1/4 cells in 1s (0.990 cells/s)\x1b[K\n",
    "info\n",
  ]);
});
