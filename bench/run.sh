#!/usr/bin/env bash
# Runs thunk_bench with JSON output and prints the ratio table against the bars
# of DESIGN.md §6 (met / not met).
#
#   bench/run.sh [--build DIR] [--binary PATH] [--reps N] [--out FILE] [--docs]
#                [--filter REGEX] [-- extra Google Benchmark flags]
#
#   --build DIR    build directory (default build/bench); configured and built
#                  (Release, THUNK_BUILD_BENCH=ON) when needed
#   --binary PATH  run this thunk_bench instead (no build)
#   --reps N       repetitions; every figure is their median (default 15)
#   --out FILE     JSON results (default DIR/bench.json)
#   --docs         also write docs/benchmarks.md and docs/bench.svg
#   --filter RE    only the benchmarks matching RE (--benchmark_filter)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/bench
binary=""
reps=15
out=""
docs=0
filter=""
extra=()
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --docs) docs=1; shift ;;
    --filter) filter=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -z "$binary" ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DTHUNK_BUILD_BENCH=ON -DTHUNK_BUILD_TESTS=OFF -DTHUNK_BUILD_EXAMPLES=OFF \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  cmake --build "$build" --target thunk_bench -j "$(nproc 2>/dev/null || echo 2)"
  binary=$build/bin/thunk_bench
else
  build=$(dirname "$(dirname "$binary")")
fi
[ -n "$out" ] || out=$build/bench.json

args=(--benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true
      --benchmark_display_aggregates_only=true
      --benchmark_out="$out" --benchmark_out_format=json)
[ -n "$filter" ] && args+=(--benchmark_filter="$filter")

echo "== $binary ${args[*]} ${extra[*]:-}"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$binary" "${args[@]}" ${extra[@]+"${extra[@]}"}
echo
echo "== median of $reps repetitions, ratios within this run (results: $out)"
echo
if ((docs)); then
  python3 "$root/bench/report.py" "$out" --markdown "$root/docs/benchmarks.md"
  python3 "$root/scripts/bench_chart.py" "$out" "$root/docs/bench.svg"
else
  python3 "$root/bench/report.py" "$out"
fi
