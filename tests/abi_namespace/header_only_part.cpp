// The header-only half of a program that mixes the two builds of thunk (a
// static library made with thunk::thunk, linked into a program made with
// thunk::compiled): its closures come from its own copy of thunk.
#include <cstdio>
#include <thunk/thunk.hpp>

#define HEADER_ONLY_STR2(x) #x
#define HEADER_ONLY_STR(x) HEADER_ONLY_STR2(x)

const char* header_only_namespace() { return HEADER_ONLY_STR(THUNK_ABI_NAMESPACE); }

namespace {
int api_twice(int (*cb)(int, void*), void* ctx) { return cb(1, ctx) + cb(2, ctx); }
}  // namespace

int header_only_part(int k) {
  int total = 0;
  thunk::call(api_twice, [&](int x) { return total += x * k; });
#if THUNK_HAS_CLOSURE
  thunk::closure<int (*)(int)> add([k](int x) { return x + k; });
  total += add.get()(100);
#endif
  return total;
}
