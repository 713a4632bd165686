// thunk::call needs every API argument except the callback and its context.
#include <thunk/context.hpp>

extern "C" int api(int (*cb)(int, void*), void* ctx, int count);

int use() {
  auto f = [](int x) { return x; };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  return thunk::call(api, f);  // count is missing
#else
  return thunk::call(api, f, 3);
#endif
}
