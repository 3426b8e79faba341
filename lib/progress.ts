/**
 * Progress of long work (training, ICA extraction, downloads, boosting): percentage, rate and ETA on one
 * line of stderr, redrawn in place. Work reports to a `ProgressSink` it is handed and never writes to the
 * terminal itself; the CLI and the scripts decide whether a sink draws (`terminalProgress`: stderr is a
 * terminal, not `--quiet`/`--json`, not CI) or stays silent (`silentProgress`). Time comes from an
 * injected clock, so the rate and ETA are exact in tests.
 */

/** One piece of long work being reported. */
export interface ProgressTask {
  /** `done` units of the total so far (an absolute count, not an increment), with an optional status. */
  update(done: number, status?: string): void;
  /** Ends the task with its final line; later calls are ignored. */
  finish(status?: string): void;
}

/** Options of `ProgressSink.start`. */
export interface ProgressStartOptions {
  /** What is counted, plural ("cells", "batches"); `bytes` prints sizes in MB. Default "items". */
  unit?: string;
  /** Units already done before this session (a resumed download or training): not counted in the rate. */
  initial?: number;
}

/** Where long work reports its progress. */
export interface ProgressSink {
  /** Starts a task of `total` units (undefined: unknown, then no percentage or ETA). */
  start(label: string, total: number | undefined, options?: ProgressStartOptions): ProgressTask;
}

const IGNORED: ProgressTask = { update() {}, finish() {} };

/** A sink that draws nothing (piped output, `--quiet`, `--json`, CI, library use). */
export const silentProgress: ProgressSink = { start: () => IGNORED };

/** Rate and ETA of a task from its counts and elapsed time. */
export interface ProgressFigures {
  /** done / total in [0, 1]; undefined when the total is unknown. */
  fraction?: number;
  /** Units per second over this session; undefined before any time or progress has passed. */
  rate?: number;
  /** Seconds left at the current rate; undefined without a total or a rate. */
  etaS?: number;
}

/** Fraction, rate (units/s counted from `initial`) and ETA after `elapsedS` seconds. */
export function progressFigures(
  done: number,
  total: number | undefined,
  elapsedS: number,
  initial = 0,
): ProgressFigures {
  const known = total !== undefined && total > 0;
  const fraction = known ? Math.min(1, Math.max(0, done / total)) : undefined;
  const rate = elapsedS > 0 && done > initial ? (done - initial) / elapsedS : undefined;
  const etaS = known && rate !== undefined ? Math.max(0, total - done) / rate : undefined;
  return { fraction, rate, etaS };
}

/** A duration as `15s`, `1m05s` or `2h03m` (rounded to the second). */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A count in its unit: bytes as MB with one decimal, anything else as an integer. */
export function formatAmount(n: number, unit: string): string {
  return unit === "bytes" ? `${(n / 1e6).toFixed(1)} MB` : String(Math.round(n));
}

/** A rate in units per second: three significant digits, whole numbers from 1000 (`5.00 cells/s`, `4.20 MB/s`). */
export function formatRate(rate: number, unit: string): string {
  return unit === "bytes" ? `${digits3(rate / 1e6)} MB/s` : `${digits3(rate)} ${unit}/s`;
}

function digits3(v: number): string {
  return v >= 1000 ? String(Math.round(v)) : v.toPrecision(3);
}

/** What one line of a task shows. */
export interface ProgressLineInput {
  label: string;
  done: number;
  total?: number;
  unit: string;
  elapsedS: number;
  initial?: number;
  status?: string;
}

const BAR_WIDTH = 20;
/** Below this width a terminal size is taken as unknown rather than cut to. */
const MIN_COLUMNS = 20;

/** `label [#####...]  25% 25/100 cells · 5.00 cells/s · ETA 15s · status` (parts without data left out). */
export function progressLine(p: ProgressLineInput): string {
  const f = progressFigures(p.done, p.total, p.elapsedS, p.initial);
  const parts = [p.label];
  if (f.fraction !== undefined) parts.push(`${bar(f.fraction)} ${percent(f.fraction)}`);
  parts.push(counts(p));
  const tail = [
    f.rate !== undefined ? formatRate(f.rate, p.unit) : undefined,
    f.etaS !== undefined ? `ETA ${formatDuration(f.etaS)}` : undefined,
    p.status || undefined,
  ].filter((s): s is string => s !== undefined);
  return [parts.join(" "), ...tail].join(" · ");
}

/** The last line: `label [####...] 100% 100/100 cells in 20s (5.00 cells/s) · status`. */
export function finalLine(p: ProgressLineInput): string {
  const f = progressFigures(p.done, p.total, p.elapsedS, p.initial);
  const parts = [p.label];
  if (f.fraction !== undefined) parts.push(`${bar(f.fraction)} ${percent(f.fraction)}`);
  parts.push(counts(p), `in ${formatDuration(p.elapsedS)}`);
  if (f.rate !== undefined) parts.push(`(${formatRate(f.rate, p.unit)})`);
  return [parts.join(" "), ...(p.status ? [p.status] : [])].join(" · ");
}

