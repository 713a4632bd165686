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
#   --boost-threads  run the create_threads* benchmarks in a second pass, in a
#                  scheduling group of their own at nice -15 (needs root). Linux
#                  autogroups give each session one share of the CPU whatever its
#                  number of threads: on a machine busy with other sessions, 2
#                  threads would get one thread's share and the 2-thread ratio
#                  would measure the scheduler. The pass lasts about a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/bench
binary=""
reps=15
out=""
docs=0
filter=""
boost=0
extra=()
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --docs) docs=1; shift ;;
    --filter) filter=$2; shift 2 ;;
    --boost-threads) boost=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
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

# What was measured: the commit, and whether the headers differ from it.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain -- include 2>/dev/null)" ]; then
  commit="$commit+modified-include"
fi

args=(--benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true
      --benchmark_context=thunk_commit="$commit"
      --benchmark_display_aggregates_only=true
      --benchmark_out="$out" --benchmark_out_format=json)
results=("$out")
if ((boost)); then
  [ -z "$filter" ] || { echo "bench/run.sh: --boost-threads and --filter do not combine" >&2; exit 2; }
  args+=(--benchmark_filter=-^create_threads)
elif [ -n "$filter" ]; then
  args+=(--benchmark_filter="$filter")
fi

echo "== $binary ${args[*]} ${extra[*]:-}"
echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$binary" "${args[@]}" ${extra[@]+"${extra[@]}"}

if ((boost)); then
  tout=${out%.json}.threads.json
  targs=(--benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true
         --benchmark_display_aggregates_only=true --benchmark_filter=^create_threads
         --benchmark_context=thunk_commit="$commit" --benchmark_context=thread_pass=own-autogroup-nice-15
         --benchmark_out="$tout" --benchmark_out_format=json)
  echo
  echo "== thread pass (own scheduling group, nice -15): $binary ${targs[*]}"
  echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  setsid sh -c 'echo -15 > /proc/self/autogroup || echo "bench/run.sh: cannot raise the group priority (not root, or no autogroups): the thread pass runs at normal priority" >&2; exec "$0" "$@"' \
    "$binary" "${targs[@]}" ${extra[@]+"${extra[@]}"}
  results+=("$tout")
fi
echo
echo "== median of $reps repetitions, ratios within one run (results: ${results[*]})"
echo
if ((docs)); then
  python3 "$root/bench/report.py" "${results[@]}" --markdown "$root/docs/benchmarks.md"
  python3 "$root/scripts/bench_chart.py" "$out" "$root/docs/bench.svg"
  # The compile-cost bars, measured in the same session (bench/compile_cost.sh).
  echo
  echo "== compile cost: bench/compile_cost.sh --reps 5"
  cc_md=$(mktemp)
  "$root/bench/compile_cost.sh" --reps 5 --markdown "$cc_md" || true
  {
    echo
    echo "## Compile cost (\`bench/compile_cost.sh\`)"
    echo
    echo "Measured by \`bench/run.sh --docs\` right after the run above, at $commit: CPU seconds (user + system) of each compiler at -O2, median of 5 compilations to an object file; the header alone in preprocessed lines. Header-only is the default; the middle column defines \`THUNK_SEPARATE_COMPILATION=1\` (what linking \`thunk::compiled\` does), which leaves the slow paths to \`src/thunk.cpp\`, compiled once per target (its own time beside it; docs/compile-cost.md)."
    echo
    cat "$cc_md"
  } >>"$root/docs/benchmarks.md"
  rm -f "$cc_md"
else
  python3 "$root/bench/report.py" "${results[@]}"
fi
