/**
 * Peaks followed by identity across a cell's RPTs. At the first curve each named transition takes the
 * most prominent peak inside its window — the voltages closer to its reference than to any other
 * transition's (the midpoints between neighbouring references), shifted by `offsetV` (the terminal
 * voltage sits an I·R drop below the OCV). At every later curve it takes the peak nearest to where it
 * was last seen, within `maxShiftV`; two transitions never share a peak (the nearer one keeps it). A
 * transition with no peak at a curve is missing there (never borrowed from a neighbour) and is looked for
 * again at the next one from its last position.
 */

/** A transition to follow: its name and reference voltage. */
export interface NamedVoltage {
  name: string;
  voltageV: number;
}

/** What tracking needs of a peak. */
export interface TrackablePeak {
  voltage: number;
  prominence: number;
}

/** Settings of the tracking. */
export interface TrackingOptions {
  /** Largest move of a transition between consecutive curves (V). */
  maxShiftV: number;
  /** Shift of the windows at the first curve (V): measured voltage − reference voltage. */
  offsetV?: number;
}

/** For each curve (in RPT order), the peak of each transition (in `transitions` order) or undefined. */
export function trackTransitions<P extends TrackablePeak>(
  transitions: readonly NamedVoltage[],
  curves: readonly (readonly P[])[],
  o: TrackingOptions,
): (P | undefined)[][] {
  const offset = o.offsetV ?? 0;
  const sorted = transitions.map((t, i) => ({ i, v: t.voltageV + offset })).sort((a, b) => a.v - b.v);
  const windows = new Array<[number, number]>(transitions.length);
  sorted.forEach((t, j) => {
    const lo = j === 0 ? -Infinity : (sorted[j - 1].v + t.v) / 2;
    const hi = j + 1 === sorted.length ? Infinity : (t.v + sorted[j + 1].v) / 2;
    windows[t.i] = [lo, hi];
  });
  const last: (number | undefined)[] = transitions.map(() => undefined);
  return curves.map((peaks) => {
    const claims = transitions.map((_, k) => {
      const candidates = peaks.filter((p) =>
        last[k] === undefined
          ? p.voltage >= windows[k][0] && p.voltage < windows[k][1]
          : Math.abs(p.voltage - last[k]!) <= o.maxShiftV
      );
      if (candidates.length === 0) return undefined;
      return last[k] === undefined
        ? candidates.reduce((a, b) => (b.prominence > a.prominence ? b : a))
        : candidates.reduce((
          a,
          b,
        ) => (Math.abs(b.voltage - last[k]!) < Math.abs(a.voltage - last[k]!) ? b : a));
    });
    // A peak claimed twice stays with the transition nearest to it (by last position, else window centre).
    const anchorOf = (k: number) => last[k] ?? transitions[k].voltageV + offset;
    const out = claims.map((p, k) =>
      p &&
        claims.every((q, j) =>
          j === k || q !== p || Math.abs(p.voltage - anchorOf(k)) <= Math.abs(p.voltage - anchorOf(j))
        )
        ? p
        : undefined
    );
    out.forEach((p, k) => p && (last[k] = p.voltage));
    return out;
  });
}
