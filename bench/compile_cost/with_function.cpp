// The same TU written with std::function (and a hand-written trampoline for
// the context callback): the baseline.
#include <functional>

extern "C" int api_with_context(int (*cb)(int, void*), void* ctx);
extern "C" void api_without_context(int (*cb)(int));

namespace {
std::function<int(int)> current;
int trampoline(int x) { return current(x); }
int context_trampoline(int x, void* ctx) { return (*static_cast<std::function<int(int)>*>(ctx))(x); }
}  // namespace

int use(int k) {
  int total = 0;
  std::function<int(int)> f = [&](int x) { return total += x * k; };
  api_with_context(&context_trampoline, &f);
  current = [k](int x) { return x + k; };
  api_without_context(&trampoline);
  return total;
}
