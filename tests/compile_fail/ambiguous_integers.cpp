// Two pointer-sized integers and no void*: the explicit index decides.
#include <cstdint>
#include <thunk/context.hpp>
#include <type_traits>

// LONG_PTR's shape: a long-family integer as wide as a pointer on every target
// (intptr_t is int on ILP32, which is never a context).
using long_ptr = std::conditional_t<sizeof(long) == sizeof(void*), long, long long>;

void use() {
  using P = void (*)(long_ptr, long_ptr);
  auto f = [](long_ptr) {};
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto cb = thunk::with_context<P>(f);
#else
  auto cb = thunk::with_context<P, 0>(f);
#endif
  cb.function(cb.context, 0);
}
