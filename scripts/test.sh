#!/usr/bin/env bash
# The README's test command: builds and runs every test on every target this
# machine can run, then prints a matrix. Exits non-zero if any row failed.
#
#   scripts/test.sh              all rows
#   scripts/test.sh ROW...       only these rows (names or globs: 'linux-*')
#   scripts/test.sh --list       the rows, one a line
#
# Run as root it installs the Debian packages it needs first; otherwise it says
# which ones are missing and runs the rows it can. A row that cannot run here
# is reported `skipped` with the reason; one whose programs build but cannot
# run here (32-bit wine missing, say) is still built and reported
# `built yes, skipped`. docs/testing.md describes every row.
#
# Environment:
#   THUNK_BUILD_ROOT         where the rows build (default build/test); row R
#                            builds in $THUNK_BUILD_ROOT/R, its log is R.log
#   THUNK_JOBS               parallel jobs for the build and ctest (default nproc)
#   THUNK_BUILD_TYPE         CMAKE_BUILD_TYPE of every row (default: -O1 without
#                            -g; RelWithDebInfo for the sanitizer rows)
#   THUNK_TEST_TIMEOUT       ctest's per-test timeout in seconds (default 300)
#   THUNK_CMAKE_ARGS         extra arguments for every row's configure
#   THUNK_CCACHE=1           compile through ccache where it is installed
#   THUNK_ROWS_EXPERIMENTAL  1 (or a list of row names) runs the experimental
#                            rows, which are otherwise skipped as not yet supported
#   THUNK_NO_INSTALL=1       never run apt-get
#   THUNK_CTEST_REPEAT       run each row's tests N times (setup and teardown
#                            each time), stopping at the first failure
#   THUNK_I686_RUN           native or qemu: how 32-bit x86 programs run
#                            (default: natively where the kernel can, else qemu-i386)
#   THUNK_TIME_BUDGET        seconds after which the remaining rows are skipped,
#                            each reported with the reason (default: 3900 when
#                            CI=true, 65 min — CI stops a run at 90 minutes and lands
#                            nothing then — else none)
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
jobs=${THUNK_JOBS:-$(nproc 2>/dev/null || echo 2)}
out=${THUNK_BUILD_ROOT:-$root/build/test}
case "$out" in /*) ;; *) out=$root/$out ;; esac
# Rows build -O1 without debug info (-g costs a quarter of the compile time of
# the heaviest test); the sanitizer rows keep -g for readable reports.
# THUNK_BUILD_TYPE, when set, is every row's CMAKE_BUILD_TYPE as it stands.
if [ -n "${THUNK_BUILD_TYPE:-}" ]; then
  build_args=(-DCMAKE_BUILD_TYPE="$THUNK_BUILD_TYPE")
  debug_build_args=("${build_args[@]}")
else
  build_args=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG")
  # Sanitizer rows: -O1 -g1 (line tables for the reports; -O2 -g doubled the
  # critical path of the matrix and found nothing more).
  debug_build_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
fi
test_timeout=${THUNK_TEST_TIMEOUT:-300}
if [ "${CI:-}" = true ]; then time_budget=${THUNK_TIME_BUDGET:-3900}; else time_budget=${THUNK_TIME_BUDGET:-}; fi
# over_budget NAME: the reason a row is skipped once the time budget is spent.
over_budget() {
  if [ -n "$time_budget" ] && [ "$SECONDS" -ge "$time_budget" ]; then
    echo "time budget spent ($((SECONDS / 60)) of $((time_budget / 60)) min); run it alone: scripts/test.sh $1"
  fi
}
tc=$root/cmake/toolchains
host_arch=$(uname -m)

# Every row, in the order they run: the order of what they prove (see the rows
# below), so that rows a time budget skips are the least distinct.
all_rows=(
  linux-x86_64-gcc
  linux-i686
  windows-x64-wine
  windows-x64-win32-wine
  windows-x64-clang-wine
  linux-aarch64-qemu
  linux-riscv64-qemu
  linux-armv7-qemu
  linux-x86_64-asan-ubsan
  linux-x86_64-tsan
  linux-x86_64-no-jit
  packaging
  linux-x86_64-clang
  linux-x86_64-gcc-cxx20
  linux-x86_64-no-exceptions
  windows-x86-wine
)
# Rows the tests do not support yet: skipped unless THUNK_ROWS_EXPERIMENTAL asks.
experimental_rows=()

case "${1:-}" in
  --list) printf '%s\n' "${all_rows[@]}"; exit 0 ;;
  -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

# ---- which rows ---------------------------------------------------------------
filters=("$@")
for f in "${filters[@]}"; do
  hit=""
  for r in "${all_rows[@]}"; do
    # shellcheck disable=SC2053  # globs are wanted
    [[ $r == $f ]] && hit=1
  done
  if [ -z "$hit" ]; then
    echo "scripts/test.sh: no row matches '$f'; the rows are:" >&2
    printf '  %s\n' "${all_rows[@]}" >&2
    exit 2
  fi
done
selected() {
  ((${#filters[@]} == 0)) && return 0
  local f
  for f in "${filters[@]}"; do
    # shellcheck disable=SC2053
    [[ $1 == $f ]] && return 0
  done
  return 1
}
any_selected() {
  local r
  for r in "${all_rows[@]}"; do
    # shellcheck disable=SC2053
    [[ $r == $1 ]] && selected "$r" && return 0
  done
  return 1
}

mkdir -p "$out"
start_all=$SECONDS
have() { command -v "$1" >/dev/null 2>&1; }
notes=()

# ---- packages -----------------------------------------------------------------
packages=(cmake g++ clang libclang-rt-14-dev catch2 pkg-config
          libbenchmark-dev libffi-dev libffcall-dev libseccomp-dev
          g++-i686-linux-gnu g++-aarch64-linux-gnu g++-riscv64-linux-gnu g++-arm-linux-gnueabihf
          qemu-user g++-mingw-w64-x86-64 g++-mingw-w64-i686 wine64 wine xvfb xauth doxygen lld)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && [ "${THUNK_NO_INSTALL:-0}" != 1 ] && have apt-get; then
    echo "== installing: ${missing[*]}"
    t0=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    # An index that fails to download (a mirror mid-sync) makes `apt-get update`
    # exit non-zero; the others are still fresh, so install regardless.
    apt-get update -q >"$out/apt.log" 2>&1 || echo "   apt-get update: $(grep -E '^E:' "$out/apt.log" | head -1)"
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$out/apt.log" 2>&1; then
      echo "   apt-get install failed; see ${out#"$root"/}/apt.log"
      grep -E '^E:' "$out/apt.log" | tail -3
      notes+=("apt-get install failed: $(grep -E '^E:' "$out/apt.log" | tail -1)")
    fi
    echo "   ($((SECONDS - t0))s)"
  else
    echo "== missing Debian packages (as root: apt-get install ${missing[*]})"
    notes+=("missing Debian packages: ${missing[*]}")
  fi
fi

# 32-bit wine needs the i386 architecture. If wine32:i386 cannot be installed,
# the architecture is taken away again so that apt stays as it was, and the
# row's programs are built but not run.
win32_skip=""
if any_selected windows-x86-wine && { have wine || have wine64; } && [ ! -x /usr/lib/wine/wine ] &&
   ! dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
  if [ "$(id -u)" = 0 ] && [ "${THUNK_NO_INSTALL:-0}" != 1 ] && have apt-get; then
    echo "== installing wine32:i386"
    t0=$SECONDS
    added_i386=""
    dpkg --print-foreign-architectures | grep -qx i386 || { dpkg --add-architecture i386 && added_i386=1; }
    {
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wine32:i386
    } >"$out/apt-wine32.log" 2>&1
    if ! dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
      win32_skip="wine32:i386 could not be installed: $(grep -E '^E:' "$out/apt-wine32.log" | head -1 |
        sed -E 's/ *\[IP: [^]]*\]//; s#[a-z]+://[^ ]*/(dists/[^ ]*)#\1#' | cut -c1-220)"
      if [ -n "$added_i386" ] && ! dpkg-query -W -f='${Architecture}\n' 2>/dev/null | grep -qx i386; then
        dpkg --remove-architecture i386 && apt-get update -q >/dev/null 2>&1
      fi
    fi
    echo "   ($((SECONDS - t0))s) ${win32_skip:-installed}"
  else
    win32_skip="wine32:i386 is not installed (as root: dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386)"
  fi
