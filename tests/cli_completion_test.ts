/**
 * Shell completion as a user gets it: the script printed by `deno task batteryml completion bash` is
 * sourced into a real bash, which is handed the line as readline would (COMP_LINE, COMP_POINT, COMP_WORDS
 * split at COMP_WORDBREAKS, COMP_CWORD) before the completion function runs; COMPREPLY is read back.
 * Expected words come from the sources of truth (plugin map, config folders, zod shapes), not from the
 * script.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, ROOT } from "./robustness/_runs.ts";
import { IN_CI } from "./fixtures/env.ts";
import { BUILTIN_PLUGINS } from "../plugins/index.ts";
import { trainingSettingsShape } from "../lib/training_settings.ts";
import { lgbmOptions } from "../plugins/models/lgbm.ts";

const SCRIPTS = new Map<string, string>();

/** The script of `shell`, generated once per test file through the task, as a user runs it. */
async function script(shell: "bash" | "zsh" | "fish"): Promise<string> {
  if (!SCRIPTS.has(shell)) {
    const r = await batteryml(["completion", shell]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const file = await Deno.makeTempFile({ suffix: `.${shell}` });
    await Deno.writeTextFile(file, r.stdout);
    SCRIPTS.set(shell, file);
  }
  return SCRIPTS.get(shell)!;
}

/**
 * Completes `line` (cursor at its end) in bash: COMP_WORDS as bash splits them (blanks separate words,
 * each run of COMP_WORDBREAKS characters such as '=' is a word of its own).
 */
async function complete(line: string): Promise<{ reply: string[]; stderr: string }> {
  const program = `
source <(cat "$1")
COMP_LINE=$2
COMP_POINT=\${#COMP_LINE}
COMP_WORDS=()
rest=$COMP_LINE
while [[ -n $rest ]]; do
  rest=\${rest#"\${rest%%[![:space:]]*}"}
  [[ -z $rest ]] && break
  if [[ $rest == [=:]* ]]; then word=\${rest%%[!=:]*}; else word=\${rest%%[[:space:]=:]*}; fi
  COMP_WORDS+=("$word")
  rest=\${rest#"$word"}
done
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
[[ $COMP_LINE == *[[:space:]=:] ]] && { COMP_WORDS+=(""); COMP_CWORD=$(( COMP_CWORD + 1 )); }
if [[ \${COMP_WORDS[0]} == deno ]]; then _batteryml_deno_complete deno "\${COMP_WORDS[COMP_CWORD]}"; else
  _batteryml_complete batteryml "\${COMP_WORDS[COMP_CWORD]}"; fi
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const out = await new Deno.Command("bash", {
    args: ["-c", program, "bash", await script("bash"), line],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(out.code, 0, text(out.stderr));
  return { reply: text(out.stdout).split("\n").filter((w) => w !== ""), stderr: text(out.stderr) };
}

async function assertCompletes(line: string, expected: string[]): Promise<void> {
  const { reply, stderr } = await complete(line);
  assert.equal(stderr, "", `completing '${line}' printed to stderr`);
  assert.deepEqual([...reply].sort(), [...expected].sort(), `completing '${line}'`);
}

/** Config file names of a group in the project's configs/ folder. */
async function configNames(group: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(join(ROOT, "configs", group))) {
    if (e.name.endsWith(".yaml")) names.push(e.name.slice(0, -5));
  }
  return names;
}

Deno.test("bash: `run mo` completes to model= and model.; the same after `deno task batteryml`", async () => {
  await assertCompletes("batteryml run mo", ["model=", "model."]);
  await assertCompletes("deno task batteryml run mo", ["model=", "model."]);
  await assertCompletes("deno task -q batteryml run mo", ["model=", "model."]);
});

Deno.test("bash: `model=` lists built-in models and configs/model/*.yaml; the reply replaces only the text after '='", async () => {
  const expected = [...new Set([...Object.keys(BUILTIN_PLUGINS.model), ...await configNames("model")])];
  assert.ok(expected.includes("lgbm") && expected.includes("mlp"));
  await assertCompletes("batteryml run model=", expected);
  await assertCompletes("batteryml run model=l", expected.filter((n) => n.startsWith("l")));
  await assertCompletes(
    "batteryml run tracking=",
    [...new Set([...Object.keys(BUILTIN_PLUGINS.tracker), ...await configNames("tracking"), "null"])],
  );
});

Deno.test("bash: `model.num_` completes the model plugins' option keys; `model=mlp model.` only the MLP's", async () => {
  const numKeys = Object.keys(lgbmOptions.shape).filter((k) => k.startsWith("num_"));
  assert.deepEqual(numKeys.sort(), ["num_iterations", "num_leaves", "num_threads"]);
  await assertCompletes("batteryml run model.num_", numKeys.map((k) => `model.${k}=`));
  const mlp = (await BUILTIN_PLUGINS.model.mlp() as { default: { options: { shape: object } } }).default;
  await assertCompletes(
    "batteryml run model=mlp model.",
    Object.keys(mlp.options.shape).map((k) => `model.${k}=`),
  );
  await assertCompletes("batteryml run ~model.num_l", ["~model.num_leaves"]);
});

Deno.test("bash: `training.` completes every training key; an enum key completes its values", async () => {
  await assertCompletes(
    "batteryml run training.",
    Object.keys(trainingSettingsShape).map((k) => `training.${k}=`),
  );
  await assertCompletes("batteryml run training.optimizer=", [
    ...trainingSettingsShape.optimizer.unwrap().options,
  ]);
  await assertCompletes("batteryml run training.mixed_precision=", ["true", "false"]);
});

Deno.test("bash: commands, subcommands, flags and enum flag values; deno task names", async () => {
  await assertCompletes("batteryml da", ["data"]);
  await assertCompletes("batteryml data ", ["synth", "check", "fetch"]);
  await assertCompletes("batteryml runs list --o", ["--output-dir"]);
  await assertCompletes("batteryml run --backend ", ["auto", "wasm", "cpu", "webgpu"]);
  await assertCompletes("batteryml predict d", ["data=", "data."]);
  await assertCompletes("deno task batteryml", ["batteryml"]);
  // Not `deno task batteryml`: left to deno's own completion (none installed here).
  await assertCompletes("deno run x", []);
});

Deno.test("bash: config files are read when TAB is pressed, from --config-dir, and a config's `use` picks the plugin keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "model"));
    await Deno.writeTextFile(join(dir, "model", "fast_trees.yaml"), "use: lgbm\nnum_leaves: 7\n");
    const builtins = Object.keys(BUILTIN_PLUGINS.model);
    await assertCompletes(`batteryml run --config-dir ${dir} model=`, [...builtins, "fast_trees"]);
    await assertCompletes(
      `batteryml run --config-dir ${dir} model=fast_trees model.num_`,
      ["model.num_iterations=", "model.num_leaves=", "model.num_threads="],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "bash, interactively: TAB in a real readline (pseudo-terminal) completes the typed line",
  ignore: !installed("script"),
  async fn() {
    const file = await script("bash");
    // Stand-ins print the arguments the completed line calls them with; typed-ahead input is read in order.
    const echoArgs = `{ printf 'ARGS:%s|' "$@"; echo; }`;
    const typed = [
      "batteryml run model.num_l\t",
      "deno task batteryml run training.optimizer=sg\t",
      "batteryml run model=lg\t",
      "batteryml run --back\twe\t",
    ];
    const input = `source ${file}; batteryml() ${echoArgs}; deno() ${echoArgs}\n${typed.join("\n")}\nexit\n`;
    const child = new Deno.Command("script", {
      args: ["-qec", "bash --norc --noprofile -i", "/dev/null"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
    const out = new TextDecoder().decode((await child.output()).stdout);
    // Readline's bracketed-paste switches surround each prompt; they are not part of the output.
    const plain = out.replaceAll("\x1b[?2004h", "").replaceAll("\x1b[?2004l", "");
    const calls = [...plain.matchAll(/^\r?(ARGS:.*)\|\r?$/gm)].map((m) => m[1]);
    assert.deepEqual(calls, [
      "ARGS:run|ARGS:model.num_leaves=", // a key= goes on without a space
      "ARGS:task|ARGS:batteryml|ARGS:run|ARGS:training.optimizer=sgd",
      "ARGS:run|ARGS:model=lgbm",
      "ARGS:run|ARGS:--backend|ARGS:webgpu",
    ]);
  },
});

/**
 * Whether a shell is installed. On a developer's machine its tests are skipped where it is not; under CI
 * (`.ci/run` installs zsh and fish) a missing shell is a failure, never a skip.
 */
function installed(shell: string): boolean {
  if (IN_CI) return true;
  return new Deno.Command("sh", { args: ["-c", `command -v ${shell}`], stdout: "null" }).outputSync().success;
}

async function shellOutput(shell: string, args: string[]): Promise<string[]> {
  const out = await new Deno.Command(shell, { args, cwd: ROOT, stdout: "piped", stderr: "piped" }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(out.code, 0, text(out.stderr));
  assert.equal(text(out.stderr), "");
  return text(out.stdout).split("\n").filter((l) => l !== "");
}

Deno.test({
  name:
    "fish: `complete -C` completes `batteryml run mo`, `deno task batteryml run model.num_` and the task name",
  ignore: !installed("fish"),
  async fn() {
    const file = await script("fish");
    const completions = (line: string) =>
      shellOutput("fish", ["-c", `source $argv[1]; complete -C ${JSON.stringify(line)}`, file]);
    assert.deepEqual((await completions("batteryml run mo")).sort(), ["model.", "model="]);
    assert.deepEqual((await completions("deno task batteryml run model.num_")).sort(), [
      "model.num_iterations=",
      "model.num_leaves=",
      "model.num_threads=",
    ]);
    assert.deepEqual(await completions("deno task batt"), ["batteryml"]);
  },
});

Deno.test({
  name: "zsh: the completion functions offer `run mo` and `deno task batteryml run model.num_` to compadd",
  ignore: !installed("zsh"),
  async fn() {
    const file = await script("zsh");
    // compadd only works inside a completion widget: a stand-in prints what it is given.
    const program = `autoload -U compinit; compinit -u; source "$1"
compadd() { local -a a; a=("$@"); print -rl -- "\${(@)a[\${a[(i)--]}+1,-1]}"; }
words=(batteryml run mo); CURRENT=3; _batteryml; print -r -- ---
words=(deno task batteryml run model.num_); CURRENT=5; _batteryml_deno`;
    const lines = await shellOutput("zsh", ["-c", program, "zsh", file]);
    const split = lines.indexOf("---");
    assert.deepEqual(lines.slice(0, split).sort(), ["model.", "model="]);
    assert.deepEqual(lines.slice(split + 1).sort(), [
      "model.num_iterations=",
      "model.num_leaves=",
      "model.num_threads=",
    ]);
  },
});

globalThis.addEventListener("unload", () => {
  for (const file of SCRIPTS.values()) Deno.removeSync(file);
});
