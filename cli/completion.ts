/**
 * `batteryml completion bash|zsh|fish`: prints a completion script for `batteryml …` and for
 * `deno task batteryml …`. The script carries a static word list (commands, flags, config groups, built-in
 * plugin names, option keys and their enum values) computed now; config file names are read from
 * `configs/<group>/` (or `--config-dir`) when TAB is pressed. No Deno process runs while completing.
 */
import { buildCommand, buildRouteMap } from "@stricli/core";
import denoJson from "../deno.json" with { type: "json" };
import { bashEngine, shellWord } from "./completion_bash.ts";
import { buildCompletionSpec, type RoutingTarget } from "./completion_spec.ts";
import { commonFlags, type Ctx } from "./common.ts";
import { denoFlags } from "../mod.ts";

/** The shells a script can be printed for. */
export type Shell = "bash" | "zsh" | "fish";

/** The completion script of `shell` for the command tree under `root`. */
export async function completionScript(shell: Shell, root: RoutingTarget): Promise<string> {
  const engine = bashEngine(await buildCompletionSpec(root, Object.keys(denoJson.tasks).sort()));
  if (shell === "bash") return bashScript(engine);
  return shell === "zsh" ? zshScript(engine, Object.keys(denoJson.tasks).sort()) : fishScript(engine);
}

function bashScript(engine: string): string {
  return `# batteryml completion for bash (batteryml and deno task batteryml). Install once:
#   deno task -q batteryml completion bash > ~/.batteryml-completion.bash
#   echo 'source ~/.batteryml-completion.bash' >> ~/.bashrc
# Regenerate after adding plugins; config files under configs/ are read when TAB is pressed.
${engine}
${BASH_WRAPPER}`;
}

// Written with $\{ for bash's ${ (a template literal would interpolate it); restored below.
const BASH_WRAPPER = String.raw`
# The words of the line up to the cursor, split at blanks (not at '=' or ':', as COMP_WORDS is).
_batteryml_line_words() {
  local line
  if [[ -n $\{COMP_LINE-} ]]; then
    line=$\{COMP_LINE:0:COMP_POINT}
    read -ra _bml_words <<<"$line"
    [[ -z $line || $line == *[[:space:]] ]] && _bml_words+=("")
  else
    _bml_words=("$\{COMP_WORDS[@]:0:COMP_CWORD+1}")
  fi
}

# COMPREPLY from _bml_out: readline replaces only the text after the word's last COMP_WORDBREAKS
# character, so that part of the word is cut from each candidate; a "key=" or "section." goes on without
# a space.
_batteryml_reply() {
  local cur=$1 breaks=$\{COMP_WORDBREAKS-$' \t\n"\'@><=;|&(:'} prefix="" i c
  for ((i = $\{#cur} - 1; i >= 0; i--)); do
    if [[ $breaks == *"$\{cur:i:1}"* ]]; then
      prefix=$\{cur:0:i+1}
      break
    fi
  done
  COMPREPLY=()
  for c in $\{_bml_out[@]+"$\{_bml_out[@]}"}; do COMPREPLY+=("$\{c#"$prefix"}"); done
  for c in $\{_bml_out[@]+"$\{_bml_out[@]}"}; do
    if [[ $c == *[=.] ]]; then
      compopt -o nospace 2>/dev/null
      break
    fi
  done
}

# Word lists are split at blanks whatever the user's IFS (locals reach the functions called).
_batteryml_complete() {
  local IFS=$' \t\n'
  local -a _bml_words
  _batteryml_line_words
  _batteryml_candidates "$\{_bml_words[@]:1}"
  _batteryml_reply "$\{_bml_words[$\{#_bml_words[@]} - 1]}"
}

_batteryml_deno_complete() {
  local IFS=$' \t\n'
  local -a _bml_words
  local t
  _batteryml_line_words
  _batteryml_task_start "$\{_bml_words[@]}"
  if [[ $_bml_r == task ]]; then
    _bml_out=()
    for t in $_batteryml_tasks; do [[ $t == "$\{_bml_words[$\{#_bml_words[@]} - 1]}"* ]] && _bml_out+=("$t"); done
  elif [[ -n $_bml_r ]]; then
    _batteryml_candidates "$\{_bml_words[@]:_bml_r}"
  elif [[ -n $_batteryml_prev_deno ]]; then
    "$_batteryml_prev_deno" "$@"
    return
  else
    COMPREPLY=()
    return
  fi
  _batteryml_reply "$\{_bml_words[$\{#_bml_words[@]} - 1]}"
}

# Keep deno's own completion (if one is installed) for everything but "deno task batteryml".
_batteryml_prev_deno=""
if [[ $(complete -p deno 2>/dev/null) =~ -F\ ([^ ]+) && $\{BASH_REMATCH[1]} != _batteryml_deno_complete ]]; then
  _batteryml_prev_deno=$\{BASH_REMATCH[1]}
fi
complete -o default -F _batteryml_complete batteryml
complete -o default -F _batteryml_deno_complete deno
`.replaceAll("$\\{", "${");

