/** The direction each degradation target moves over an ageing test, for physics-informed losses. */

/** Same values as the core's `TargetDirection` (lib/ may not import core/). */
export type Direction = "non_increasing" | "non_decreasing" | "none";

/** Default directions by target name: capacity and SOH fade, loss of lithium and of active material grow. */
export const DEFAULT_DIRECTIONS: Readonly<Record<string, Direction>> = {
  soh: "non_increasing",
  capacity_c10_Ah: "non_increasing",
  lli: "non_decreasing",
  lam_pe: "non_decreasing",
  lam_ne: "non_decreasing",
};

/** Direction of `target`: the override if given, else the default table, else "none". */
export function directionOf(target: string, overrides: Readonly<Record<string, Direction>> = {}): Direction {
  return overrides[target] ?? DEFAULT_DIRECTIONS[target] ?? "none";
}
