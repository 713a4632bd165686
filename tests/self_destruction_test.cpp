// Destroying an owning type from inside its own call on the same thread
// (issue 12, item 7): a one-shot timer that resets itself, a window procedure
// that deletes its object on WM_NCDESTROY. reset(), destruction and
// move-assignment there must leave the running callable and its slot valid
// until the call returns; the release happens then. The ASan row (and this
// file's own ASan build) turns a use-after-free into a failure.
#include <memory>
#include <string>
#include <thunk/closure.hpp>
#include <thunk/static_closure.hpp>

#include "catch.hpp"

namespace {
using P = int (*)(int);
const std::string long_text(64, 'x');  // on the heap: ASan sees a freed capture
}  // namespace

#if THUNK_HAS_CLOSURE
TEST_CASE("closure: reset() from inside its own call keeps the callable until the call returns") {
  std::unique_ptr<thunk::closure<P>> holder;
  std::string seen;
  holder = std::make_unique<thunk::closure<P>>([&holder, &seen, text = long_text](int x) {
    holder->reset();    // the one-shot pattern
    seen = text + "!";  // the capture is still alive
    return x + static_cast<int>(text.size());
  });
  P fn = holder->get();
  CHECK(fn(1) == 65);
  CHECK(seen == long_text + "!");
  CHECK_FALSE(*holder);
}

TEST_CASE("closure: destroying it from inside its own call is safe") {
  auto holder = std::make_unique<thunk::closure<P>>();
  int after = 0;
  *holder = thunk::closure<P>([&holder, &after, text = long_text](int x) {
    holder.reset();  // the closure object itself is gone
    after = static_cast<int>(text.size()) + x;
    return after;
  });
  P fn = holder->get();
  CHECK(fn(2) == 66);
  CHECK(after == 66);
  CHECK(holder == nullptr);
}

TEST_CASE("closure: move-assigning over it from inside its own call is safe") {
  thunk::closure<P> c;
  std::string seen;
  c = thunk::closure<P>([&c, &seen, text = long_text](int x) {
    c = thunk::closure<P>([](int y) { return -y; });
    seen = text;
    return x * 2;
  });
  P first = c.get();
  CHECK(first(21) == 42);
  CHECK(seen == long_text);
  CHECK(c.get() != first);
  CHECK(c.get()(5) == -5);
}

TEST_CASE("closure: a one-pointer callable (kept in the data slot) resetting itself") {
  thunk::closure<P> c;
  thunk::closure<P>* self = &c;
  static thunk::closure<P>* g_self;
  g_self = self;
  c = thunk::closure<P>([self](int x) {
    self->reset();
    return x + (self == g_self ? 1 : 0);  // reads the capture after reset
  });
  CHECK(c.get()(9) == 10);
  CHECK_FALSE(c);
}

TEST_CASE("closure: reset from a nested call of the same closure waits for the outermost call") {
  thunk::closure<P> c;
  std::string seen;
  c = thunk::closure<P>([&c, &seen, text = long_text](int depth) {
    P self = c ? c.get() : nullptr;
    if (depth == 0) {
      c.reset();
    } else if (self) {
      self(depth - 1);
    }
    seen = text;  // after the inner call reset the closure
    return depth;
  });
  CHECK(c.get()(2) == 2);
  CHECK(seen == long_text);
  CHECK_FALSE(c);
}

#  if THUNK_HAS_EXCEPTIONS
TEST_CASE("closure: self-reset under the capture policy, then a throw") {
  auto holder = std::make_unique<thunk::closure<P>>();
  *holder = thunk::closure<P>(
      [&holder, text = long_text](int) -> int {
        holder.reset();
        throw std::runtime_error(text);
      },
      thunk::capture_or(-1));
  P fn = holder->get();
  CHECK(fn(0) == -1);  // the exception died with its closure: nobody can collect it
}
#  endif
#endif

namespace {
struct self_pool {};
using sc = thunk::static_closure<P, 2, self_pool>;
}  // namespace

TEST_CASE("static_closure: reset() from inside its own call keeps the callable and the slot until it returns") {
  std::unique_ptr<sc> holder;
  std::string seen;
  std::size_t in_use_inside = 0;
  holder = std::make_unique<sc>([&, text = long_text](int x) {
    holder->reset();
    in_use_inside = sc::in_use();  // still taken: the call runs on it
    seen = text + "?";
    return x + 1;
  });
  CHECK(sc::in_use() == 1);
  P fn = holder->get();
  CHECK(fn(1) == 2);
  CHECK(seen == long_text + "?");
  CHECK(in_use_inside == 1);
  CHECK(sc::in_use() == 0);  // released when the call returned
}

TEST_CASE("static_closure: destroying or move-assigning it from inside its own call is safe") {
  auto holder = std::make_unique<sc>();
  int after = 0;
  *holder = sc([&holder, &after, text = long_text](int x) {
    holder.reset();
    after = static_cast<int>(text.size()) + x;
    return after;
  });
  P fn = holder->get();
  CHECK(fn(3) == 67);
  CHECK(after == 67);
  CHECK(sc::in_use() == 0);

  sc c;
  std::string seen;
  c = sc([&c, &seen, text = long_text](int x) {
    c = sc([](int y) { return y * 10; });  // the pool has 2 slots: both taken meanwhile
    seen = text;
    return x;
  });
  CHECK(c.get()(7) == 7);
  CHECK(seen == long_text);
  CHECK(c.get()(7) == 70);
  CHECK(sc::in_use() == 1);
}
