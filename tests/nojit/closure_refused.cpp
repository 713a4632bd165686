// Under THUNK_NO_JIT the library never asks for executable memory, so
// thunk::closure refuses to compile and its message points to
// thunk::static_closure. The control build (THUNK_COMPILE_FAIL_CONTROL) uses
// static_closure instead and must compile, in the same mode.
#ifndef THUNK_NO_JIT
#  define THUNK_NO_JIT 1
#endif
#include <thunk/thunk.hpp>

int use_a_callback_without_context() {
#if defined(THUNK_COMPILE_FAIL_CONTROL)
  thunk::static_closure<int (*)(int), 2> c([](int x) { return x + 1; });
#else
  thunk::closure<int (*)(int)> c([](int x) { return x + 1; });
#endif
  return c.get()(1);
}
