/**
 * Runs one of our bench scripts in a fresh Deno process, as each peer runs in its own Python process.
 * Timed inside the bench's own process, W2 and W3 ran 1.6–1.7× slower after W1 had grown that process's
 * heap to ~1 GB (garbage collection over a large heap; docs/results.md §5): a fresh process per workload
 * measures the code, not the bench's history. Same flags as `deno task bench` (single-threaded V8).
 */
import { fileURLToPath } from "node:url";

/** Runs `script` (a module URL) with `args`; returns the JSON of its last stdout line. */
export async function runInOwnProcess<T>(script: string, args: string[], label: string): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--v8-flags=--single-threaded",
      "--allow-read",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      fileURLToPath(script),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const last = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success || !last.startsWith("{")) {
    // The child's uncaught error line (Deno prints "error: Uncaught …"), else the end of its stderr.
    const reason = stderr.split("\n").find((l) => l.startsWith("error:"));
    throw new Error(`${label} failed (exit ${out.code}): ${reason ?? stderr.slice(-600)}`);
  }
  // The child's progress lines ("[gbdt ours] run 0: …") pass through.
  for (const line of stderr.split("\n")) if (line.startsWith("[")) console.error(line);
  return JSON.parse(last) as T;
}
