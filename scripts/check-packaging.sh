#!/usr/bin/env bash
# Every way into thunk, each checked by a consumer that builds and runs a
# program using every tier (tests/consumers/consumer.cpp), plus the single
# header, the warning flags on our headers and the API reference:
#
#   find-package      cmake --install into a fresh prefix; find_package(thunk 0.3 CONFIG REQUIRED)
#                     (and the installed thunk-config-version.cmake matches thunk/version.hpp)
#   add-subdirectory  add_subdirectory(<this tree>)
#   fetch-content     FetchContent from file://<this repository> at the committed HEAD
#   pkg-config        g++ $(pkg-config --cflags --libs thunk) against the installed thunk.pc
#   single-header     single_include/thunk/thunk.hpp is up to date; the consumer built with
#                     -I single_include alone, natively and with i686-linux-gnu-g++ -static;
#                     examples/ built and checked (ctest) against the single header alone,
#                     natively and for i686
#   warnings          a TU instantiating every tier, -Wall -Wextra -Wpedantic -Wconversion
#                     -Wshadow -Werror, gcc and clang, C++17 and C++20 (and i686 g++, and
#                     g++ with -fno-exceptions -fno-rtti, and MinGW-w64 x64 and i686 at
#                     -O1 and -O2 where installed)
#   no-exceptions     the consumer built with -fno-exceptions -fno-rtti (gcc and clang) and run
#   bare-install      configure + install where Catch2 is missing: -DBUILD_TESTING=OFF (as
#                     package builders pass it), and the defaults with Catch2 hidden; then the
#                     find_package consumer against that install
#   doxygen           doxygen docs/Doxyfile, warnings as errors (skipped without doxygen)
#   windows-arm64     scripts/check-windows-arm64.sh (clang, aarch64-w64-windows-gnu, syntax)
#   cet               scripts/check-cet.sh (IBT/SHSTK and BTI properties kept, landing pads)
#
#   scripts/check-packaging.sh            every route
#   scripts/check-packaging.sh ROUTE...   only these
#
# Prints one line per route, then "N passed, N failed"; exits non-zero when a
# route failed. Builds in build/pkg-<route>, logs in build/pkg-logs/<route>.log.
# Environment: CXX (consumer compiler, default g++), THUNK_JOBS (default nproc).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$PWD
jobs=${THUNK_JOBS:-$(nproc 2>/dev/null || echo 2)}
cxx=${CXX:-g++}
logs=$root/build/pkg-logs
mkdir -p "$logs"

all_routes=(find-package add-subdirectory fetch-content pkg-config bare-install single-header warnings no-exceptions
            doxygen)
# Checks kept in scripts of their own, run as routes when present.
[ -x scripts/check-windows-arm64.sh ] && all_routes+=(windows-arm64)
[ -x scripts/check-cet.sh ] && all_routes+=(cet)
routes=("$@")
((${#routes[@]} == 0)) && routes=("${all_routes[@]}")
for r in "${routes[@]}"; do
  case " ${all_routes[*]} " in
    *" $r "*) ;;
    *) echo "check-packaging: unknown route '$r'; the routes are: ${all_routes[*]}" >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }
# How 32-bit x86 programs run here: natively or under qemu-i386 (empty: neither).
i686_how="" i686_why=""
if have i686-linux-gnu-gcc; then
  i686_how=$("$root/scripts/i686-run" --which 2>"${TMPDIR:-/tmp}/thunk-i686-why.$$") || i686_how=""
  i686_why=$(head -1 "${TMPDIR:-/tmp}/thunk-i686-why.$$"); rm -f "${TMPDIR:-/tmp}/thunk-i686-why.$$"
  export THUNK_I686_HOW=$i686_how
fi
passed=0 failed=0
log=/dev/null
detail=""

# Runs a command with its output in the route's log; true when it succeeded.
run() {
  echo "\$ $*" >>"$log"
  "$@" >>"$log" 2>&1
}

# The tiers the consumer must report on this tree: closure wherever the
# target has one (every target this script builds for), static_closure
# once its header exists.
tiers_of() {
  local t="stateless with_context call closure"
  [ -f "$1/include/thunk/static_closure.hpp" ] && t="$t static_closure"
  echo "$t"
}

