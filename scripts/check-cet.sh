#!/usr/bin/env bash
# Hardware control-flow protection kept, and closures from pre-built tables
# in every kind of ELF output. Each check builds tests/cet/closure_probe.cpp
# (closures on the register and general paths, a qsort through one) and:
#
#   x86-64-ibt-shstk   g++ -fcf-protection=full: readelf -n shows "IBT, SHSTK" on the
#                      probe's object, `ld -z cet-report=warning` names none of our
#                      objects (an unmarked output is the toolchain's startup files'
#                      doing, listed), and the thunks begin with endbr64 (f3 0f 1e fa)
#   x86-64-clang       the same with clang++
#   x86-64-pie / x86-64-no-pie / x86-64-static
#                      the probe runs, its code from the table (PIE, non-PIE, static)
#   x86-64-shared      the probe in a shared library (linked): the library maps its
#                      own table
#   x86-64-dlopen      the same library dlopen'ed
#   aarch64-bti        aarch64-linux-gnu-g++ -mbranch-protection=standard: readelf -n
#                      shows "BTI" on the probe's object, `ld -z force-bti` names none
#                      of ours; under qemu-aarch64 -cpu max the probe runs with thunks
#                      beginning with bti c (5f 24 03 d5) from PROT_BTI copies, and a
#                      call past a slot's bti c faults (SIGILL)
#
# A check whose tool is missing is reported as skipped. Prints one line per check, then "N passed, N failed" last; exits
# non-zero when a check failed. Builds in build/cet (THUNK_CET_DIR).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
out=${THUNK_CET_DIR:-$root/build/cet}
mkdir -p "$out"
probe=$root/tests/cet/closure_probe.cpp
passed=0 failed=0 skipped=0

ok() { echo "PASS  $1${2:+: $2}"; passed=$((passed + 1)); }
bad() { echo "FAIL  $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP  $1: $2"; skipped=$((skipped + 1)); }

control_src=$out/control.cpp
printf '#include <cstdio>\nint main() { std::puts("control"); }\n' >"$control_src"  # (static libc probe)

# has_note FILE WORD...: readelf -n lists every WORD in its feature line.
has_note() {
  local f=$1
  shift
  local line
  line=$(readelf -n "$f" 2>/dev/null | grep -E "feature:") || return 1
  for w in "$@"; do grep -q "$w" <<<"$line" || return 1; done
}
feature_line() { readelf -n "$1" 2>/dev/null | grep -E "feature:" | sed 's/^ *//' | head -1; }

# run_probe NAME CMD...: the probe exits 0, its thunks begin with the pad.
run_probe() {
  local name=$1 pad=$2
  shift 2
  local log=$out/$name.log
  if ! "$@" >"$log" 2>&1; then
    bad "$name" "the probe failed: $(tail -3 "$log" | tr '\n' ' ')"
    return 1
  fi
  if ! grep -q "^register thunk: $pad" "$log" || ! grep -q "^general thunk: $pad" "$log"; then
    bad "$name" "thunks do not begin with $pad: $(grep thunk: "$log" | tr '\n' ' ')"
    return 1
  fi
  if ! grep -q "^code source: table" "$log"; then
    bad "$name" "code not from the table: $(grep 'code source' "$log")"
    return 1
  fi
  return 0
}

endbr="f3 0f 1e fa"
bti="5f 24 03 d5"
flags=(-std=c++17 -O2 -Wall -Wextra -Werror -I"$root/include")

# ---- x86-64: IBT and SHSTK ----------------------------------------------------
# The linker ANDs the property over every input: the probe's own object must
# carry it, and `ld -z cet-report=warning` must name none of ours (only the
# toolchain's startup files, when they are unmarked).
for cxx in g++ clang++; do
  name=x86-64-ibt-shstk
  [[ $cxx == clang++ ]] && name=x86-64-clang
  if ! command -v $cxx >/dev/null; then
    skip $name "no $cxx"
    continue
  fi
  if ! $cxx "${flags[@]}" -fcf-protection=full -c "$probe" -o "$out/probe-$cxx.o" 2>"$out/$name.build.log" ||
    ! $cxx "$out/probe-$cxx.o" -o "$out/probe-$cxx" -Wl,-z,cet-report=warning 2>"$out/$name.link.log"; then
    bad $name "build failed: $(head -3 "$out/$name.build.log" "$out/$name.link.log" | tr '\n' ' ')"
    continue
  fi
  if ! has_note "$out/probe-$cxx.o" IBT SHSTK; then
    bad $name "the probe's object: readelf -n: $(feature_line "$out/probe-$cxx.o")"
    continue
  fi
  if grep -q "probe-$cxx.o" "$out/$name.link.log"; then
    bad $name "ld -z cet-report names the probe: $(grep "probe-$cxx.o" "$out/$name.link.log" | head -2 | tr '\n' ' ')"
    continue
  fi
  unmarked=$(grep -o "[^ :]*: warning: missing IBT" "$out/$name.link.log" | sed 's/: warning.*//; s|.*/||' |
    sort -u | tr '\n' ' ')
  final="output: $(feature_line "$out/probe-$cxx")"
  [[ -n $unmarked ]] && final="output unmarked only because of the toolchain's $unmarked"
  run_probe $name "$endbr" "$out/probe-$cxx" &&
    ok $name "object: $(feature_line "$out/probe-$cxx.o"); $final; thunks: $endbr"
done

