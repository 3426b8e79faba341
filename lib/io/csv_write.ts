/** Writing CSV that pandas, polars and R read back unchanged (RFC 4180 quoting). */

/** A field: numbers as JavaScript prints them (shortest round-trip), NaN as empty, text quoted when needed. */
export function csvField(value: string | number): string {
  if (typeof value === "number") return Number.isNaN(value) ? "" : String(value);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line (without its newline). */
export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(",");
}
