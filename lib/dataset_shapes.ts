/**
 * Shapes a dataset serves (column tables, voltage curves) and the logger it is given: in lib/ so dataset
 * toolkits (lib/m50t) produce them without importing the core; core/plugin.ts re-exports them.
 */

/** A log sink handed to plugins; info lines are dropped when quiet. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Columnar table: numeric columns are Float64Array (NaN = missing), text columns string arrays. */
export interface ColumnTable {
  length: number;
  columns: Record<string, Float64Array | (string | null)[]>;
}

/** One voltage curve of one RPT, in canonical units. */
export interface Curve {
  cellKey: string;
  rpt: number;
  /** Source file the curve came from (for error messages and cache keys). */
  source: string;
  time_s: Float64Array;
  voltage_V: Float64Array;
  current_A: Float64Array;
  charge_Ah: Float64Array;
  temperature_K?: Float64Array;
}