function bar(fraction: number): string {
  const filled = Math.floor(BAR_WIDTH * fraction);
  return `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}]`;
}

/** Whole percent, rounded down so that 100 % means done. */
function percent(fraction: number): string {
  return `${String(Math.floor(100 * fraction)).padStart(3)}%`;
}

function counts(p: ProgressLineInput): string {
  const done = formatAmount(p.done, p.unit);
  if (p.total === undefined) return p.unit === "bytes" ? done : `${done} ${p.unit}`;
  const total = formatAmount(p.total, p.unit);
  return p.unit === "bytes" ? `${done}/${total}` : `${done}/${total} ${p.unit}`;
}

/** What a drawing sink needs from its surroundings (all injectable for tests). */
export interface DrawingOptions {
  /** Writes raw text to the terminal. */
  write: (text: string) => void;
  /** Milliseconds on a monotonic clock. */
  now: () => number;
  /** Least time between two redraws of a task (default 100 ms: at most 10 redraws a second). */
  minIntervalMs?: number;
  /** Terminal width; lines are cut to one less so that they never wrap (unknown or tiny: not cut). */
  columns?: () => number;
}

/** A sink that draws every task on one line, throttled, ending with a final line. */
export function drawingProgress(o: DrawingOptions): ProgressSink {
  return { start: (label, total, options = {}) => new DrawnTask(o, label, total, options) };
}

/** The task whose line is on the terminal now (one at a time: tasks run one after another). */
let openLine: DrawnTask | undefined;

/**
 * Runs `print` (a log line on the same terminal) with the open progress line cleared first and redrawn
 * after, so a warning never lands in the middle of a bar.
 */
export function withProgressLineCleared(print: () => void): void {
  const task = openLine;
  task?.clear();
  try {
    print();
  } finally {
    task?.redraw();
  }
}

/** One task's line, redrawn in place with `\r` and erase-to-end-of-line. */
class DrawnTask implements ProgressTask {
  readonly #startedAt: number;
  #lastDraw = -Infinity;
  #done: number;
  #status = "";
  #finished = false;

  constructor(
    readonly o: DrawingOptions,
    readonly label: string,
    readonly total: number | undefined,
    readonly options: ProgressStartOptions,
  ) {
    this.#startedAt = o.now();
    this.#done = options.initial ?? 0;
    this.#draw(this.#startedAt);
  }

  update(done: number, status?: string): void {
    if (this.#finished) return;
    this.#done = done;
    if (status !== undefined) this.#status = status;
    const now = this.o.now();
    if (now - this.#lastDraw >= (this.o.minIntervalMs ?? 100)) this.#draw(now);
  }

  finish(status?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    if (openLine === this) openLine = undefined;
    if (status !== undefined) this.#status = status;
    this.o.write(`\r${this.#fit(finalLine(this.#input(this.o.now())))}\x1b[K\n`);
  }

  /** Erases the line (a log line is about to be printed). */
  clear(): void {
    this.o.write("\r\x1b[K");
  }

  /** Draws the line again now, whatever the throttle says (after a log line). */
  redraw(): void {
    if (!this.#finished) this.#draw(this.o.now());
  }

  #draw(now: number): void {
    this.#lastDraw = now;
    openLine = this;
    this.o.write(`\r${this.#fit(progressLine(this.#input(now)))}\x1b[K`);
  }

  #input(now: number): ProgressLineInput {
    return {
      label: this.label,
      done: this.#done,
      total: this.total,
      unit: this.options.unit ?? "items",
      elapsedS: (now - this.#startedAt) / 1000,
      initial: this.options.initial,
      status: this.#status,
    };
  }

  #fit(line: string): string {
    const columns = this.o.columns?.() ?? 0;
    // A terminal reporting no usable width (0 under some pseudo-terminals) gets the whole line.
    if (!(columns >= MIN_COLUMNS) || line.length < columns) return line;
    return line.slice(0, columns - 1);
  }
}

/** When the terminal sink draws. */
export interface TerminalProgressOptions {
  /** `--quiet` or `--json`: draw nothing. */
  quiet?: boolean;
  /** Whether stderr is a terminal (default: asks Deno). */
  isTerminal?: boolean;
  /** Environment lookup (default: Deno.env); `CI` set or `TERM=dumb` turns drawing off. */
  env?: (name: string) => string | undefined;
}

/**
 * The sink the CLI and scripts hand to long work: draws on stderr when it is a terminal, output is not
 * quiet and this is not a CI job (a CI log is no terminal to redraw in); otherwise `silentProgress`.
 */
export function terminalProgress(o: TerminalProgressOptions = {}): ProgressSink {
  const env = o.env ?? readEnv;
  const ci = env("CI");
  const inCi = ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
  const draws = !o.quiet && (o.isTerminal ?? stderrIsTerminal()) && !inCi && env("TERM") !== "dumb";
  if (!draws) return silentProgress;
  const encoder = new TextEncoder();
  return drawingProgress({
    write: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    now: () => performance.now(),
    columns: terminalColumns,
  });
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** An environment variable, or undefined where reading it is not permitted. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}
