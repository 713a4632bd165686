// thunk::typed_static_closure<P, F, N>: a pool typed by the callable, whose
// slot functions call it directly (issue 10, item 4).
#include <cstdlib>
#include <memory>
#include <string>
#include <thunk/typed_static_closure.hpp>
#include <vector>

#include "catch.hpp"

namespace {
using cmp_fn = int (*)(const void*, const void*);
}

TEST_CASE("typed_static_closure: qsort through a typed slot, values crossing exactly") {
  int calls = 0;
  auto cmp = [&calls](const void* a, const void* b) {
    ++calls;
    const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
    return (x > y) - (x < y);
  };
  using tsc = thunk::typed_static_closure<cmp_fn, decltype(cmp), 2>;
  tsc c(cmp);
  REQUIRE(c);
  std::vector<int> v{5, -3, 9, 0, 2};
  std::qsort(v.data(), v.size(), sizeof(int), c.get());
  CHECK(v == std::vector<int>{-3, 0, 2, 5, 9});
  CHECK(calls > 0);
  int one = 1, two = 2;
  CHECK(c.get()(&one, &two) == -1);

  tsc d(cmp);
  CHECK(d.get() != c.get());
  std::error_code ec;
  tsc e = tsc::make(cmp, ec);  // both slots taken
  CHECK(ec == thunk::errc::pool_exhausted);
  CHECK_FALSE(e);
  cmp_fn old = c.get();
  tsc moved = std::move(c);
  CHECK(moved.get() == old);
  CHECK_FALSE(c);
}

namespace {
using int_fn = int (*)(int);
struct resetter;
using self_pool = thunk::typed_static_closure<int_fn, resetter, 1>;
self_pool* g_owner = nullptr;
struct resetter {
  std::string text;
  std::string* seen;
  int operator()(int x) const {
    g_owner->reset();
    *seen = text;  // the capture is alive until the call returns
    return x + 1;
  }
};
}  // namespace

TEST_CASE("typed_static_closure: reset from inside its own call is deferred to its return") {
  std::string seen;
  self_pool c(resetter{std::string(64, 'y'), &seen});
  g_owner = &c;
  CHECK(c.get()(1) == 2);
  CHECK(seen == std::string(64, 'y'));
  CHECK_FALSE(c);
  self_pool again(resetter{std::string(3, 'z'), &seen});  // the one slot came back when the call returned
  CHECK(again);
}
