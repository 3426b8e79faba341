/** A one-line progress bar on stderr, drawn only when stderr is a terminal and not quiet. */

/** Redraws `label [####....] i/n extra` in place; `done()` ends the line. */
export class ProgressBar {
  readonly enabled: boolean;
  #encoder = new TextEncoder();

  constructor(readonly label: string, readonly total: number, quiet = false) {
    this.enabled = !quiet && isStderrTerminal();
  }

  /** Shows `current` of `total` with a short status text. */
  update(current: number, status = ""): void {
    if (!this.enabled) return;
    const width = 24;
    const filled = Math.round(width * Math.min(1, current / Math.max(1, this.total)));
    const bar = "#".repeat(filled) + ".".repeat(width - filled);
    this.#write(`\r${this.label} [${bar}] ${current}/${this.total} ${status}\x1b[K`);
  }

  /** Finishes the line. */
  done(): void {
    if (this.enabled) this.#write("\n");
  }

  #write(text: string): void {
    Deno.stderr.writeSync(this.#encoder.encode(text));
  }
}

function isStderrTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}