fi

# ---- probes -------------------------------------------------------------------
probe_dir=$out/probe
mkdir -p "$probe_dir"
cat >"$probe_dir/threads.cpp" <<'EOF'
#include <cstdio>
#include <thread>
int main() {
  int x = 0;
  std::thread t([&] { x = 1; });
  t.join();
  std::printf("%d\n", x);
  return x == 1 ? 0 : 1;
}
EOF

# sanitizer_probe CXX FLAGS: can this machine build and run a program with
# these sanitizers? Sets probe_skip (why not) and probe_emulator (a wrapper
# that makes it run: `setarch ARCH -R` when ASLR's entropy is too high for the
# sanitizer's shadow memory, as on some new kernels).
sanitizer_probe() {
  local cxx=$1 flags=$2 exe=$probe_dir/sanitizer-$RANDOM outp
  probe_skip="" probe_emulator=""
  # shellcheck disable=SC2086
  if ! outp=$("$cxx" $flags -g "$probe_dir/threads.cpp" -o "$exe" -pthread 2>&1); then
    probe_skip="cannot build a program with $flags: $(head -1 <<<"$outp")"
    return
  fi
  outp=$("$exe" 2>&1) && return
  if have setarch && setarch "$host_arch" -R "$exe" >/dev/null 2>&1; then
    probe_emulator="setarch;$host_arch;-R"
    return
  fi
  probe_skip="a $flags program does not run here: $(grep -m1 -E 'FATAL|ERROR|error' <<<"$outp" || head -1 <<<"$outp")"
}

