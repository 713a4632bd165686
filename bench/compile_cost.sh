#!/usr/bin/env bash
# Compile cost of thunk against <functional> (DESIGN.md §6, turn 2):
#  - a TU with one closure and one context callback (bench/compile_cost/with_thunk.cpp)
#    against the same TU written with std::function (with_function.cpp), in CPU
#    seconds at -O2: median of N compilations each; bar: within 2x; header-only
#    (the default) and with the opt-in separately compiled part
#    (-DTHUNK_SEPARATE_COMPILATION=1; src/thunk.cpp's own time is shown beside);
#  - `#include <thunk/thunk.hpp>` alone against `#include <functional>` alone,
#    in preprocessed lines (`-E`, line markers included, as a compiler reads
#    them); bar: within 1.3x.
# For g++ (Linux) and, where installed, x86_64-w64-mingw32-g++-posix/-win32.
#
#   bench/compile_cost.sh [--reps N] [--markdown FILE]
# Prints one table row per compiler and "N passed, N failed" (bars met).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/bench/compile_cost
reps=5 md=""
while (($#)); do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --markdown) md=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "compile_cost.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# cpu_seconds CXX FILE: median CPU seconds (user+sys of the compiler and its
# children) over $reps compilations to an object file.
cpu_seconds() {
  local i s cxx=$1 file=$2
  shift 2
  for ((i = 0; i < reps; i++)); do
    s=$( { /usr/bin/env time -f '%U %S' "$cxx" -std=c++17 -O2 -I "$root/include" "$@" -c "$file" -o "$tmp/o.o" 2>&1 >/dev/null; } |
         tail -1 | awk '{ printf "%.3f\n", $1 + $2 }')
    echo "$s"
  done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
lines() { "$1" -std=c++17 -E -I "$root/include" "$2" | wc -l; }

passed=0 failed=0
rows=()
for cxx in g++ x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-g++-win32; do
  command -v "$cxx" >/dev/null || continue
  if ! "$cxx" -std=c++17 -O2 -I "$root/include" -c "$src/with_thunk.cpp" -o "$tmp/o.o" 2>"$tmp/err"; then
    echo "$cxx: with_thunk.cpp does not compile: $(head -3 "$tmp/err")"
    failed=$((failed + 2)); continue
  fi
  t_thunk=$(cpu_seconds "$cxx" "$src/with_thunk.cpp")
  t_sep=$(cpu_seconds "$cxx" "$src/with_thunk.cpp" -DTHUNK_SEPARATE_COMPILATION=1)
  t_lib=$(cpu_seconds "$cxx" "$root/src/thunk.cpp")
  t_fn=$(cpu_seconds "$cxx" "$src/with_function.cpp")
  l_thunk=$(lines "$cxx" "$src/only_thunk.cpp")
  l_fn=$(lines "$cxx" "$src/only_functional.cpp")
  r_t=$(awk -v a="$t_thunk" -v b="$t_fn" 'BEGIN { printf "%.2f", a / b }')
  r_s=$(awk -v a="$t_sep" -v b="$t_fn" 'BEGIN { printf "%.2f", a / b }')
  r_l=$(awk -v a="$l_thunk" -v b="$l_fn" 'BEGIN { printf "%.2f", a / b }')
  v_t=$(awk -v r="$r_t" 'BEGIN { print (r <= 2.0) ? "met" : "NOT met" }')
  v_s=$(awk -v r="$r_s" 'BEGIN { print (r <= 2.0) ? "met" : "NOT met" }')
  v_l=$(awk -v r="$r_l" 'BEGIN { print (r <= 1.3) ? "met" : "NOT met" }')
  [ "$v_t" = met ] && passed=$((passed + 1)) || failed=$((failed + 1))
  [ "$v_s" = met ] && passed=$((passed + 1)) || failed=$((failed + 1))
  [ "$v_l" = met ] && passed=$((passed + 1)) || failed=$((failed + 1))
  rows+=("| \`$cxx\` | ${t_thunk} s / ${t_fn} s = **${r_t}×** (≤ 2×: $v_t) | ${t_sep} s / ${t_fn} s = **${r_s}×** (≤ 2×: $v_s); src/thunk.cpp once: ${t_lib} s | ${l_thunk} / ${l_fn} = **${r_l}×** (≤ 1.3×: $v_l) |")
done
{
  echo "| compiler | TU with a closure and a context callback vs std::function (CPU, -O2, median of $reps): header-only (default) | the same with the separately compiled part (\`THUNK_SEPARATE_COMPILATION\`, thunk::compiled) | \`<thunk/thunk.hpp>\` vs \`<functional>\` (preprocessed lines) |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "${md:-/dev/null}"
echo "$passed passed, $failed failed"
((failed == 0))
