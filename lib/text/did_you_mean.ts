/**
 * "Did you mean …?" for mistyped names (config keys, group names, plugin options), as git and deno do
 * for commands: the closest candidates by edit distance, when they are close enough to be a typo.
 */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of two
 * adjacent characters each cost 1 (so `modle` → `model` is 1, as a typist would count it).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1;
  const d: number[][] = Array.from(
    { length: rows },
    (_, i) => Array.from({ length: cols }, (_, j) => i || j),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidates nearest to `word` (all those at the smallest distance, sorted), or none when even the
 * nearest is more than a third of the word's length away (at least 1): then it is not a typo.
 */
export function closestNames(word: string, candidates: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best = Infinity, names: string[] = [];
  for (const c of new Set(candidates)) {
    const dist = editDistance(word, c);
    if (dist > limit || dist > best || c === word) continue;
    if (dist < best) [best, names] = [dist, []];
    names.push(c);
  }
  return names.sort();
}

/** ` did you mean 'a'?` (or `'a' or 'b'`) for the names nearest to `word`, else "". */
export function didYouMean(word: string, candidates: Iterable<string>, prefix = ""): string {
  const names = closestNames(word, candidates);
  return names.length ? `did you mean ${names.map((n) => `'${prefix}${n}'`).join(" or ")}?` : "";
}