# native_probe CXX: does a static program of this compiler run natively here?
native_probe() {
  local exe=$probe_dir/native-$RANDOM outp
  probe_skip=""
  if ! outp=$("$1" -static "$probe_dir/threads.cpp" -o "$exe" -pthread 2>&1); then
    probe_skip="cannot build a static $1 program: $(head -1 <<<"$outp")"
  elif ! outp=$("$exe" 2>&1); then
    probe_skip="this kernel does not run $1's programs: $(head -1 <<<"$outp")"
  fi
}

# ---- rows ---------------------------------------------------------------------
declare -a names results
row_env=()     # NAME=VALUE for this row's ctest (set before each row)
row_setup=""   # a function run before ctest (wine prefix, display)
row_teardown=""
row_cpu0=0

# The tests are asked for explicitly: a row without Catch2 fails to configure
# instead of building the examples alone.
common_args=(-DTHUNK_BUILD_TESTS=ON)
if [ ! -f "$root/examples/CMakeLists.txt" ]; then
  common_args+=(-DTHUNK_BUILD_EXAMPLES=OFF)
  notes+=("examples/CMakeLists.txt is absent: rows built without examples")
fi
if [ "${THUNK_CCACHE:-0}" = 1 ] && have ccache; then
  common_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# shellcheck disable=SC2206  # word splitting is the point
extra_args=(${THUNK_CMAKE_ARGS:-})

