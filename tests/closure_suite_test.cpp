// thunk/closure.hpp over the signature suite, in the target's default
// convention: every case on both paths (path::automatic takes the register path
// where the signature leaves an integer register free; path::general always
// passes the context per thread), and the core cases with every callable kind.
// The other conventions: closure_convention_test.cpp.
#include "support/closure_suite.hpp"

#include <thunk/closure.hpp>

#include "catch.hpp"
#include "support/signatures.hpp"

#if THUNK_HAS_CLOSURE

using namespace thunk_test;
using namespace thunk_test::closure_suite;

TEST_CASE("closure: every argument of every signature arrives and the result comes back, on both paths", "[closure]") {
  run_both_paths<cc_default, all_cases>();
}

TEMPLATE_TEST_CASE("closure: every callable kind, for the core signatures", "[closure]", mutable_lambda, const_lambda,
                   std_function, function_object, move_only_object) {
  for_each_case(core_cases{}, [](auto tag) {
    using Case = typename decltype(tag)::type;
    run_case<Case, cc_default, thunk::path::automatic, TestType>();
  });
}

#else
THUNK_TEST_SKIP_PROGRAM("closure: the signature suite",
                        "thunk::closure does not exist in this build (THUNK_HAS_CLOSURE is 0)")
#endif  // THUNK_HAS_CLOSURE
