// thunk/signature.hpp and thunk/context_slot.hpp: what a C callback type says.
#include <thunk/context_slot.hpp>
#include <thunk/signature.hpp>

#include <cstdint>
#include <type_traits>

#include "catch.hpp"

#if defined(THUNK_ARCH_X86_32)
// GCC warns that thiscall is "used for non-class method" on pointer types, and
// honours it: noise here.
#  pragma GCC diagnostic ignored "-Wattributes"
#endif

namespace {
using cmp_fn = int (*)(const void*, const void*);
using qsort_r_fn = int (*)(const void*, const void*, void*);
// LPARAM's shape on every target: long, or long long where long is 32-bit
// (intptr_t is int on ILP32, which is never a context).
using long_ptr = std::conditional_t<sizeof(long) == sizeof(void*), long, long long>;
using enum_fn = int(THUNK_STDCALL*)(void* window, long_ptr lparam);
using lparam_fn = int(THUNK_STDCALL*)(const char* title, long_ptr lparam);
}  // namespace

TEST_CASE("a function pointer type and a function type describe the same callback", "[signature]") {
  STATIC_REQUIRE(std::is_same<thunk::function_pointer_t<int(const void*, const void*)>, cmp_fn>::value);
  STATIC_REQUIRE(std::is_same<thunk::function_pointer_t<cmp_fn>, cmp_fn>::value);
  STATIC_REQUIRE(std::is_same<thunk::result_t<cmp_fn>, int>::value);
  STATIC_REQUIRE(thunk::signature<cmp_fn>::arity == 2);
  STATIC_REQUIRE(!thunk::signature<cmp_fn>::is_noexcept);
  STATIC_REQUIRE(thunk::signature<void (*)(int) noexcept>::is_noexcept);
}

TEST_CASE("the calling convention is read from the pointer type", "[signature]") {
  STATIC_REQUIRE(std::is_same<thunk::convention_t<cmp_fn>, thunk::default_cc>::value);
#if defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<enum_fn>, thunk::stdcall_cc>::value);
  STATIC_REQUIRE(std::is_same<thunk::convention_t<int(THUNK_FASTCALL*)(int)>, thunk::fastcall_cc>::value);
  STATIC_REQUIRE(std::is_same<thunk::convention_t<int(THUNK_THISCALL*)(void*)>, thunk::thiscall_cc>::value);
#elif defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<int(THUNK_SYSV_ABI*)(int)>, thunk::sysv64_cc>::value);
#elif defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<int(THUNK_MS_ABI*)(int)>, thunk::win64_cc>::value);
#endif
  STATIC_REQUIRE(std::is_same<thunk::function_pointer_t<enum_fn>, enum_fn>::value);
}

TEST_CASE("the context parameter is the only void*, else the only pointer-sized integer", "[signature]") {
  STATIC_REQUIRE(thunk::context_index_v<qsort_r_fn> == 2);
  STATIC_REQUIRE(thunk::context_index_v<enum_fn> == 0);
  STATIC_REQUIRE(thunk::context_index_v<lparam_fn> == 1);
  STATIC_REQUIRE(thunk::context_index_v<void* (*)(void*)> == 0);
  STATIC_REQUIRE(thunk::context_index_v<int (*)(std::make_unsigned_t<long_ptr>, short)> == 0);
  STATIC_REQUIRE(thunk::context_index_v<void (*)(void*, void*), 1> == 1);
}