# cpu_now VAR: VAR = CPU seconds used so far by this script's finished children.
# `times` must run in this shell, not in a $(...) subshell, which has no children.
cpu_now() {
  times >"$out/.times"
  read -r "$1" < <(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d\n", t }' "$out/.times")
}
fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# attr NAME FILE: the first NAME="N" in FILE (ctest's JUnit testsuite element).
attr() { grep -oE "\\b$1=\"[0-9]+\"" "$2" 2>/dev/null | head -1 | tr -dc 0-9; }

# add_result RESULT BUILT PASSED FAILED SKIPPED SECONDS TIMING NOTE, with the
# CPU seconds the row used since row_cpu0.
add_result() {
  local cpu=- cpu1
  if [ "$1|$2" != "skipped|no" ]; then cpu_now cpu1; cpu=$((cpu1 - row_cpu0)); fi
  results+=("$1|$2|$3|$4|$5|$6|$7|$cpu|$8")
}

# row NAME SKIP RUN_SKIP CMAKE_ARGS...
#   SKIP non-empty: not built at all, reported skipped with that reason.
#   RUN_SKIP non-empty: configured and built, tests listed but not run,
#   reported `skipped` with built=yes and that reason.
# results: result|built|passed|failed|skipped|seconds|timing|cpu|note
row() {
  local name=$1 skip=$2 run_skip=$3
  shift 3
  selected "$name" || return 0
  names+=("$name")
  local e exp=""
  for e in "${experimental_rows[@]}"; do [ "$e" = "$name" ] && exp=1; done
  if [ -n "$exp" ] && [ -z "$skip" ]; then
    case " ${THUNK_ROWS_EXPERIMENTAL:-} " in
      " 1 "|" all "|*" $name "*) ;;
      *) skip="not yet supported (experimental; THUNK_ROWS_EXPERIMENTAL=1 runs it)" ;;
    esac
  fi
  [ -n "$skip" ] || skip=$(over_budget "$name")
  if [ -n "$skip" ]; then
    add_result "skipped" "no" "-" "-" "-" "0" "-" "$skip"
    echo "== $name: skipped ($skip)"
    return
  fi
  local dir=$out/$name log=$out/$name.log t0=$SECONDS t1 t2 t3
  cpu_now row_cpu0
  echo "== $name: configure, build, test  (log: ${log#"$root"/})"
  rm -rf "$dir"
  {
    echo "# $(date -u '+%F %T') UTC  $name"
    echo "# cmake -S $root -B $dir ${row_build_args[*]} ${common_args[*]} $* ${extra_args[*]}"
  } >"$log"
  if ! cmake -S "$root" -B "$dir" "${row_build_args[@]}" "${common_args[@]}" "$@" "${extra_args[@]}" >>"$log" 2>&1; then
    add_result "failed" "no" "-" "-" "-" "$((SECONDS - t0))" "-" "configure failed"
    grep -A12 -E "CMake Error" "$log" | head -30
    return
  fi
  t1=$SECONDS
  # Keep going past the first error, so that the log shows every one.
  local keep_going=()
  case "$(sed -nE 's/^CMAKE_GENERATOR:INTERNAL=(.*)/\1/p' "$dir/CMakeCache.txt")" in
    *Makefiles) keep_going=(-- -k) ;;
    Ninja*) keep_going=(-- -k 0) ;;
  esac
  if ! cmake --build "$dir" -j "$jobs" "${keep_going[@]}" >>"$log" 2>&1; then
    add_result "failed" "no" "-" "-" "-" "$((SECONDS - t0))" "$((t1 - t0))+$((SECONDS - t1))+0" "build failed"
    grep -E "error:|Error [0-9]" "$log" | head -25
    return
  fi
  t2=$SECONDS

  local junit=$dir/ctest-junit.xml rc total failed skipped disabled passed note=""
  if [ -n "$run_skip" ]; then
    total=$( (cd "$dir" && ctest -N) 2>/dev/null | sed -nE 's/^Total Tests: ([0-9]+).*/\1/p')
    total=${total:-0}
    echo "   built; $total tests not run: $run_skip"
    if [ "$total" = 0 ]; then
      add_result "failed" "yes" "0" "0" "0" "$((SECONDS - t0))" "$((t1 - t0))+$((t2 - t1))+0" "no tests were found"
    else
      add_result "skipped" "yes" "0" "0" "$total" "$((SECONDS - t0))" "$((t1 - t0))+$((t2 - t1))+0" "$run_skip"
    fi
    return
  fi

  # THUNK_CTEST_REPEAT=N runs the test phase N times (setup and teardown
  # included) and stops at the first failing run: the proof that a row does
  # not flake.
  local rep reps=${THUNK_CTEST_REPEAT:-1} base_env=("${row_env[@]}")
  for ((rep = 1; rep <= reps; rep++)); do
    row_env=("${base_env[@]}")
    if [ -n "$row_setup" ] && ! "$row_setup" "$dir" "$log"; then
      [ -n "$row_teardown" ] && "$row_teardown" "$dir" "$log"
      add_result "failed" "yes" "-" "-" "-" "$((SECONDS - t0))" "$((t1 - t0))+$((t2 - t1))+0" "$setup_error"
      echo "   $setup_error"
      return
    fi
    echo "# ctest run $rep of $reps  (env: ${row_env[*]:-})" >>"$log"
    (cd "$dir" && env "${row_env[@]}" ctest --output-on-failure --no-tests=error -j "$jobs" \
       --timeout "$test_timeout" --output-junit "$junit") >>"$log" 2>&1
    rc=$?
    [ -n "$row_teardown" ] && "$row_teardown" "$dir" "$log"
    ((reps > 1)) && echo "   run $rep of $reps: ctest exited $rc, $(attr failures "$junit") failed, $(attr skipped "$junit") skipped"
    { [ "$rc" != 0 ] || [ "$(attr failures "$junit")" != 0 ]; } && break
  done
  ((reps > 1)) && row_note="${row_note:+$row_note; }$((rep > reps ? reps : rep)) of $reps test runs"
  t3=$SECONDS

  total=$(attr tests "$junit"); failed=$(attr failures "$junit")
  skipped=$(attr skipped "$junit"); disabled=$(attr disabled "$junit")
  if [ -z "$total" ]; then
    # No JUnit file (ctest itself failed): read its closing line instead.
    local summary
    summary=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$log" | tail -1)
    total=$(sed -nE 's/.*out of ([0-9]+).*/\1/p' <<<"$summary")
    failed=$(sed -nE 's/.* ([0-9]+) tests? failed.*/\1/p' <<<"$summary")
    skipped=$(grep -cE '\*\*\*Skipped|\*\*\*Not Run' "$log")
  fi
  total=${total:-0} failed=${failed:-0} skipped=$((${skipped:-0} + ${disabled:-0}))
  passed=$((total - failed - skipped))
  ((passed < 0)) && passed=0
  local timing="$((t1 - t0))+$((t2 - t1))+$((t3 - t2))"
  if grep -q "No tests were found" "$log" || [ "$total" = 0 ]; then
    add_result "failed" "yes" "0" "0" "0" "$((t3 - t0))" "$timing" "no tests were found"
    echo "   failed: no tests were found"
  elif [ "$passed" = 0 ] && [ "$failed" = 0 ]; then
    # Every test skipped although the row's programs could run: nothing proven.
    add_result "failed" "yes" "0" "0" "$skipped" "$((t3 - t0))" "$timing" "every test skipped"
    echo "   failed: every one of its $total tests skipped"
  elif [ "$rc" != 0 ] || [ "$failed" != 0 ]; then
    ((failed == 0)) && note="ctest exited $rc"
    add_result "failed" "yes" "$passed" "$failed" "$skipped" "$((t3 - t0))" "$timing" "$note"
    echo "   failed: $passed passed, $failed failed, $skipped skipped ($(fmt_time $((t3 - t0))))"
    sed -n '/The following tests FAILED/,$p' "$log" | head -20
  else
    add_result "passed" "yes" "$passed" "$failed" "$skipped" "$((t3 - t0))" "$timing" "$row_note"
    echo "   passed: $passed passed, $failed failed, $skipped skipped ($(fmt_time $((t3 - t0))))"
  fi
}

