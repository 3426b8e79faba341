/**
 * Names MLflow accepts for metric, param and tag keys, and for artifact paths. Keys become file paths in
 * a file store, so MLflow requires them to match `^[/\w.\- :]*$` and to equal their own `normpath`.
 * BatteryML keeps to the strictest rule any release applies (ASCII word characters, no colon, which
 * older releases and Windows reject) so one key is valid for every store and server.
 */
import { MlflowRequestError } from "./_errors.ts";

/** Longest key MLflow accepts. */
export const MAX_KEY_LENGTH = 250;
/** Param value limit of older releases (recent ones allow 6000): kept for compatibility. */
export const MAX_PARAM_VALUE_LENGTH = 500;
/** Tag value limit of older releases (recent ones allow 8000). */
export const MAX_TAG_VALUE_LENGTH = 5000;

/** Characters allowed in a key by the strictest rule. */
const KEY_PATTERN = /^[/\w.\- ]*$/;
/** Characters outside the strictest rule. */
const DISALLOWED_CHARS = /[^/\w.\- ]/g;

/** Why `key` is not a valid MLflow key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "key is empty";
  if (key.length > MAX_KEY_LENGTH) {
    return `key is ${key.length} characters, at most ${MAX_KEY_LENGTH} allowed`;
  }
  if (!KEY_PATTERN.test(key)) {
    return "key may contain only letters, digits, underscores, '-', '.', ' ' and '/'";
  }
  const normal = normalisePosix(key);
  if (normal !== key || normal.startsWith("/") || normal.startsWith("..")) {
    return "key must be a normalised relative path (no '//', '.', '..', leading '/')";
  }
  return undefined;
}

/** Throws MLflow's `INVALID_PARAMETER_VALUE` when `key` is not a valid key. */
export function validateKey(key: string, what = "key"): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new MlflowRequestError(0, "INVALID_PARAMETER_VALUE", `${what} ${JSON.stringify(key)}: ${problem}`);
  }
}

/** Maps any string to a valid key: disallowed characters → '_', path normalised, length capped. */
export function sanitizeKey(key: string): string {
  const replaced = key.replace(DISALLOWED_CHARS, "_");
  const segments = replaced.split("/").filter((s) => s !== "" && s !== "." && s !== "..");
  const joined = segments.join("/").slice(0, MAX_KEY_LENGTH).replace(/\/+$/, "");
  return joined === "" ? "_" : joined;
}

/** Cuts `value` to `limit` characters, marking the cut; `truncated` says whether it happened. */
export function truncateValue(value: string, limit: number): { value: string; truncated: boolean } {
  if (value.length <= limit) return { value, truncated: false };
  return { value: value.slice(0, limit - 3) + "...", truncated: true };
}

/** Normalises an artifact path to a relative POSIX path inside the run's artifact folder; throws if it escapes. */
export function safeArtifactPath(path: string): string {
  const normal = normalisePosix(path.replaceAll("\\", "/"));
  if (normal === "" || normal === "." || normal.startsWith("/") || normal.split("/").includes("..")) {
    throw new MlflowRequestError(
      0,
      "INVALID_PARAMETER_VALUE",
      `artifact path ${JSON.stringify(path)} leaves the artifact folder`,
    );
  }
  return normal;
}

/** `posixpath.normpath` for the cases keys can hit: collapses '//', drops '.', resolves 'a/..'. */
export function normalisePosix(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && out.length > 0 && out.at(-1) !== "..") out.pop();
    else if (segment !== ".." || !absolute) out.push(segment);
  }
  const joined = out.join("/");
  return absolute ? "/" + joined : joined || ".";
}