# run_consumer EXE [SOURCE_TREE [RUNNER...]]: runs it (through RUNNER, e.g.
# scripts/i686-run), checks its verdict and the tiers it exercised against
# those SOURCE_TREE (default: this one) has.
run_consumer() {
  local out expected_tiers exe=$1 tree=${2:-$root}
  shift 2 2>/dev/null || shift
  expected_tiers=$(tiers_of "$tree")
  echo "\$ $* $exe" >>"$log"
  out=$("$@" "$exe" 2>&1)
  local rc=$?
  echo "$out" >>"$log"
  if [ $rc != 0 ]; then
    detail="consumer exited $rc: $(grep -m1 FAILED <<<"$out")"
    return 1
  fi
  local tiers
  tiers=$(sed -n 's/^tiers: //p' <<<"$out")
  if [ "$tiers" != "$expected_tiers" ]; then
    detail="consumer ran tiers '$tiers', expected '$expected_tiers'"
    return 1
  fi
  return 0
}

header_version() {
  local p v=""
  for p in MAJOR MINOR PATCH; do
    v="$v${v:+.}$(sed -nE "s/^#define THUNK_VERSION_$p ([0-9]+).*/\1/p" include/thunk/version.hpp)"
  done
  echo "$v"
}

# ---- the install tree, shared by find-package and pkg-config --------------------
prefix=$root/build/pkg-prefix
install_state=""  # "", ok, failed
install_tree() {
  [ -n "$install_state" ] && { [ "$install_state" = ok ]; return; }
  local b=$root/build/pkg-install
  rm -rf "$b" "$prefix"
  install_state=failed
  run cmake -S "$root" -B "$b" -DTHUNK_BUILD_TESTS=OFF -DTHUNK_BUILD_EXAMPLES=OFF -DTHUNK_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX=/nonexistent-configure-time-prefix || { detail="thunk configure failed"; return 1; }
  # --prefix differs from the configure-time prefix on purpose: the install
  # must not depend on it (thunk.pc is relocatable).
  run cmake --install "$b" --prefix "$prefix" || { detail="cmake --install failed"; return 1; }
  install_state=ok
}

# ---- routes ----------------------------------------------------------------------
route_find-package() {
  install_tree || return 1
  local vf=$prefix/share/cmake/thunk/thunk-config-version.cmake hv pv
  hv=$(header_version)
  pv=$(sed -nE 's/^set\(PACKAGE_VERSION "([^"]*)"\)/\1/p' "$vf" 2>/dev/null)
  if [ "$pv" != "$hv" ]; then
    detail="thunk-config-version.cmake says '$pv', thunk/version.hpp says '$hv'"
    return 1
  fi
  local b=$root/build/pkg-find-package
  rm -rf "$b"
  run cmake -S tests/consumers/find_package -B "$b" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" \
    || { detail="consumer configure failed (find_package)"; return 1; }
  run cmake --build "$b" -j "$jobs" || { detail="consumer build failed"; return 1; }
  run_consumer "$b/consumer" || return 1
  run_consumer "$b/consumer_compiled" || return 1
  detail="find_package(thunk 0.3 CONFIG REQUIRED) found $pv in a fresh prefix; 99.0 refused; thunk::compiled too"
}

route_add-subdirectory() {
  local b=$root/build/pkg-add-subdirectory
  rm -rf "$b"
  run cmake -S tests/consumers/add_subdirectory -B "$b" -DCMAKE_CXX_COMPILER="$cxx" -DTHUNK_SOURCE_DIR="$root" \
    || { detail="consumer configure failed"; return 1; }
  run cmake --build "$b" -j "$jobs" || { detail="consumer build failed"; return 1; }
  run_consumer "$b/consumer" || return 1
  run_consumer "$b/consumer_compiled" || return 1
  detail="add_subdirectory of the work tree; thunk::thunk and thunk::compiled"
}