# script_row NAME SKIP COMMAND...: a row that is a script of its own, which
# prints "N passed, N failed" last and one line per check, "NAME skipped ..."
# for the ones it skipped; judged by its exit code.
script_row() {
  local name=$1 skip=$2
  shift 2
  selected "$name" || return 0
  names+=("$name")
  [ -n "$skip" ] || skip=$(over_budget "$name")
  if [ -n "$skip" ]; then
    add_result "skipped" "no" "-" "-" "-" "0" "-" "$skip"
    echo "== $name: skipped ($skip)"
    return
  fi
  local log=$out/$name.log t0=$SECONDS rc summary passed failed skipped
  cpu_now row_cpu0
  echo "== $name: ${*#"$root"/}  (log: ${log#"$root"/})"
  echo "# $(date -u '+%F %T') UTC  $name: $*" >"$log"
  THUNK_JOBS=$jobs "$@" >>"$log" 2>&1
  rc=$?
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  passed=$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$summary")
  failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")
  skipped=$(grep -cE '^[^ ]+ +skipped ' "$log")
  if [ -z "$summary" ]; then
    add_result "failed" "-" "-" "-" "-" "$((SECONDS - t0))" "-" "exited $rc without its summary line"
    echo "   failed: exited $rc without its summary line"; tail -15 "$log"
  elif [ "$rc" != 0 ] || [ "$failed" != 0 ]; then
    add_result "failed" "yes" "$passed" "$failed" "$skipped" "$((SECONDS - t0))" "-" "$( ((failed == 0)) && echo "exited $rc")"
    echo "   failed: $summary"; grep -E 'FAILED' "$log" | head -10
  else
    add_result "passed" "yes" "$passed" "$failed" "$skipped" "$((SECONDS - t0))" "-" ""
    echo "   passed: $summary, $skipped skipped ($(fmt_time $((SECONDS - t0))))"
  fi
}

