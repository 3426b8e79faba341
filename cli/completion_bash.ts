/**
 * The completion engine, written in bash (3.2-compatible: no associative arrays) so that pressing TAB runs
 * no Deno process: the spec is rendered as `case` tables, and `_batteryml_candidates WORD… CUR` leaves the
 * completions of CUR in the array `_bml_out`. The bash script calls it in-process; the zsh and fish scripts
 * run it in one short `bash` process per TAB.
 */
import type { CompletionSpec, FlagSpec, KeySpec } from "./completion_spec.ts";

/** The engine: data tables rendered from `spec`, then the fixed functions that read them. */
export function bashEngine(spec: CompletionSpec): string {
  return [dataTables(spec), ENGINE].join("\n");
}

function dataTables(spec: CompletionSpec): string {
  const node = spec.commands.map((c) =>
    `    ${shellWord(c.path)}) _bml_children=${shellWord(c.children.join(" "))}; _bml_flags=${
      shellWord(c.flags.map(flagWord).join(" "))
    }; _bml_over=${c.overrides} ;;`
  );
  const plugins = Object.entries(spec.groups).map(([g, names]) =>
    `    ${g}) _bml_r=${shellWord(names.join(" "))} ;;`
  );
  const keys = [...Object.entries(spec.sections), ...Object.entries(spec.pluginKeys)].map(([scope, ks]) =>
    `    ${shellWord(scope)}) _bml_r=${shellWord(ks.map(keyWord).join(" "))} ;;`
  );
  return [
    `_batteryml_sections=${shellWord(Object.keys(spec.sections).join(" "))}`,
    `_batteryml_groups=${shellWord(Object.keys(spec.groups).join(" "))}`,
    `_batteryml_tasks=${shellWord(spec.tasks.join(" "))}`,
    "# Sets _bml_children, _bml_flags (--f boolean, --f= value, --f=a,b enum) and _bml_over of a command path.",
    "_batteryml_node() {",
    '  case "$1" in',
    ...node,
    "    *) return 1 ;;",
    "  esac",
    "}",
    "# Built-in plugin names of a config group.",
    "_batteryml_plugins() {",
    '  case "$1" in',
    ...plugins,
    '    *) _bml_r="" ;;',
    "  esac",
    "}",
    "# Keys of a section or of group:plugin (key, or key=v1,v2 when the values are few).",
    "_batteryml_keys() {",
    '  case "$1" in',
    ...keys,
    '    *) _bml_r="" ;;',
    "  esac",
    "}",
  ].join("\n");
}

function flagWord(f: FlagSpec): string {
  return f.takesValue ? `${f.name}=${f.values.join(",")}` : f.name;
}

function keyWord(k: KeySpec): string {
  return k.values.length ? `${k.key}=${k.values.join(",")}` : k.key;
}