/** The engine run by `bash -c`, printing one completion per line (zsh and fish). */
function engineCommand(engine: string): string {
  return `${engine}\n_batteryml_candidates "$@"\nprintf '%s\\n' "\${_bml_out[@]+"\${_bml_out[@]}"}"\n`;
}

function zshScript(engine: string, tasks: string[]): string {
  return `# batteryml completion for zsh (batteryml and deno task batteryml); each TAB runs one short bash process,
# no Deno. Install once:
#   deno task -q batteryml completion zsh > ~/.batteryml-completion.zsh
#   echo 'source ~/.batteryml-completion.zsh' >> ~/.zshrc   (after compinit)
_batteryml_engine=${shellWord(engineCommand(engine))}
_batteryml_tasks=(${tasks.join(" ")})
${ZSH_FUNCTIONS}`;
}

const ZSH_FUNCTIONS = String.raw`
# Completes words[from, CURRENT] as batteryml's arguments.
_batteryml_args() {
  local -a cands spaced nospaced
  local c
  cands=("$\{(@f)$(bash -c "$_batteryml_engine" batteryml "$\{(@)words[$1,CURRENT]}" 2>/dev/null)}")
  for c in $cands; do
    [[ -z $c ]] && continue
    if [[ $c == *[=.] ]]; then nospaced+=("$c"); else spaced+=("$c"); fi
  done
  (( $#nospaced )) && compadd -S '' -Q -- $nospaced
  (( $#spaced )) && compadd -Q -- $spaced
  (( $#nospaced + $#spaced )) || _files
}

_batteryml() { _batteryml_args 2 }

_batteryml_deno() {
  local i=2 task=""
  while (( i < CURRENT )); do
    case $words[i] in
      --cwd|--config|-c) (( i += 2 )); continue ;;
      -*) (( i++ )); continue ;;
    esac
    if [[ -z $task ]]; then
      [[ $words[i] == task ]] || break
      task=1
    elif [[ $words[i] == batteryml ]]; then
      _batteryml_args $(( i + 1 ))
      return
    else
      break
    fi
    (( i++ ))
  done
  if [[ -n $task && $i == $CURRENT ]]; then
    compadd -- $_batteryml_tasks
  elif (( $+functions[_deno] )); then
    _deno "$@"
  else
    _files
  fi
}
compdef _batteryml batteryml
compdef _batteryml_deno deno
`.replaceAll("$\\{", "${");

function fishScript(engine: string): string {
  const fishQuoted = `'${engineCommand(engine).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  return `# batteryml completion for fish (batteryml and deno task batteryml); each TAB runs one short bash
# process, no Deno. Install once:
#   deno task -q batteryml completion fish > ~/.config/fish/conf.d/batteryml.fish
# (conf.d, so that deno task batteryml completes too; this loads fish's deno completion at startup, ~0.1 s.
# For batteryml alone, ~/.config/fish/completions/batteryml.fish loads it only when needed.)
set -g __batteryml_engine ${fishQuoted}
${FISH_FUNCTIONS}`;
}

const FISH_FUNCTIONS = String.raw`
# The index of batteryml's first argument among the tokens, or nothing.
function __batteryml_start
    set -l tokens (commandline -opc)
    if test (basename -- $tokens[1]) = batteryml
        echo 2
        return
    end
    set -l i 2
    set -l task 0
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case --cwd --config -c
                set i (math $i + 2)
                continue
            case '-*'
                set i (math $i + 1)
                continue
        end
        if test $task = 0
            test $tokens[$i] = task; or return 1
            set task 1
        else if test $tokens[$i] = batteryml
            echo (math $i + 1)
            return
        else
            return 1
        end
        set i (math $i + 1)
    end
    return 1
end

function __batteryml_complete
    set -l start (__batteryml_start); or return
    set -l tokens (commandline -opc) (commandline -ct)
    bash -c "$__batteryml_engine" batteryml $tokens[$start..-1] 2>/dev/null
end

complete -c batteryml -f -a '(__batteryml_complete)'
# fish's own deno completion erases every deno rule when it loads: load it now, then add ours.
complete -C 'deno ' >/dev/null 2>&1
complete -c deno -n '__batteryml_start >/dev/null' -f -a '(__batteryml_complete)'
complete -c deno -n '__fish_seen_subcommand_from task; and test (count (commandline -opc)) -eq 2' -f -a batteryml
`.replaceAll("$\\{", "${");

/** The `completion` route map; `root` gives the command tree (the application is built after it). */
export function completionRoutes(root: () => RoutingTarget) {
  const command = (shell: Shell) =>
    buildCommand({
      docs: { brief: `Print a ${shell} completion script for batteryml and deno task batteryml` },
      parameters: { flags: { printPermissions: commonFlags.printPermissions } },
      func: async function (this: Ctx, f: { printPermissions?: boolean }) {
        // It reads the config folder (in the project) when it is printed: the process's own grants.
        if (f.printPermissions) this.process.stdout.write((await denoFlags()).join(" ") + "\n");
        else this.process.stdout.write(await completionScript(shell, root()));
      },
    });
  return buildRouteMap({
    routes: { bash: command("bash"), zsh: command("zsh"), fish: command("fish") },
    docs: { brief: "Shell completion scripts (no Deno process runs on TAB)" },
  });
}