# Wine rows: a private prefix in the row's build tree, created once before ctest
# (so parallel tests never race on it), and one virtual display for the whole
# row when there is no DISPLAY (so programs that open real windows work and
# wine's desktop process keeps one display). Both are stopped after ctest.
setup_error=""
xvfb_pid=""
# shellcheck disable=SC2317  # called through $row_setup / $row_teardown
wine_setup() {
  local dir=$1 log=$2 t0=$SECONDS display=${DISPLAY:-}
  setup_error=""
  row_env+=("THUNK_WINEPREFIX=$dir/wineprefix")
  if [ -z "$display" ] && have Xvfb; then
    : >"$dir/xvfb.display"
    Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x1024x24 3>"$dir/xvfb.display" >>"$dir/xvfb.log" 2>&1 &
    xvfb_pid=$!
    local i
    for i in $(seq 100); do [ -s "$dir/xvfb.display" ] && break; sleep 0.1; done
    if [ -s "$dir/xvfb.display" ]; then
      display=:$(tr -dc 0-9 <"$dir/xvfb.display")
    else
      kill "$xvfb_pid" 2>/dev/null; xvfb_pid=""
      echo "# Xvfb did not start: $(tail -1 "$dir/xvfb.log")" >>"$log"
    fi
  fi
  [ -n "$display" ] && row_env+=("DISPLAY=$display")
  if ! env "${row_env[@]}" "$root/scripts/wine-run" --init >>"$log" 2>&1; then
    setup_error="wine could not create its prefix (see log)"
    return 1
  fi
  # One wineserver for the whole row, persistent until the teardown.
  if ! env "${row_env[@]}" "$root/scripts/wine-run" --server >>"$log" 2>&1; then
    setup_error="wine's server did not start (see log)"
    return 1
  fi
  echo "# wine prefix created in $((SECONDS - t0))s; DISPLAY=${display:-none}" >>"$log"
}
# shellcheck disable=SC2317
wine_teardown() {
  env "${row_env[@]}" "$root/scripts/wine-run" --kill >/dev/null 2>&1
  [ -n "$xvfb_pid" ] && { kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; }
  xvfb_pid=""
}

