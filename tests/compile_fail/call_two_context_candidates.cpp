// The API parameter after the callback matches two of the callback's parameters:
// all three positions must be named.
#include <cstdint>
#include <thunk/context.hpp>

typedef int (*proc)(std::intptr_t a, std::intptr_t b);
extern "C" int api(proc cb, std::intptr_t lparam);

int use() {
  auto f = [](std::intptr_t x) { return static_cast<int>(x); };
#ifndef THUNK_COMPILE_FAIL_CONTROL
  return thunk::call(api, f);
#else
  return thunk::call<0, 1, 1>(api, f);
#endif
}
