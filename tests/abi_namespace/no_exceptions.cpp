// Built with -fno-exceptions and linked FIRST: its copies of thunk's inline
// functions (detail::raise aborts here) must not replace the exceptions
// TU's. The ABI namespace (thunk::v…_n… vs thunk::v…_e…) keeps them apart.
#include <thunk/thunk.hpp>

namespace {
struct no_exceptions_pool {};
}  // namespace

int no_exceptions_user(int x) {
  // Instantiates the same throwing paths (constructor -> detail::raise) as
  // the other TU, compiled without exceptions.
  thunk::static_closure<int (*)(int), 1, no_exceptions_pool> one([](int v) { return v * 2; });
  int r = one.get()(x);
#if THUNK_HAS_CLOSURE
  thunk::closure<int (*)(int)> c([](int v) { return v + 1; });
  r += c.get()(x);
#endif
  return r;
}
