/**
 * The LG M50T cell as physics: half-cell open-circuit potentials, the electrode balance, degradation-mode
 * growth and constant-current discharge curves. The M50T synthesiser (lib/m50t) builds its cells from these.
 */
export * from "./degradation.ts";
export * from "./discharge_curve.ts";
export * from "./electrode_balance.ts";
