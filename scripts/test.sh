#!/usr/bin/env bash
# The README's test command: builds and runs every test on every target this
# machine can run, then prints a matrix. Exits non-zero if any row failed.
#
#   scripts/test.sh            all rows
#   scripts/test.sh ROW...     only these rows (names as in the summary)
#
# Run as root it installs the Debian packages it needs first; otherwise it says
# which ones are missing and runs the rows it can.
set -u
cd "$(dirname "$0")/.."
root=$PWD
jobs=${THUNK_JOBS:-$(nproc 2>/dev/null || echo 2)}
out=${THUNK_BUILD_ROOT:-$root/build/test}
mkdir -p "$out"

# ---- packages -----------------------------------------------------------------
packages=(cmake g++ clang catch2 pkg-config libbenchmark-dev libffi-dev libffcall-dev libseccomp-dev
          g++-mingw-w64-x86-64 g++-mingw-w64-i686 wine64 wine
          g++-i686-linux-gnu g++-aarch64-linux-gnu g++-riscv64-linux-gnu g++-arm-linux-gnueabihf
          qemu-user xvfb xauth libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >"$out/apt.log" 2>&1 ||
      { echo "apt-get install failed; see $out/apt.log"; tail -5 "$out/apt.log"; }
  else
    echo "== missing Debian packages (run as root, or: sudo apt-get install ${missing[*]})"
  fi
fi

# 32-bit wine needs the i386 architecture; its absence is a reported skip.
win32_skip=""
if ! dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
  if [ "$(id -u)" = 0 ]; then
    { dpkg --add-architecture i386 && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wine32:i386; } \
      >"$out/apt-wine32.log" 2>&1 || win32_skip="wine32:i386 could not be installed: $(grep -E '^E:' "$out/apt-wine32.log" | head -1)"
  else
    win32_skip="wine32:i386 is not installed (needs root: dpkg --add-architecture i386 && apt-get install wine32:i386)"
  fi
fi

# ---- rows ---------------------------------------------------------------------
declare -a names results
have() { command -v "$1" >/dev/null 2>&1; }

# row NAME SKIP_REASON CMAKE_ARGS...
row() {
  local name=$1 skip=$2
  shift 2
  if [ -n "$ROWS_FILTER" ] && ! grep -qw -- "$name" <<<"$ROWS_FILTER"; then return; fi
  names+=("$name")
  if [ -n "$skip" ]; then
    results+=("skipped|-|-|-|$skip")
    echo "== $name: skipped ($skip)"
    return
  fi
  local dir="$out/$name" log="$out/$name.log"
  echo "== $name: configure, build, test  (log: ${log#$root/})"
  rm -rf "$dir"
  if ! cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$log" 2>&1; then
    results+=("failed|no|-|-|configure failed"); tail -30 "$log"; return
  fi
  if ! cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
    results+=("failed|no|-|-|build failed"); grep -E "error|Error" "$log" | head -30; return
  fi
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600) >>"$log" 2>&1
  local rc=$?
  local summary
  summary=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$log" | tail -1)
  local total passed failed skipped
  total=$(sed -nE 's/.*out of ([0-9]+).*/\1/p' <<<"$summary")
  failed=$(sed -nE 's/.* ([0-9]+) tests? failed.*/\1/p' <<<"$summary")
  skipped=$(grep -cE "\*\*\*Skipped|Not Run.*Disabled" "$log")
  total=${total:-0}; failed=${failed:-0}
  passed=$((total - failed - skipped))
  echo "   $summary"
  if [ "$rc" != 0 ] || [ "$total" = 0 ]; then
    results+=("failed|yes|$passed|$failed|$skipped")
    sed -n '/The following tests FAILED/,$p' "$log" | head -20
  else
    results+=("passed|yes|$passed|$failed|$skipped")
  fi
}

ROWS_FILTER="${*:-}"
tc=$root/cmake/toolchains
have wine || have wine64 || nowine="wine is not installed"
row linux-x86_64-gcc "" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc
row windows-x64-wine "${nowine:-}" -DCMAKE_TOOLCHAIN_FILE=$tc/x86_64-w64-mingw32.cmake

# ---- summary ------------------------------------------------------------------
echo
printf '%-24s %-8s %-6s %-7s %-7s %-8s %s\n' target result built passed failed skipped note
status=0
for i in "${!names[@]}"; do
  IFS='|' read -r res built passed failed skipped note <<<"${results[$i]}"
  [ "$res" = failed ] && status=1
  [ "$res" = skipped ] && { note=$skipped; skipped=all; }
  printf '%-24s %-8s %-6s %-7s %-7s %-8s %s\n' "${names[$i]}" "$res" "$built" "$passed" "$failed" "$skipped" "${note:-}"
done
total_p=0; total_f=0
for r in "${results[@]}"; do
  IFS='|' read -r res built passed failed skipped note <<<"$r"
  [[ $passed =~ ^[0-9]+$ ]] && total_p=$((total_p + passed))
  [[ $failed =~ ^[0-9]+$ ]] && total_f=$((total_f + failed))
done
echo
echo "matrix: $total_p passed, $total_f failed"
exit $status