route_fetch-content() {
  if ! have git || ! git -C "$root" rev-parse --verify -q HEAD >/dev/null; then
    detail="SKIP: not a git repository with a commit"
    return 2
  fi
  local head b=$root/build/pkg-fetch-content note=""
  head=$(git -C "$root" rev-parse HEAD)
  rm -rf "$b"
  run cmake -S tests/consumers/fetch_content -B "$b" -DCMAKE_CXX_COMPILER="$cxx" \
    -DTHUNK_GIT_URL="file://$root" -DTHUNK_GIT_TAG="$head" -DFETCHCONTENT_QUIET=OFF \
    || { detail="consumer configure (fetch) failed"; return 1; }
  run cmake --build "$b" -j "$jobs" || { detail="consumer build failed"; return 1; }
  run_consumer "$b/consumer" "$b/_deps/thunk-src" || return 1
  [ -n "$(git -C "$root" status --porcelain -- include CMakeLists.txt cmake 2>/dev/null)" ] &&
    note="; uncommitted changes under include/ or cmake/ are not in it"
  detail="FetchContent from file://$root at ${head:0:12}$note"
}

route_pkg-config() {
  local pc=""
  have pkg-config && pc=pkg-config
  [ -z "$pc" ] && have pkgconf && pc=pkgconf
  if [ -z "$pc" ]; then
    detail="SKIP: pkg-config is not installed"
    return 2
  fi
  install_tree || return 1
  local b=$root/build/pkg-pkg-config flags libs version
  rm -rf "$b"; mkdir -p "$b"
  export PKG_CONFIG_PATH=$prefix/share/pkgconfig
  flags=$($pc --cflags thunk 2>>"$log") || { detail="$pc --cflags thunk failed"; unset PKG_CONFIG_PATH; return 1; }
  libs=$($pc --libs thunk 2>>"$log")
  version=$($pc --modversion thunk 2>>"$log")
  unset PKG_CONFIG_PATH
  if [ "$version" != "$(header_version)" ]; then
    detail="thunk.pc says version '$version', thunk/version.hpp says '$(header_version)'"
    return 1
  fi
  # shellcheck disable=SC2086  # flags are words
  run "$cxx" -std=c++17 -Wall -Wextra $flags "-DCONSUMER_EXPECT_VERSION=$version" tests/consumers/consumer.cpp \
    -o "$b/consumer" $libs || { detail="g++ \$(pkg-config --cflags thunk) failed"; return 1; }
  run_consumer "$b/consumer" || return 1
  read -r flags <<<"$flags"
  read -r libs <<<"$libs"
  detail="$cxx $flags ... $libs (thunk.pc $version)"
}

