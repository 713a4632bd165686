// thunk/context.hpp: with_context over the signature suite (part 1 of 3; the others are context_slot_test.cpp and
// context_convention_test.cpp).
//
// Every case of tests/support/signatures.hpp is bound, for a mutable lambda, a
// const lambda, a std::function and a function object, with the context slot
// last and with its place and type rotated over the suite, and called from code
// that cannot see through the pointer.
#include "support/context_suite.hpp"

#include <cstddef>
#include <cstdint>

#include "catch.hpp"
#include "support/signatures.hpp"

using namespace thunk_test;
using namespace thunk_test::context_suite;

TEMPLATE_TEST_CASE("with_context: every argument of every signature arrives and the result comes back", "[context]",
                   mutable_lambda, const_lambda, std_function, function_object) {
  SECTION("void* context last") { run_all_referenced<TestType, all_cases, slot::last, void*>(); }
  SECTION("the slot's place and type rotated over the suite") {
    for_each_indexed(all_cases{}, [](auto tag, auto index) {
      run_referenced<rotated_case<typename decltype(tag)::type, decltype(index)::value + kind_offset<TestType>>,
                     TestType>();
    });
  }
  SECTION("void* first and intptr_t in the middle") {
    run_all_referenced<TestType, core_cases, slot::first, void*>();
    run_all_referenced<TestType, core_cases, slot::middle, std::intptr_t>();
  }
}
