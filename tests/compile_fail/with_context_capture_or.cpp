// capture_or(v) needs a place for v: with_context refuses it.
#include <thunk/context.hpp>

int use() {
  using P = int (*)(int, void*);
  auto f = [](int x) { return x; };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto cb = thunk::with_context<P>(f, thunk::capture_or(-1));
#else
  auto cb = thunk::with_context<P>(f, thunk::capture);
#endif
  return cb.function(1, cb.context);
}