# next_row: reset the per-row settings.
next_row() { row_env=(); row_setup=""; row_teardown=""; row_note=""; row_build_args=("${build_args[@]}"); }

san_env=(ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
         UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
         TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1)

# Rows run in order of what they prove, so that a CI run that reaches its time
# budget skips the least distinct rows (each reported with the reason).
# linux-x86_64-gcc: the reference row.
next_row
row linux-x86_64-gcc "" "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc

# linux-i686: natively where the kernel runs 32-bit programs, else under
# qemu-i386 (scripts/i686-run decides; THUNK_I686_RUN=qemu forces qemu).
next_row
skip="" run_skip="" args=()
if selected linux-i686; then
  if ! have i686-linux-gnu-g++; then
    skip="i686-linux-gnu-g++ is not installed (g++-i686-linux-gnu)"
  elif how=$("$root/scripts/i686-run" --which 2>"$out/i686-run.why"); then
    if [ "$how" = qemu-i386 ]; then
      args=(-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-i386)
      row_note="run under qemu-i386: $(head -1 "$out/i686-run.why")"
    else
      row_note="run natively"
    fi
  else
    run_skip=$(head -1 "$out/i686-run.why")
  fi
fi
row linux-i686 "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/i686-linux-gnu.cmake" "${args[@]}"

next_row
skip="" run_skip=""
have x86_64-w64-mingw32-g++-posix || skip="x86_64-w64-mingw32-g++-posix is not installed (g++-mingw-w64-x86-64)"
have wine || have wine64 || run_skip="wine is not installed (wine64)"
row_setup=wine_setup row_teardown=wine_teardown
row windows-x64-wine "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/x86_64-w64-mingw32.cmake"

# Debian's default MinGW compiler: the win32 thread model (no std::mutex,
# std::thread or std::call_once in GCC 12's library).
next_row
skip="" run_skip=""
have x86_64-w64-mingw32-g++-win32 || skip="x86_64-w64-mingw32-g++-win32 is not installed (g++-mingw-w64-x86-64-win32)"
have wine || have wine64 || run_skip="wine is not installed (wine64)"
row_setup=wine_setup row_teardown=wine_teardown
row windows-x64-win32-wine "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/x86_64-w64-mingw32-win32.cmake"