route_single-header() {
  local b=$root/build/pkg-single-header ok=() bad=()
  rm -rf "$b"; mkdir -p "$b"
  # 1. Up to date: regenerate to a temporary file and compare.
  if ! run python3 scripts/make_single_header.py -o "$b/thunk.hpp"; then
    bad+=("make_single_header.py failed")
  elif ! run cmp "$b/thunk.hpp" single_include/thunk/thunk.hpp; then
    bad+=("single_include/thunk/thunk.hpp is stale (run python3 scripts/make_single_header.py and commit it)")
  else
    ok+=("up to date")
  fi
  # convention.inl is stamped out once per inclusion, never deduplicated.
  local want got
  want=$(cat include/thunk/*.hpp include/thunk/detail/*.hpp | grep -cE '^\s*#\s*include\s+"(detail/)?convention\.inl"')
  got=$(grep -c '^// ---- begin thunk/detail/convention.inl' "$b/thunk.hpp")
  [ "$want" != "$got" ] && bad+=("convention.inl is included $want times in include/ but inlined $got times")
  # 2. The consumer against the single header alone, native and i686.
  local c name exe
  for c in "$cxx" i686-linux-gnu-g++; do
    name=$c exe=$b/consumer-${c//[^A-Za-z0-9_.-]/_}
    local extra=() runner=()
    if [ "$c" = i686-linux-gnu-g++ ]; then
      have "$c" || { bad+=("no i686-linux-gnu-g++ (g++-i686-linux-gnu)"); continue; }
      extra=(-static) name="$c -static"
      if [ -z "$i686_how" ]; then bad+=("$name: $i686_why"); continue; fi
      runner=("$root/scripts/i686-run") name="$name ($i686_how)"
    fi
    if ! run "$c" "${extra[@]}" -std=c++17 -Wall -Wextra -I single_include tests/consumers/consumer.cpp -o "$exe" -pthread; then
      bad+=("consumer does not build with $name -I single_include")
    elif ! run_consumer "$exe" "" "${runner[@]}"; then
      bad+=("$name: $detail")
    else
      ok+=("consumer $name")
    fi
  done
  # 3. examples/, with their output checks, against the single header alone,
  #    native and i686 (static; natively or under qemu-i386).
  local e target args
  for target in native i686; do
    e=$b/examples-$target
    if [ $target = native ]; then
      args=(-DCMAKE_CXX_COMPILER="$cxx")
    else
      have i686-linux-gnu-g++ && [ -n "$i686_how" ] || continue
      args=(-DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/i686-linux-gnu.cmake")
      [ "$i686_how" = qemu-i386 ] && args+=(-DCMAKE_CROSSCOMPILING_EMULATOR=qemu-i386)
    fi
    if ! run cmake -S tests/consumers/single_header_examples -B "$e" "${args[@]}"; then
      bad+=("examples ($target) configure failed")
    elif ! run cmake --build "$e" -j "$jobs"; then
      bad+=("examples ($target) do not build against the single header")
    elif ! (cd "$e" && run ctest --output-on-failure --no-tests=error -j "$jobs"); then
      bad+=("examples ($target) fail against the single header (ctest in ${e#"$root"/})")
    else
      ok+=("$(cd "$e" && ctest -N | sed -nE 's/^Total Tests: ([0-9]+)/\1/p') examples $target")
    fi
  done
  local IFS=';'
  if ((${#bad[@]})); then
    detail="${bad[*]}"
    detail=${detail//;/; }
    return 1
  fi
  detail="${ok[*]}"
  detail=${detail//;/, }
}

route_warnings() {
  local b=$root/build/pkg-warnings flags=(-Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror)
  rm -rf "$b"; mkdir -p "$b"
  local compilers=(g++ clang++) ok=() bad=() c std
  have i686-linux-gnu-g++ && compilers+=(i686-linux-gnu-g++)
  for c in "${compilers[@]}"; do
    have "$c" || { bad+=("$c missing"); continue; }
    for std in 17 20; do
      [ "$c" = i686-linux-gnu-g++ ] && [ $std = 20 ] && continue
      if run "$c" -std=c++$std -O2 "${flags[@]}" -I include -c tests/consumers/warnings.cpp -o "$b/w-$c-$std.o"; then
        ok+=("$c/c++$std")
      else
        bad+=("$c/c++$std")
      fi
    done
  done
  if have g++; then
    if run g++ -std=c++17 -fno-exceptions -fno-rtti -O2 "${flags[@]}" -I include -c tests/consumers/warnings.cpp \
      -o "$b/w-noexc.o"; then
      ok+=("g++/c++17/-fno-exceptions/-fno-rtti")
    else
      bad+=("g++/c++17/-fno-exceptions/-fno-rtti")
    fi
  fi
  # MinGW-w64 (where installed) at -O1 and -O2: the Windows code paths, and
  # the foreign sysv_abi convention that GCC 12 once failed to assemble.
  local o
  for c in x86_64-w64-mingw32-g++-posix i686-w64-mingw32-g++-posix; do
    have "$c" || continue
    for o in -O1 -O2; do
      if run "$c" -std=c++17 $o "${flags[@]}" -I include -c tests/consumers/warnings.cpp -o "$b/w-$c$o.o"; then
        ok+=("$c/c++17/$o")
      else
        bad+=("$c/c++17/$o")
      fi
    done
  done
  if ((${#bad[@]})); then
    # The distinct header warnings, file:line [flag].
    local list
    list=$(grep -oE '(include|single_include)/thunk/[^:]+:[0-9]+:[0-9]+: (warning|error): .*\[-W[^]]+\]' "$log" |
      sed -E 's/^([^:]+:[0-9]+):[0-9]+: (warning|error): .*\[(-W[^]]+)\]$/\1 \3/; s/-Werror[=,]-?W?/-W/' |
      sort -u | paste -sd';' -)
    detail="failed with ${bad[*]}: ${list:-see log}"
    return 1
  fi
  detail="clean with ${ok[*]}"
}

route_no-exceptions() {
  local b=$root/build/pkg-no-exceptions ok=() bad=() c exe
  rm -rf "$b"; mkdir -p "$b"
  for c in g++ clang++; do
    have "$c" || continue
    exe=$b/consumer-$c
    if ! run "$c" -std=c++17 -fno-exceptions -fno-rtti -Wall -Wextra -I include tests/consumers/consumer.cpp \
      -o "$exe" -pthread; then
      bad+=("$c does not build the consumer")
    elif ! run_consumer "$exe"; then
      bad+=("$c: $detail")
    else
      ok+=("$c")
    fi
  done
  if ((${#bad[@]})); then
    detail="${bad[*]}"
    return 1
  fi
  ((${#ok[@]})) || { detail="SKIP: neither g++ nor clang++"; return 2; }
  detail="consumer with -fno-exceptions -fno-rtti: ${ok[*]}"
}

route_bare-install() {
  local b=$root/build/pkg-bare p=$root/build/pkg-bare-prefix c ok=()
  # Catch2 hidden: neither its CMake package nor Debian's v2 header is found.
  local hide="/usr/include;/usr/local/include;/usr/lib/cmake/Catch2;/usr/share/cmake/Catch2;/usr/lib/x86_64-linux-gnu/cmake/Catch2"
  for c in "-DBUILD_TESTING=OFF" "-DCMAKE_IGNORE_PATH=$hide"; do
    rm -rf "$b" "$p"
    run cmake -S "$root" -B "$b" -DCMAKE_CXX_COMPILER="$cxx" "$c" || { detail="configure failed with $c"; return 1; }
    if [ "$c" != "-DBUILD_TESTING=OFF" ] && ! grep -q "Catch2 not found, the tests are not built" "$log"; then
      detail="Catch2 was found although hidden ($c): the check proves nothing"
      return 1
    fi
    run cmake --install "$b" --prefix "$p" || { detail="install failed with $c"; return 1; }
    [ -f "$p/include/thunk/thunk.hpp" ] && [ -f "$p/share/cmake/thunk/thunk-config.cmake" ] ||
      { detail="install with $c is incomplete"; return 1; }
    rm -rf "$b-consumer"
    run cmake -S tests/consumers/find_package -B "$b-consumer" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" &&
      run cmake --build "$b-consumer" -j "$jobs" || { detail="find_package consumer failed after install with $c"; return 1; }
    run_consumer "$b-consumer/consumer" || return 1
    ok+=("${c%%=*}")
  done
  detail="configured, installed and consumed without Catch2: ${ok[*]}"
}

# route_script SCRIPT: a check of its own that prints "N passed, N failed" last.
route_script() {
  run "$@"
  local rc=$? summary
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ $rc != 0 ] || [ -z "$summary" ]; then
    detail="${1#"$root"/} exited $rc: ${summary:-no summary line} ($(grep -m1 -E 'FAIL' "$log"))"
    return 1
  fi
  detail="${1#"$root"/}: $summary"
}
route_windows-arm64() { route_script "$root/scripts/check-windows-arm64.sh"; }
route_cet() { route_script "$root/scripts/check-cet.sh"; }

route_doxygen() {
  if ! have doxygen; then
    detail="SKIP: doxygen is not installed"
    return 2
  fi
  if [ ! -f docs/Doxyfile ]; then
    detail="docs/Doxyfile is missing"
    return 1
  fi
  rm -rf "$root/build/pkg-doxygen"
  run env THUNK_VERSION="$(header_version)" doxygen docs/Doxyfile || { detail="doxygen reported warnings: $(grep -m1 -i warning "$log")"; return 1; }
  detail="no warnings; build/pkg-doxygen/html/index.html"
}

# ---- run ---------------------------------------------------------------------------
for r in "${routes[@]}"; do
  log=$logs/$r.log
  : >"$log"
  detail=""
  t0=$SECONDS
  "route_$r"
  rc=$?
  secs=$((SECONDS - t0))
  if [ $rc = 0 ]; then
    passed=$((passed + 1))
    printf '%-17s passed   %3ds  %s\n' "$r" "$secs" "$detail"
  elif [ $rc = 2 ]; then
    printf '%-17s skipped  %3ds  %s\n' "$r" "$secs" "${detail#SKIP: }"
  else
    failed=$((failed + 1))
    printf '%-17s FAILED   %3ds  %s (log: %s)\n' "$r" "$secs" "$detail" "${log#"$root"/}"
  fi
done
echo "$passed passed, $failed failed"
((failed == 0))
