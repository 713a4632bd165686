// thunk/closure.hpp: real thunks for callbacks with no context slot: which
// path a signature takes, ownership, re-entrancy, errors.
//
// The signature suite runs in closure_suite_test.cpp (the default convention)
// and closure_convention_test.cpp (the others), on both paths.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thunk/closure.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "support/signatures.hpp"

#if THUNK_HAS_CLOSURE

namespace {
/// register_kind<Tag, R, A...> for a case of the suite.
template <class Tag, class Case, class L = typename Case::argument_types>
struct kind_of;
template <class Tag, class Case, class... A>
struct kind_of<Tag, Case, thunk_test::types<A...>> {
  static constexpr int value = thunk::detail::register_kind<Tag, typename Case::result_type, A...>::value;
};
}  // namespace

TEST_CASE("the register path is taken where the arguments leave an integer register free", "[closure][abi]") {
  using thunk::detail::register_kind;
  using thunk::detail::abi::general;
  using cc = thunk::default_cc;
  namespace cases = thunk_test::cases;
  using thunk_test::big40;
  using thunk_test::hfa_f2;
  using thunk_test::s16;
  using thunk_test::s8;
#  if defined(THUNK_ARCH_X86_64) && !defined(THUNK_OS_WINDOWS)
  STATIC_REQUIRE(register_kind<cc, int, const void*, const void*>::value == thunk::detail::x86_64::rdx);
  STATIC_REQUIRE(register_kind<cc, void>::value == thunk::detail::x86_64::rdi);
  STATIC_REQUIRE(register_kind<cc, double, double, double, int>::value == thunk::detail::x86_64::rsi);
  STATIC_REQUIRE(register_kind<cc, int, int, int, int, int, int>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(register_kind<cc, int, int, int, int, int, int, int>::value == general);
  STATIC_REQUIRE(register_kind<cc, s8, int>::value == general);           // struct return
  STATIC_REQUIRE(register_kind<cc, int, s8>::value == general);           // struct argument
  STATIC_REQUIRE(register_kind<cc, int, long double>::value == general);  // memory class
  STATIC_REQUIRE(register_kind<thunk::win64_cc, int, double, int>::value == thunk::detail::x86_64::r8);
  STATIC_REQUIRE(register_kind<thunk::win64_cc, int, int, int, int>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(register_kind<thunk::win64_cc, int, int, int, int, int>::value == general);
  // The suite's register-filling cases: the last free register, or none.
  STATIC_REQUIRE(kind_of<cc, cases::registers_but_one>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(kind_of<cc, cases::registers_full>::value == general);
  STATIC_REQUIRE(kind_of<cc, cases::registers_full_structs>::value == general);
  STATIC_REQUIRE(kind_of<thunk::win64_cc, cases::win64_last_register>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(kind_of<thunk::win64_cc, cases::win64_registers_full>::value == general);
  STATIC_REQUIRE(kind_of<thunk::win64_cc, cases::win64_registers_full_structs>::value == general);
#  elif defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(register_kind<cc, int, const void*, const void*>::value == thunk::detail::x86_64::r8);
  STATIC_REQUIRE(register_kind<cc, void>::value == thunk::detail::x86_64::rcx);
  STATIC_REQUIRE(register_kind<cc, s16, int>::value == general);
  STATIC_REQUIRE(register_kind<thunk::sysv64_cc, int, double, int>::value == thunk::detail::x86_64::rsi);
  STATIC_REQUIRE(kind_of<cc, cases::win64_last_register>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(kind_of<cc, cases::win64_registers_full>::value == general);
  STATIC_REQUIRE(kind_of<cc, cases::win64_registers_full_structs>::value == general);
  STATIC_REQUIRE(kind_of<thunk::sysv64_cc, cases::registers_but_one>::value == thunk::detail::x86_64::r9);
  STATIC_REQUIRE(kind_of<thunk::sysv64_cc, cases::registers_full>::value == general);
#    if THUNK_TEST_VECTORCALL_EXISTS
  // vectorcall: always the general path.
  STATIC_REQUIRE(register_kind<thunk::vectorcall_cc, int, int>::value == general);
#    endif
#  elif defined(THUNK_ARCH_AARCH64)
  STATIC_REQUIRE(register_kind<cc, int, const void*, const void*>::value == thunk::detail::aarch64::x2);
  STATIC_REQUIRE(register_kind<cc, big40, int>::value == thunk::detail::aarch64::x1);  // x8 return shifts nothing
  STATIC_REQUIRE(register_kind<cc, int, hfa_f2>::value == general);
  STATIC_REQUIRE(kind_of<cc, cases::registers_but_one>::value == thunk::detail::aarch64::x7);
  STATIC_REQUIRE(kind_of<cc, cases::registers_full>::value == general);
  STATIC_REQUIRE(kind_of<cc, cases::registers_full_structs>::value == general);
#  else
  // i386, RISC-V 64 and ARMv7: every closure takes the general path.
  STATIC_REQUIRE(register_kind<cc, int, int>::value == general);
  STATIC_REQUIRE(register_kind<cc, void>::value == general);
  STATIC_REQUIRE(kind_of<cc, cases::registers_but_one>::value == general);
#  endif
}

// ---- ownership ----------------------------------------------------------------------

TEST_CASE("a closure owns its callable and a move keeps the pointer valid", "[closure]") {
  auto state = std::make_shared<int>(40);
  std::weak_ptr<int> watch = state;
  using fn = int (*)(int);
  thunk::closure<fn> a([state](int x) { return *state + x; });
  state.reset();
  REQUIRE_FALSE(watch.expired());
  fn p = a.get();
  CHECK(p(2) == 42);

  thunk::closure<fn> b = std::move(a);
  CHECK_FALSE(a);
  CHECK(b.get() == p);
  CHECK(p(3) == 43);

  std::vector<thunk::closure<fn>> many;
  many.push_back(std::move(b));
  for (int i = 0; i < 100; ++i) many.emplace_back([i](int x) { return i * 1000 + x; });
  CHECK(p(4) == 44);  // the vector's reallocations moved the owner, not the thunk
  for (int i = 0; i < 100; ++i) CHECK(many[static_cast<std::size_t>(i) + 1].get()(i) == i * 1001);

  many.clear();
  CHECK(watch.expired());
}

TEST_CASE("two closures of the same lambda type each see their own state", "[closure]") {
  auto make = [](int base) { return thunk::closure<int (*)(int)>([base](int x) { return base + x; }); };
  auto one = make(100), two = make(200);
  REQUIRE(one.get() != two.get());
  CHECK(one.get()(1) == 101);
  CHECK(two.get()(1) == 201);
}

TEST_CASE("a closure calls another, and itself, re-entrantly", "[closure]") {
  using fn = long (*)(long);
  thunk::closure<fn> square([](long x) { return x * x; });
  fn sq = square.get();
  thunk::closure<fn> sum_of_squares([sq](long n) {
    long s = 0;
    for (long i = 1; i <= n; ++i) s += sq(i);
    return s;
  });
  CHECK(sum_of_squares.get()(10) == 385);

  fn self = nullptr;
  thunk::closure<fn> factorial([&self](long n) { return n <= 1 ? 1 : n * self(n - 1); });
  self = factorial.get();
  CHECK(self(12) == 479001600L);

  // The same through the general path, where the context goes per thread.
  using gfn = long (*)(long);
  gfn gself = nullptr;
  thunk::closure<gfn, thunk::path::general> depth([&gself](long n) { return n == 0 ? 0 : 1 + gself(n - 1); });
  gself = depth.get();
  CHECK(gself(500) == 500);
}

TEST_CASE("an empty closure and reset", "[closure]") {
  thunk::closure<void (*)()> c;
  CHECK_FALSE(c);
  CHECK(c.get() == nullptr);
  int n = 0;
  c = thunk::closure<void (*)()>([&n] { ++n; });
  REQUIRE(c);
  c.get()();
  c.reset();
  CHECK_FALSE(c);
  CHECK(n == 1);
}

TEST_CASE("the non-throwing factory reports success with an empty error code", "[closure]") {
  std::error_code ec = make_error_code(thunk::errc::out_of_memory);
  auto c = thunk::make_closure<int (*)(int)>([](int x) { return -x; }, ec);
  CHECK_FALSE(ec);
  REQUIRE(c);
  CHECK(c.get()(5) == -5);
}

#  if THUNK_HAS_EXCEPTIONS
TEST_CASE("a captured exception returns the fallback and is rethrown in C++", "[closure][exceptions]") {
  using fn = int (*)(int);
  thunk::closure<fn> c(
      [](int x) -> int {
        if (x > 2) throw std::runtime_error("too big: " + std::to_string(x));
        return x * 10;
      },
      thunk::capture);
  CHECK(c.get()(1) == 10);
  CHECK(c.get()(3) == 0);  // value-initialised fallback
  CHECK_THROWS_WITH(c.rethrow_if_captured(), "too big: 3");
  CHECK_NOTHROW(c.rethrow_if_captured());  // cleared

  thunk::closure<fn> d([](int) -> int { throw 7; }, thunk::capture_or(-1));
  CHECK(d.get()(0) == -1);
  CHECK_THROWS_AS(d.rethrow_if_captured(), int);
}
#  endif

#else
THUNK_TEST_SKIP_PROGRAM("closure: ownership and paths",
                        "thunk::closure does not exist in this build (THUNK_HAS_CLOSURE is 0)")
#endif  // THUNK_HAS_CLOSURE