# ---- x86-64: the kinds of output ----------------------------------------------
build_run() {
  local name=$1
  shift
  if ! g++ "${flags[@]}" -fcf-protection=full "$@" 2>"$out/$name.build.log"; then
    bad "$name" "build failed: $(head -3 "$out/$name.build.log" | tr '\n' ' ')"
    return 1
  fi
}
build_run x86-64-pie -fPIE -pie "$probe" -o "$out/probe-pie" &&
  run_probe x86-64-pie "$endbr" "$out/probe-pie" && ok x86-64-pie "$(grep 'code source' "$out/x86-64-pie.log")"
build_run x86-64-no-pie -fno-PIE -no-pie "$probe" -o "$out/probe-no-pie" &&
  run_probe x86-64-no-pie "$endbr" "$out/probe-no-pie" &&
  ok x86-64-no-pie "$(grep 'code source' "$out/x86-64-no-pie.log")"
if g++ -static "$control_src" -o "$out/control-static" 2>/dev/null; then
  build_run x86-64-static -static "$probe" -o "$out/probe-static" &&
    run_probe x86-64-static "$endbr" "$out/probe-static" &&
    ok x86-64-static "$(grep 'code source' "$out/x86-64-static.log")"
else
  skip x86-64-static "no static libc"
fi
build_run x86-64-shared -fPIC -shared -DTHUNK_PROBE_LIBRARY "$probe" -o "$out/libprobe.so" &&
  build_run x86-64-shared -DTHUNK_PROBE_LINKED "$probe" -o "$out/probe-linked" -L"$out" -lprobe -Wl,-rpath,"$out" &&
  run_probe x86-64-shared "$endbr" "$out/probe-linked" &&
  if grep -q "libprobe.so" "$out/x86-64-shared.log"; then
    ok x86-64-shared "$(grep 'code source' "$out/x86-64-shared.log")"
  else
    bad x86-64-shared "the table is not the library's own: $(grep 'code source' "$out/x86-64-shared.log")"
  fi
if [[ -f $out/libprobe.so ]] && build_run x86-64-dlopen -DTHUNK_PROBE_DLOPEN "$probe" -o "$out/probe-dlopen" -ldl; then
  if "$out/probe-dlopen" "$out/libprobe.so" >"$out/x86-64-dlopen.log" 2>&1; then
    run_probe x86-64-dlopen "$endbr" "$out/probe-dlopen" "$out/libprobe.so" &&
      ok x86-64-dlopen "$(grep 'code source' "$out/x86-64-dlopen.log")"
  elif grep -q "static TLS" "$out/x86-64-dlopen.log"; then
    skip x86-64-dlopen "$(head -1 "$out/x86-64-dlopen.log") (the per-thread state's TLS model, not the table)"
  else
    bad x86-64-dlopen "$(tail -2 "$out/x86-64-dlopen.log" | tr '\n' ' ')"
  fi
fi

# ---- AArch64: BTI ---------------------------------------------------------------
# The probe's object must carry BTI and `ld -z force-bti` must name none of
# ours (only the toolchain's startup files, when unmarked). Under
# qemu-aarch64 -cpu max (a CPU with BTI) the tables' copies are mapped
# PROT_BTI: the probe runs, and an indirect call that skips a slot's `bti c`
# must fault (SIGILL), which proves the pages are guarded.
name=aarch64-bti
a64=aarch64-linux-gnu-g++
sysroot=/usr/aarch64-linux-gnu
if ! command -v $a64 >/dev/null; then
  skip $name "no $a64"
elif ! $a64 "${flags[@]}" -mbranch-protection=standard -c "$probe" -o "$out/probe-a64.o" 2>"$out/$name.build.log" ||
  ! $a64 "$out/probe-a64.o" -o "$out/probe-a64-forced" -Wl,-z,force-bti 2>"$out/$name.link.log" ||
  ! $a64 "$out/probe-a64.o" -o "$out/probe-a64" 2>>"$out/$name.build.log"; then
  bad $name "build failed: $(head -3 "$out/$name.build.log" "$out/$name.link.log" | tr '\n' ' ')"
elif ! has_note "$out/probe-a64.o" BTI; then
  bad $name "the probe's object: readelf -n: $(feature_line "$out/probe-a64.o")"
elif grep -q "probe-a64.o" "$out/$name.link.log"; then
  bad $name "ld -z force-bti names the probe: $(grep "probe-a64.o" "$out/$name.link.log" | head -2 | tr '\n' ' ')"
elif ! command -v qemu-aarch64 >/dev/null; then
  skip $name "BTI kept ($(feature_line "$out/probe-a64.o")) but no qemu-aarch64 to run it"
else
  unmarked=$(grep -o "[^ :]*: warning: BTI turned on" "$out/$name.link.log" | sed 's/: warning.*//; s|.*/||' |
    sort -u | tr '\n' ' ')
  if run_probe $name "$bti" qemu-aarch64 -cpu max -L $sysroot "$out/probe-a64"; then
    qemu-aarch64 -cpu max -L $sysroot "$out/probe-a64" bti-negative >"$out/$name.negative.log" 2>&1
    rc=$?
    if ((rc == 0)); then
      ok $name "object: $(feature_line "$out/probe-a64.o")${unmarked:+ (unmarked toolchain files: $unmarked)}; thunks: $bti; $(tail -1 "$out/$name.negative.log"); $(grep 'code source' "$out/$name.log")"
    else
      bad $name "BTI not enforced on the copies: $(tail -1 "$out/$name.negative.log")"
    fi
  fi
fi

echo "$passed passed, $failed failed${skipped:+ ($skipped skipped)}"
((failed == 0))
