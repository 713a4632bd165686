// The exceptions TU: a static_closure pool of one slot, a second claim
// fails, and the thunk::error must reach this catch (not abort in the
// -fno-exceptions TU's copy of detail::raise).
#include <cstdio>
#include <thunk/thunk.hpp>

int no_exceptions_user(int x);

namespace {
struct exceptions_pool {};
}  // namespace

int main() {
  if (no_exceptions_user(5) != 10 + (THUNK_HAS_CLOSURE ? 6 : 0)) return 3;
  using sc = thunk::static_closure<int (*)(int), 1, exceptions_pool>;
  sc first([](int v) { return v; });
  try {
    sc second([](int v) { return v + 1; });  // the pool has one slot: thunk::error
    std::puts("no exception");
    return 1;
  } catch (const thunk::error& e) {
    std::printf("caught thunk::error: %s (pool_exhausted: %s)\n", e.what(),
                e.code() == thunk::errc::pool_exhausted ? "yes" : "no");
    return e.code() == thunk::errc::pool_exhausted ? 0 : 2;
  }
}
