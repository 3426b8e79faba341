/** Runs a peer script of the kit (`BATTERYML_BENCH_DIR`, default ../shared/bench) and parses its JSON line. */
import { resolve } from "node:path";

/** The peer kit folder. */
export const BENCH_DIR: string = resolve(Deno.env.get("BATTERYML_BENCH_DIR") ?? "../shared/bench");
/** The peer interpreter. */
export const PEER_PYTHON: string = Deno.env.get("PEER_PYTHON") ?? "/usr/bin/python3";

/**
 * Runs `script args…` with the peer Python (in the kit's folder) and returns its one JSON line as an object;
 * `script` is a kit script's name or an absolute path (our own peer scripts under scripts/bench/peers/).
 */
export async function runPeer(script: string, args: string[] = []): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(PEER_PYTHON, {
    args: [resolve(BENCH_DIR, script), ...args],
    cwd: BENCH_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || text === "") {
    throw new Error(
      `peer ${script} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).slice(-600)}`,
    );
  }
  return JSON.parse(text.split("\n").at(-1)!);
}
