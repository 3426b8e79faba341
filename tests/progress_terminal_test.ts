// The terminal escape ESC[K (erase to the end of the line) is what a redrawn line is recognised by.
// deno-lint-ignore-file no-control-regex
/**
 * Progress bars as a user sees them: `deno task batteryml run` with ICA features in a pseudo-terminal
 * (util-linux `script`) draws a bar with percentage, rate and ETA on stderr and ends it with a final line;
 * the same command with its output piped, or with `--quiet`, draws none. CI is removed from the
 * environment so that only the terminal test decides.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { ROOT, scratchDir, taskArgs } from "./fixtures/task_cli.ts";

const ICA_RUN = "run data=synthetic_curves pipeline=ica_peaks model=lgbm experiment.name=progress_check";

/** The environment without CI (a CI job turns bars off on its own) and with a plain terminal type. */
function plainEnv(): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), TERM: "xterm" };
  delete env.CI;
  return env;
}

/** `deno task -q batteryml <args>` with stdin, stdout and stderr on a pseudo-terminal; all output, merged. */
async function inTerminal(args: string): Promise<{ code: number; text: string }> {
  const out = await new Deno.Command("script", {
    args: ["-qec", `${Deno.execPath()} task -q batteryml ${args}`, "/dev/null"],
    cwd: ROOT,
    env: plainEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

/** The same command under the task's flags with stdout and stderr piped. */
async function piped(args: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await taskArgs(), ...args.split(" ")],
    cwd: ROOT,
    env: plainEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("ICA extraction in a terminal draws a bar with % and ETA; piped or --quiet it draws none", async () => {
  const out = await scratchDir("progress");
  try {
    const tty = await inTerminal(`${ICA_RUN} output.dir=${out.rel}`);
    assert.equal(tty.code, 0, tty.text);
    // Redrawn in place: carriage return, the bar, erase to the end of the line.
    assert.match(
      tty.text,
      /\rica_peaks: ICA features \[[#.]{20}\] +\d+% \d+\/\d+ cells · [\d.]+ cells\/s · ETA \d+s\x1b\[K/,
      tty.text,
    );
    // Every extraction ends with a final line on its own: 100 %, the time taken and the mean rate.
    assert.match(
      tty.text,
      /\rica_peaks: ICA features \[#{20}\] 100% (\d+)\/\1 cells in \d+s \([\d.]+ cells\/s\) · \d+ curves\x1b\[K\r?\n/,
    );
    assert.match(tty.text, /\rlgbm \S+\/inner soh \[[#.]{20}\] +\d+% \d+\/\d+ rounds/);
    assert.match(tty.text, /RMSE/, "the run finished and printed its results");

    const pipe = await piped(`${ICA_RUN} output.dir=${out.rel}`);
    assert.equal(pipe.code, 0, pipe.stderr);
    assert.match(pipe.stdout, /RMSE/);
    assert.doesNotMatch(pipe.stderr, /ICA features|rounds|\r|\x1b\[K/, pipe.stderr);

    const quiet = await inTerminal(`${ICA_RUN} output.dir=${out.rel} --quiet`);
    assert.equal(quiet.code, 0, quiet.text);
    assert.match(quiet.text, /RMSE/);
    assert.doesNotMatch(quiet.text, /ICA features|rounds|\x1b\[K/, quiet.text);
  } finally {
    await out.dispose();
  }
});

Deno.test("nothing under lib/ or plugins/ writes to the terminal: progress goes through a sink", async () => {
  // The trainer used to draw its own bar on stderr (lib/nn/progress.ts); only lib/progress.ts may draw.
  for (const dir of ["lib", "plugins"]) {
    for await (const file of walk(resolve(ROOT, dir))) {
      if (!file.endsWith(".ts") || file === resolve(ROOT, "lib/progress.ts")) continue;
      const text = await Deno.readTextFile(file);
      assert.doesNotMatch(text, /Deno\.stderr|console\.error/, `${file} writes to the terminal itself`);
    }
  }
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}
