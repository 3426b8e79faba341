/**
 * Hydra-multirun syntax on the command line: `model.learning_rate=0.05,0.1` is one sweep axis with two
 * values. Only commas outside brackets, braces and quotes separate values, so a flow list
 * (`tracking=[local,tensorboard]`) or a quoted string stays one value; `+a=…` and `~a` are never axes.
 */

/** An axis: an override key and the value texts it takes, as the user typed them. */
export interface SweepAxis {
  key: string;
  values: string[];
}

/** The axis an override names, or null when it is a plain override (one value, `+a=…`, `~a`). */
export function multirunAxis(text: string): SweepAxis | null {
  if (text.startsWith("+") || text.startsWith("~")) return null;
  const eq = text.indexOf("=");
  if (eq <= 0) return null;
  const values = splitTopLevel(text.slice(eq + 1));
  return values.length > 1 ? { key: text.slice(0, eq), values } : null;
}

/** Splits at commas outside `[]`, `{}` and quotes; an empty piece is kept (it is an empty value). */
export function splitTopLevel(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    else if (ch === "," && depth === 0) {
      out.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  out.push(raw.slice(start));
  return out;
}
