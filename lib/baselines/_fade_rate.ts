/**
 * The fade-rate baseline's increment: how much the training cells' target changed between the forecast
 * origin and a later time, at the same stage of their own test (same time since their first RPT), averaged
 * per chamber temperature and interpolated linearly in 1/T between the temperatures that bracket the test
 * cell's. Degradation rates follow exp(−Ea/RT), so 1/T is the axis on which 25 °C sits between 10 and
 * 40 °C; outside the trained range the nearest temperature's increment is held, never extrapolated (three
 * temperatures say too little about the curvature to extend a rate beyond them).
 */
import { type Trajectory, valueAt } from "./_trajectory.ts";

/** 0 °C in kelvin. */
const ZERO_C_K = 273.15;

/** Mean increment y(tTo) − y(tFrom) of the training trajectories per chamber temperature, sorted by 1/T. */
function incrementsByTemperature(
  train: readonly Trajectory[],
  tFrom: number,
  tTo: number,
): { invT: number; delta: number }[] {
  const groups = new Map<number, number[]>();
  for (const tr of train) {
    if (tr.t.length === 0) continue;
    const d = valueAt(tr, tTo) - valueAt(tr, tFrom);
    groups.set(tr.chamberC, [...(groups.get(tr.chamberC) ?? []), d]);
  }
  return [...groups.entries()]
    .map(([c, ds]) => ({ invT: 1 / (c + ZERO_C_K), delta: ds.reduce((a, b) => a + b, 0) / ds.length }))
    .sort((a, b) => a.invT - b.invT);
}

/**
 * The training cells' change of the target from `tFrom` to `tTo`, at chamber temperature `chamberC`
 * (interpolated in 1/T); NaN when no training trajectory has a measurement.
 */
export function fadeIncrement(
  train: readonly Trajectory[],
  chamberC: number,
  tFrom: number,
  tTo: number,
): number {
  const g = incrementsByTemperature(train, tFrom, tTo);
  if (g.length === 0) return NaN;
  const x = 1 / (chamberC + ZERO_C_K);
  if (x <= g[0].invT) return g[0].delta;
  if (x >= g[g.length - 1].invT) return g[g.length - 1].delta;
  const j = g.findIndex((p) => p.invT >= x);
  const lo = g[j - 1], hi = g[j];
  return lo.delta + (hi.delta - lo.delta) * (x - lo.invT) / (hi.invT - lo.invT);
}
