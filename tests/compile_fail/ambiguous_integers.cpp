// Two pointer-sized integers and no void*: the explicit index decides.
#include <cstdint>
#include <thunk/context.hpp>

void use() {
  using P = void (*)(std::intptr_t, std::intptr_t);
  auto f = [](std::intptr_t) {};
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto cb = thunk::with_context<P>(f);
#else
  auto cb = thunk::with_context<P, 0>(f);
#endif
  cb.function(cb.context, 0);
}
