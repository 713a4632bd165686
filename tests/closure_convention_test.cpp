// thunk/closure.hpp over the signature suite in every calling convention the
// target has besides the default, on both paths. A test named for a convention
// is compiled only where that convention exists and differs from the default
// (THUNK_TEST_HAS_*).
#include <thunk/closure.hpp>
#include <type_traits>

#include "catch.hpp"
#include "support/closure_suite.hpp"
#include "support/signatures.hpp"

#if THUNK_HAS_CLOSURE

using namespace thunk_test;
using namespace thunk_test::closure_suite;

#  if THUNK_TEST_HAS_STDCALL
TEST_CASE("closure: a stdcall pointer type gives a stdcall thunk", "[closure][x86-stdcall]") {
  run_both_paths<cc_stdcall, all_cases>();
}
#  endif

#  if THUNK_TEST_HAS_FASTCALL
TEST_CASE("closure: a fastcall pointer type gives a fastcall thunk", "[closure][x86-fastcall]") {
  run_both_paths<cc_fastcall, all_cases>();
}
#  endif

#  if THUNK_TEST_HAS_THISCALL
TEST_CASE("closure: a thiscall pointer type gives a thiscall thunk", "[closure][x86-thiscall]") {
  run_both_paths<cc_thiscall, all_cases>();
}
#  endif

#  if THUNK_TEST_HAS_MS_ABI
TEST_CASE("closure: an ms_abi pointer type gives a Microsoft x64 thunk", "[closure][win64]") {
  run_both_paths<cc_ms_abi, all_cases>();
}
#  endif

#  if THUNK_TEST_HAS_SYSV_ABI
TEST_CASE("closure: a sysv_abi pointer type gives a System V x86-64 thunk", "[closure][sysv64]") {
  run_both_paths<cc_sysv_abi, all_cases>();
}
#  endif

#  if !(THUNK_TEST_HAS_STDCALL || THUNK_TEST_HAS_FASTCALL || THUNK_TEST_HAS_THISCALL || THUNK_TEST_HAS_VECTORCALL || \
        THUNK_TEST_HAS_MS_ABI || THUNK_TEST_HAS_SYSV_ABI)
THUNK_TEST_SKIP_PROGRAM("closure: other calling conventions",
                        "this target has no calling convention besides the default (closure_suite_test runs that)")
#  endif

#else
THUNK_TEST_SKIP_PROGRAM("closure: other calling conventions",
                        "thunk::closure does not exist in this build (THUNK_HAS_CLOSURE is 0)")
#endif  // THUNK_HAS_CLOSURE
