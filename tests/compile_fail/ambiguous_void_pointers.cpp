// Two void* parameters: which one is the context? The explicit index decides.
#include <thunk/context.hpp>

void use() {
  using P = void (*)(void*, void*);
  auto f = [](void*) {};
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto cb = thunk::with_context<P>(f);
#else
  auto cb = thunk::with_context<P, 1>(f);
#endif
  cb.function(nullptr, cb.context);
}
