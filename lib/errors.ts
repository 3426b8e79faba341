/**
 * The base error and the data error, in lib/ so toolkits (lib/m50t) raise the same typed errors as the core
 * without importing it; core/errors.ts re-exports them beside the core's own errors.
 */

/** Fields that locate a problem in a file. */
export interface DataLocation {
  file?: string;
  row?: number;
  column?: string;
  expected?: string;
  found?: string;
}

/** Base class: `code` lets callers and the CLI distinguish kinds without `instanceof` across copies. */
export class BatteryMLError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad or missing input data: names file, row, column, expected and found. */
export class DataError extends BatteryMLError {
  readonly location: DataLocation;
  constructor(message: string, location: DataLocation = {}, options?: ErrorOptions) {
    super("DATA", formatLocated(message, location), options);
    this.location = location;
  }
}

function formatLocated(message: string, loc: DataLocation): string {
  const where = [
    loc.file !== undefined ? `file '${loc.file}'` : "",
    loc.row !== undefined ? `row ${loc.row}` : "",
    loc.column !== undefined ? `column '${loc.column}'` : "",
  ].filter((s) => s !== "").join(", ");
  const what = [
    loc.expected !== undefined ? `expected ${loc.expected}` : "",
    loc.found !== undefined ? `found ${loc.found}` : "",
  ].filter((s) => s !== "").join(", ");
  return [where, message, what].filter((s) => s !== "").join(": ");
}
