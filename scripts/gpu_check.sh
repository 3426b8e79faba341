#!/usr/bin/env bash
# One command for a machine with a GPU (docs/results.md §13): the WebGPU tests of every neural model and
# the W3 and W4 benchmarks on WebGPU against wasm, results under $OUT (default artifacts/gpu_check).
#
#   OUT=/some/dir scripts/gpu_check.sh
#   GPU_CHECK_SKIP_BENCH=1 scripts/gpu_check.sh     # tests only (what a software adapter can usefully run)
#
# Needs Deno 2.9.6 (or Node's npx to fetch it) and the npm packages installed (`deno install` where the
# registry is reachable; carry node_modules/ otherwise). CI=true makes every WebGPU test run and fail,
# rather than skip, when navigator.gpu offers no adapter. The CLI end-to-end test also needs the real
# M50T data (BATTERYML_REAL_DATA, default ../shared/data/m50t); it is skipped with a note when absent.
# Exit status: 0 when every step passed, else the number of failed steps.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-artifacts/gpu_check}"
mkdir -p "$OUT"
export CI=true
XDG_RUNTIME_DIR="$(mktemp -d)" && chmod 700 "$XDG_RUNTIME_DIR" && export XDG_RUNTIME_DIR
if command -v deno >/dev/null; then DENO=(deno); else DENO=(npx --yes deno@2.9.6); fi
failed=0
step() { # name, command…: runs it, keeps its output in $OUT/<name>.txt, counts a failure
  local name=$1; shift
  echo "== $name: $(printf '%s ' "$@" | head -c 200 | tr '\n' ' ')" | tee -a "$OUT/summary.txt"
  local t0=$SECONDS
  "$@" >"$OUT/$name.txt" 2>&1
  local rc=$?
  echo "   exit $rc after $((SECONDS - t0)) s" | tee -a "$OUT/summary.txt"
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
}
: >"$OUT/summary.txt"
"${DENO[@]}" --version >"$OUT/deno_version.txt" 2>&1
command -v nvidia-smi >/dev/null && nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1
step adapter "${DENO[@]}" eval '
  const a = await navigator.gpu?.requestAdapter();
  if (!a) { console.log("no WebGPU adapter"); Deno.exit(1); }
  const i = a.info;
  console.log(JSON.stringify({ vendor: i.vendor, architecture: i.architecture, device: i.device,
    description: i.description, fallback: a.isFallbackAdapter ?? i.isFallbackAdapter ?? null,
    shaderF16: a.features.has("shader-f16"), features: [...a.features] }, null, 1));'
TEST=("${DENO[@]}" test --allow-read --allow-env --allow-ffi --allow-sys --allow-write
  --allow-net=127.0.0.1,localhost --allow-run)
step tests_webgpu "${TEST[@]}" tests/lib/train/backend_test.ts tests/lib/train/trainer_webgpu_test.ts \
  tests/lib/train/mixed_precision_test.ts tests/lib/nn/kernels/matmul_f16_webgpu_test.ts \
  tests/plugins/models/mixed_precision_models_test.ts \
  tests/lib/train/no_sync_reads_test.ts tests/lib/nn/webgpu_layers_test.ts tests/lib/ode/device_solve_test.ts \
  tests/plugins/models/webgpu_training_test.ts
DATA="${BATTERYML_REAL_DATA:-../shared/data/m50t}"
if [ -d "$DATA" ]; then
  step tests_cli_webgpu "${TEST[@]}" tests/cli_webgpu_test.ts tests/cli_mixed_precision_test.ts
else
  echo "== tests_cli_webgpu: skipped, no real data at $DATA" | tee -a "$OUT/summary.txt"
fi
if [ "${GPU_CHECK_SKIP_BENCH:-}" = 1 ]; then
  # On a software adapter the bench takes tens of minutes and measures nothing useful.
  echo "== bench_w3_w4: skipped (GPU_CHECK_SKIP_BENCH=1)" | tee -a "$OUT/summary.txt"
else
  step bench_w3_w4 "${DENO[@]}" task bench --only W3,W4 --webgpu --runs 3
fi
[ -f artifacts/bench/report.json ] && cp artifacts/bench/report.json "$OUT/bench_w3_w4.json"
echo "failed steps: $failed" | tee -a "$OUT/summary.txt"
exit "$failed"