# clang for Windows: the only compiler here with vectorcall.
next_row
skip="" run_skip=""
if ! have clang++; then skip="clang++ is not installed (clang)"
elif ! have ld.lld; then skip="ld.lld is not installed (lld)"
elif ! ls -d /usr/lib/gcc/x86_64-w64-mingw32/*-posix >/dev/null 2>&1; then
  skip="no MinGW-w64 g++ (posix) C++ library (g++-mingw-w64-x86-64-posix)"
fi
have wine || have wine64 || run_skip="wine is not installed (wine64)"
row_setup=wine_setup row_teardown=wine_teardown
row windows-x64-clang-wine "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/x86_64-w64-mingw32-clang.cmake"

for spec in "linux-aarch64-qemu aarch64-linux-gnu qemu-aarch64" \
            "linux-riscv64-qemu riscv64-linux-gnu qemu-riscv64" \
            "linux-armv7-qemu arm-linux-gnueabihf qemu-arm"; do
  next_row
  # shellcheck disable=SC2086  # split the spec into its words
  set -- $spec
  skip="" run_skip=""
  have "$2-g++" || skip="$2-g++ is not installed (g++-$2)"
  have "$3" || run_skip="$3 is not installed (qemu-user)"
  row "$1" "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/$2.cmake"
done


# Sanitizer rows use gcc: clang's -fsanitize=function would flag the very
# function-pointer casts thunk is made of.
for spec in "linux-x86_64-asan-ubsan address,undefined" "linux-x86_64-tsan thread"; do
  next_row
  # shellcheck disable=SC2086  # split the spec into its words
  set -- $spec
  skip="" args=()
  if selected "$1"; then
    sanitizer_probe g++ "-fsanitize=$2"
    skip=$probe_skip
    if [ -n "$probe_emulator" ]; then
      args+=("-DCMAKE_CROSSCOMPILING_EMULATOR=$probe_emulator" "-DCMAKE_TEST_LAUNCHER=$probe_emulator")
      row_note="tests run under setarch -R"
    fi
  fi
  row_env=("${san_env[@]}")
  row_build_args=("${debug_build_args[@]}")
  row "$1" "$skip" "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DTHUNK_SANITIZE="$2" "${args[@]}"
done

next_row
row linux-x86_64-no-jit "" "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DTHUNK_NO_JIT=ON

# The ways into thunk a user takes (install + find_package, add_subdirectory,
# FetchContent, pkg-config, the single header, warnings, no-exceptions
# consumers, doxygen): scripts/check-packaging.sh, its own report in the log.
next_row
script_row packaging "$([ -x "$root/scripts/check-packaging.sh" ] || echo "scripts/check-packaging.sh is absent")" \
  "$root/scripts/check-packaging.sh"

next_row
row linux-x86_64-clang "$(have clang++ || echo "clang++ is not installed")" "" \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang

next_row
row linux-x86_64-gcc-cxx20 "" "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_STANDARD=20

next_row
row linux-x86_64-no-exceptions "" "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc -DTHUNK_TEST_NO_EXCEPTIONS=ON

next_row
skip="" run_skip=""
have i686-w64-mingw32-g++-posix || skip="i686-w64-mingw32-g++-posix is not installed (g++-mingw-w64-i686)"
if ! have wine && ! have wine64; then run_skip="wine is not installed (wine)"; else run_skip=$win32_skip; fi
row_setup=wine_setup row_teardown=wine_teardown
row windows-x86-wine "$skip" "$run_skip" -DCMAKE_TOOLCHAIN_FILE="$tc/i686-w64-mingw32.cmake"

# ---- summary ------------------------------------------------------------------
echo
fmt='%-27s %-8s %-6s %-7s %-7s %-8s %-7s %-13s %-6s %s\n'
# shellcheck disable=SC2059
printf "$fmt" target result built passed failed skipped time cfg+bld+test cpu-s note
status=0 total_p=0 total_f=0 total_s=0
for i in "${!names[@]}"; do
  IFS='|' read -r res built passed failed skipped secs timing cpu note <<<"${results[$i]}"
  [ "$res" = failed ] && status=1
  [ "$res" = skipped ] && [ "$built" = no ] && skipped=all
  [[ $passed =~ ^[0-9]+$ ]] && total_p=$((total_p + passed))
  [[ $failed =~ ^[0-9]+$ ]] && total_f=$((total_f + failed))
  [[ $skipped =~ ^[0-9]+$ ]] && total_s=$((total_s + skipped))
  # shellcheck disable=SC2059
  printf "$fmt" "${names[$i]}" "$res" "$built" "$passed" "$failed" "$skipped" "$(fmt_time "$secs")" "$timing" "$cpu" "${note:-}"
done
for n in "${notes[@]}"; do echo "note: $n"; done
echo "whole run: $(fmt_time $((SECONDS - start_all))) on $jobs jobs; logs in ${out#"$root"/}/"
echo
echo "matrix: $total_p passed, $total_f failed, $total_s skipped"
exit $status
