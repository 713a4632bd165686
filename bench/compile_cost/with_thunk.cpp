// One closure and one context callback: what a user's TU with thunk holds.
#include <thunk/thunk.hpp>

extern "C" int api_with_context(int (*cb)(int, void*), void* ctx);
extern "C" void api_without_context(int (*cb)(int));

int use(int k) {
  int total = 0;
  thunk::call(api_with_context, [&](int x) { return total += x * k; });
  thunk::closure<int (*)(int)> c([k](int x) { return x + k; });
  api_without_context(c.get());
  return total;
}