/** A single-quoted shell word. */
export function shellWord(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// Written with $\{ for bash's ${ (a template literal would interpolate it); restored below.
const ENGINE = String.raw`
# _batteryml_flag FLAG: _bml_r = bool | value (unknown flags count as bool), _bml_values = its enum values.
_batteryml_flag() {
  local f
  _bml_r=bool _bml_values=""
  for f in $_bml_flags; do
    case $f in
      "$1") return 0 ;;
      "$1="*) _bml_r=value _bml_values=$\{f#*=}; _bml_values=$\{_bml_values//,/ }; return 0 ;;
    esac
  done
  return 1
}

# _batteryml_scope_keys HEAD CONFIGDIR PICK…: _bml_r = the keys under HEAD (a section, or a group: the
# plugin chosen on the line with HEAD=NAME, else every built-in plugin of the group).
_batteryml_scope_keys() {
  local head=$1 dir=$2 sel="" use="" line p all="" extra=""
  shift 2
  if [[ " $_batteryml_sections " == *" $head "* ]]; then _batteryml_keys "$head"; return; fi
  for p in "$@"; do [[ $p == "$head="* ]] && sel=$\{p#*=}; done
  if [[ -z $sel ]]; then
    _batteryml_plugins "$head"
    for p in $_bml_r; do _batteryml_keys "$head:$p"; all="$all $_bml_r"; done
    _bml_r=$all
    return
  fi
  if [[ -f $dir/$head/$sel.yaml ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
      case $line in
        use:*) use=$\{line#use:}; use=$\{use//[[:space:]\"\']/} ;;
        [A-Za-z_]*:*) [[ $\{line%%:*} =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && extra="$extra $\{line%%:*}" ;;
      esac
    done <"$dir/$head/$sel.yaml"
    [[ -n $use ]] && sel=$use
  fi
  _batteryml_keys "$head:$sel"
  # A plugin we know nothing about (a path, a URL): the keys its config file sets.
  [[ -z $_bml_r ]] && _bml_r=$extra
}

# _batteryml_overrides MODE CONFIGDIR CUR PICK…: overrides (group=name, a.b=value, +a.b=value, ~a.b).
_batteryml_overrides() {
  local mode=$1 dir=$2 cur=$3 pre="" groups=$_batteryml_groups sections=$_batteryml_sections
  local key head k v f
  shift 3
  [[ $mode == data ]] && groups=data sections=""
  case $cur in [+~]*) pre=$\{cur:0:1} cur=$\{cur:1} ;; esac
  if [[ $cur == *=* ]]; then
    key=$\{cur%%=*}
    if [[ " $groups " == *" $key "* ]]; then
      _batteryml_plugins "$key"
      for v in $_bml_r; do _bml_out+=("$pre$key=$v"); done
      for f in "$dir/$key"/*.yaml; do
        [[ -e $f ]] || continue
        f=$\{f##*/}
        _bml_out+=("$pre$key=$\{f%.yaml}")
      done
      return
    fi
    head=$\{key%%.*}
    _batteryml_scope_keys "$head" "$dir" "$@"
    for k in $_bml_r; do
      [[ $k == "$\{key#*.}="* ]] || continue
      v=$\{k#*=}
      for v in $\{v//,/ }; do _bml_out+=("$pre$key=$v"); done
    done
  elif [[ $cur == *.* ]]; then
    head=$\{cur%%.*}
    [[ " $groups $sections " == *" $head "* ]] || return 0
    _batteryml_scope_keys "$head" "$dir" "$@"
    # ~a.b removes a key: no value follows it.
    for k in $_bml_r; do
      if [[ $pre == "~" ]]; then _bml_out+=("$pre$head.$\{k%%=*}"); else _bml_out+=("$pre$head.$\{k%%=*}="); fi
    done
  else
    for k in $groups; do
      [[ -z $pre ]] && _bml_out+=("$k=")
      [[ $k != tracking ]] && _bml_out+=("$pre$k.")
    done
    for k in $sections; do _bml_out+=("$pre$k."); done
  fi
}

# _batteryml_candidates WORD… CUR: _bml_out = the completions of CUR after the words before it.
_batteryml_candidates() {
  local n=$# cur node="" dir=configs expect="" w i seen=" "
  local -a args picks result
  args=("$@") picks=() result=()
  cur=$\{args[n-1]}
  _bml_out=()
  for ((i = 0; i < n - 1; i++)); do
    w=$\{args[i]}
    if [[ -n $expect ]]; then
      [[ $expect == --config-dir ]] && dir=$w
      expect=""
      continue
    fi
    _batteryml_node "$node" || return 0
    case $w in
      --config-dir=*) dir=$\{w#*=}; continue ;;
      -*) _batteryml_flag "$w" && [[ $_bml_r == value ]] && expect=$w; continue ;;
    esac
    if [[ -n $_bml_children ]]; then
      [[ " $_bml_children " == *" $w "* ]] || return 0
      node=$\{node:+$node }$w
    else
      picks+=("$w")
    fi
  done
  _batteryml_node "$node" || return 0
  if [[ -n $expect ]]; then
    _batteryml_flag "$expect"
    for w in $_bml_values; do _bml_out+=("$w"); done
  elif [[ $cur == --*=* ]]; then
    _batteryml_flag "$\{cur%%=*}"
    for w in $_bml_values; do _bml_out+=("$\{cur%%=*}=$w"); done
  elif [[ $cur == -* ]]; then
    for w in $_bml_flags; do _bml_out+=("$\{w%%=*}"); done
  elif [[ -n $_bml_children ]]; then
    for w in $_bml_children; do _bml_out+=("$w"); done
  elif [[ $_bml_over != none ]]; then
    _batteryml_overrides "$_bml_over" "$dir" "$cur" $\{picks[@]+"$\{picks[@]}"}
  fi
  for w in $\{_bml_out[@]+"$\{_bml_out[@]}"}; do
    [[ $w == "$cur"* && $seen != *" $w "* ]] || continue
    seen="$seen$w "
    result+=("$w")
  done
  _bml_out=($\{result[@]+"$\{result[@]}"})
}

# _batteryml_task_start WORD…: _bml_r = index of the first argument of batteryml in "deno [flags] task
# [flags] batteryml ARG…", "task" when the task name is being completed, "" when it is another command.
_batteryml_task_start() {
  local n=$# i=1 task=""
  local -a w
  w=("$@")
  _bml_r=""
  while ((i < n)); do
    case $\{w[i]} in
      --cwd | --config | -c) ((i += 2)); continue ;;
      -*) ((i++)); continue ;;
    esac
    if [[ -z $task ]]; then
      [[ $\{w[i]} == task ]] || return 0
      task=1
    elif ((i == n - 1)); then
      _bml_r=task
      return 0
    else
      [[ $\{w[i]} == batteryml ]] && _bml_r=$((i + 1))
      return 0
    fi
    ((i++))
  done
}
`.replaceAll("$\\{", "${");
