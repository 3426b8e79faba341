/**
 * Peak resident memory of a bench subprocess, measured the same way for ours and the peer's: the command runs
 * under GNU time (`/usr/bin/time -f …%M`), which reports the child's maximum RSS from the kernel (wait4's
 * ru_maxrss). Peak RSS is a process's high-water mark, so a series that compares memory across sizes runs
 * every size in a process of its own. (Deno itself may not read /proc/self without --allow-all.)
 */

/** GNU time, which the bench needs for memory figures. */
export const GNU_TIME = "/usr/bin/time";
const MARK = "batteryml-peak-rss-kb";

/** The peak RSS in bytes from the stderr of a command run under {@link GNU_TIME} with our format. */
export function parsePeakRss(stderr: string): number {
  const match = new RegExp(`^${MARK} (\\d+)$`, "m").exec(stderr);
  if (!match) throw new Error(`no '${MARK} <n>' line from ${GNU_TIME} in the command's stderr`);
  return Number(match[1]) * 1024;
}

/** One measured subprocess: its last stdout line parsed as JSON and its peak RSS in bytes. */
export interface MeasuredRun {
  json: Record<string, unknown>;
  peakRssBytes: number;
}

/** Runs `command args…` under GNU time; an error naming the command when it fails or prints no JSON. */
export async function runMeasured(
  command: string,
  args: readonly string[],
  opts: { cwd?: string } = {},
): Promise<MeasuredRun> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(GNU_TIME, {
      args: ["-f", `${MARK} %M`, command, ...args],
      cwd: opts.cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(`cannot run ${GNU_TIME} (GNU time, Debian package 'time'): ${(err as Error).message}`);
  }
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success || stdout === "") {
    throw new Error(`${command} ${args.join(" ")} failed (exit ${out.code}): ${stderr.slice(-600)}`);
  }
  return { json: JSON.parse(stdout.split("\n").at(-1)!), peakRssBytes: parsePeakRss(stderr) };
}
