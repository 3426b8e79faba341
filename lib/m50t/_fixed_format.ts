/**
 * Fixed-decimal number formatting for the synthetic files: integer arithmetic on the rounded value, so the
 * text is byte-identical on every platform and cheaper than `toFixed` on millions of curve samples.
 */

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const ZEROS = ["", "0", "00", "000", "0000", "00000", "000000", "0000000", "00000000", "000000000"];

/** `v` with exactly `decimals` (0–9) digits after the point; NaN → "" (an empty CSV cell = missing). */
export function fixed(v: number, decimals: number): string {
  if (Number.isNaN(v)) return "";
  const p = POW10[decimals];
  const n = Math.round(Math.abs(v) * p);
  if (n === 0) return decimals === 0 ? "0" : `0.${ZEROS[decimals]}`;
  const whole = Math.floor(n / p);
  const sign = v < 0 ? "-" : "";
  if (decimals === 0) return `${sign}${whole}`;
  const frac = String(n - whole * p);
  return `${sign}${whole}.${ZEROS[decimals - frac.length]}${frac}`;
}

/** A date as dd/mm/yyyy (the study's spelling), from days since 1970-01-01 (UTC). */
export function ddmmyyyy(epochDays: number): string {
  const d = new Date(epochDays * 86_400_000);
  const dd = String(d.getUTCDate()).padStart(2, "0");
  const mm = String(d.getUTCMonth() + 1).padStart(2, "0");
  return `${dd}/${mm}/${d.getUTCFullYear()}`;
}

/**
 * Builds CSV text as bytes: numbers are written digit by digit into one growing buffer, which is an order
 * of magnitude faster than concatenating millions of small strings for the curve files.
 */
export class FixedByteWriter {
  #buf: Uint8Array;
  #at = 0;

  constructor(initialBytes = 1 << 16) {
    this.#buf = new Uint8Array(initialBytes);
  }

  #ensure(extra: number): void {
    if (this.#at + extra <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + extra));
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
  }

  /** Appends ASCII text. */
  text(s: string): void {
    this.#ensure(s.length);
    for (let i = 0; i < s.length; i++) this.#buf[this.#at++] = s.charCodeAt(i);
  }

  /** Appends one byte (a separator such as ',' or '\n'). */
  byte(code: number): void {
    this.#ensure(1);
    this.#buf[this.#at++] = code;
  }

  /** Appends `v` with exactly `decimals` digits, the same text as `fixed(v, decimals)`. */
  num(v: number, decimals: number): void {
    const p = POW10[decimals];
    const n = Math.round(Math.abs(v) * p);
    const whole = Math.floor(n / p);
    if (Number.isNaN(v) || whole >= 2 ** 31) return this.text(fixed(v, decimals));
    this.#ensure(decimals + 13);
    const buf = this.#buf;
    if (v < 0 && n !== 0) buf[this.#at++] = 45; // '-'
    this.#digits(whole | 0);
    if (decimals === 0) return;
    buf[this.#at++] = 46; // '.'
    let frac = (n - whole * p) | 0;
    for (let i = this.#at + decimals - 1; i >= this.#at; i--) {
      buf[i] = 48 + (frac % 10);
      frac = (frac / 10) | 0;
    }
    this.#at += decimals;
  }

  #digits(k: number): void {
    const buf = this.#buf;
    let len = 1;
    for (let t = k; t >= 10; t = (t / 10) | 0) len++;
    for (let i = this.#at + len - 1; i >= this.#at; i--) {
      buf[i] = 48 + (k % 10);
      k = (k / 10) | 0;
    }
    this.#at += len;
  }

  /** The bytes written so far (a view; valid until the next append). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#at);
  }
}
