// thunk/context.hpp: with_context over the signature suite (part 2 of 3).
//
// The context slot first, in the middle and last, as void*, intptr_t and
// uintptr_t, over every signature; and rvalue callables held by the result.
#include <cstddef>
#include <cstdint>

#include "catch.hpp"
#include "support/context_suite.hpp"
#include "support/signatures.hpp"

using namespace thunk_test;
using namespace thunk_test::context_suite;

TEST_CASE("with_context: the context slot may be first, in the middle or last, as void*, intptr_t or uintptr_t",
          "[context]") {
  SECTION("void* first, in the middle, last: every signature") {
    run_all_referenced<mutable_lambda, all_cases, slot::first, void*>();
    run_all_referenced<mutable_lambda, all_cases, slot::middle, void*>();
    run_all_referenced<mutable_lambda, all_cases, slot::last, void*>();
  }
  SECTION("a pointer-sized integer, its place rotated over every signature") {
    for_each_indexed(all_cases{}, [](auto tag, auto index) {
      run_referenced<rotated_case<typename decltype(tag)::type, 3 + decltype(index)::value % 6>, mutable_lambda>();
    });
  }
  SECTION("the six integer placements, for the core signatures") {
    for_each_case(core_cases{}, [](auto tag) {
      using Case = typename decltype(tag)::type;
      run_referenced<rotated_case<Case, 3>, function_object>();
      run_referenced<rotated_case<Case, 4>, function_object>();
      run_referenced<rotated_case<Case, 5>, function_object>();
      run_referenced<rotated_case<Case, 6>, function_object>();
      run_referenced<rotated_case<Case, 7>, function_object>();
      run_referenced<rotated_case<Case, 8>, function_object>();
    });
  }
}

TEMPLATE_TEST_CASE("with_context: an rvalue callable is held by the result, unpacked with structured bindings",
                   "[context]", mutable_lambda, const_lambda, std_function, function_object) {
  for_each_indexed(core_cases{}, [](auto tag, auto index) {
    run_owned<rotated_case<typename decltype(tag)::type, decltype(index)::value + kind_offset<TestType>>, TestType>();
  });
}
