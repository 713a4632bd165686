// thunk/context.hpp: with_context over the signature suite (part 3 of 3): every
// calling convention this target has.
//
// A test named for a convention is compiled only where that convention exists
// and differs from the default (THUNK_TEST_HAS_*): elsewhere THUNK_STDCALL and
// its siblings are empty, and the test would re-run the default convention
// under another name.
#include <thunk/calling_convention.hpp>
#include <thunk/signature.hpp>
#include <type_traits>

#include "catch.hpp"
#include "support/context_suite.hpp"
#include "support/signatures.hpp"

using namespace thunk_test;
using namespace thunk_test::context_suite;

namespace {
template <class CC>
void run_convention() {
  if (cases_left_out<CC>(all_cases{}) > 0)
    WARN(cases_left_out<CC>(all_cases{}) << " signatures left out in " << CC::name
                                         << ": this compiler cannot build them (see compiler_cannot_build)");
  // Every signature, the slot's place and type rotated; the first and the last
  // parameter matter most (ecx/edx on fastcall and thiscall, rcx on Win64).
  for_each_indexed(all_cases{}, [](auto tag, auto index) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_referenced<rotated_case<Case, decltype(index)::value, CC>, mutable_lambda>();
      run_referenced<rotated_case<Case, decltype(index)::value + 2, CC>, function_object>();
    }
  });
  for_each_indexed(core_cases{}, [](auto tag, auto index) {
    using Case = typename decltype(tag)::type;
    if constexpr (!compiler_cannot_build<CC, Case>) {
      run_owned<rotated_case<Case, decltype(index)::value + 1, CC>, std_function>();
    }
  });
}
}  // namespace

#if THUNK_TEST_HAS_STDCALL
TEST_CASE("with_context: a stdcall callback type gives a stdcall entry", "[context][x86-stdcall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_stdcall::pointer<int, void*>>, thunk::stdcall_cc>::value);
  run_convention<cc_stdcall>();
}
#endif

#if THUNK_TEST_HAS_FASTCALL
TEST_CASE("with_context: a fastcall callback type gives a fastcall entry", "[context][x86-fastcall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_fastcall::pointer<int, void*>>, thunk::fastcall_cc>::value);
  run_convention<cc_fastcall>();
}
#endif

#if THUNK_TEST_HAS_THISCALL
TEST_CASE("with_context: a thiscall callback type gives a thiscall entry", "[context][x86-thiscall]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_thiscall::pointer<int, void*>>, thunk::thiscall_cc>::value);
  run_convention<cc_thiscall>();
}
#endif

#if THUNK_TEST_HAS_MS_ABI
TEST_CASE("with_context: an ms_abi callback type gives a Microsoft x64 entry", "[context][win64]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_ms_abi::pointer<int, void*>>, thunk::win64_cc>::value);
  run_convention<cc_ms_abi>();
}
#endif

#if THUNK_TEST_HAS_SYSV_ABI
TEST_CASE("with_context: a sysv_abi callback type gives a System V x86-64 entry", "[context][sysv64]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cc_sysv_abi::pointer<int, void*>>, thunk::sysv64_cc>::value);
  run_convention<cc_sysv_abi>();
}
#endif

TEST_CASE("with_context: the target's default convention is what a plain pointer has", "[context]") {
#if defined(THUNK_ARCH_AARCH64)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::aapcs64_cc>::value);
#elif defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::cdecl_cc>::value);
#elif defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::win64_cc>::value);
#elif defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::sysv64_cc>::value);
#else
  STATIC_REQUIRE(std::is_same<thunk::default_cc, thunk::native_cc>::value);
#endif
  run_convention<cc_default>();
}
