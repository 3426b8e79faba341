/** The sweep's typed error. */
import { BatteryMLError } from "../errors.ts";

/** A sweep file, sweep folder or executor problem: says which file, key, point or job, expected vs found. */
export class SweepError extends BatteryMLError {
  constructor(message: string, options?: ErrorOptions) {
    super("SWEEP", message, options);
  }
}
