// thunk/closure.hpp: real thunks for callbacks with no context slot.
#include <thunk/closure.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "support/round_trip.hpp"

#if THUNK_HAS_CLOSURE

namespace {

using namespace rt;

template <class... A, std::size_t... I>
std::tuple<A...> make_args(unsigned seed, std::index_sequence<I...>) {
  return std::tuple<A...>{rt::make<A>(seed * 16 + static_cast<unsigned>(I))...};
}

enum class callable_kind { one_pointer_lambda, std_function, move_only_functor };

/// Calls a closure of type P through its pointer with distinct arguments and
/// checks every argument that arrived and the result that came back.
template <class P, class Path, class R, class... A>
void round_trip(callable_kind kind, thunk::detail::type_list<A...>) {
  for (unsigned seed : {1u, 2u, 7u}) {
    const std::tuple<A...> sent = make_args<A...>(seed, std::index_sequence_for<A...>{});
    struct record {
      std::tuple<A...> seen{};
      int calls = 0;
    } rec;
    auto body = [](record& r, A... a) -> R {
      r.seen = std::tuple<A...>(a...);
      ++r.calls;
      return rt::result_of<R>(a...);
    };
    thunk::closure<P, Path> c;
    switch (kind) {
      case callable_kind::one_pointer_lambda: {
        record* r = &rec;
        c = thunk::closure<P, Path>([r, body](A... a) -> R { return body(*r, a...); });
        break;
      }
      case callable_kind::std_function:
        c = thunk::closure<P, Path>(std::function<R(A...)>([&rec, body](A... a) -> R { return body(rec, a...); }));
        break;
      case callable_kind::move_only_functor: {
        struct functor {
          std::unique_ptr<record*> target;
          decltype(body) f;
          R operator()(A... a) { return f(**target, a...); }
        };
        c = thunk::closure<P, Path>(functor{std::make_unique<record*>(&rec), body});
        break;
      }
    }
    P volatile opaque = c.get();
    P fn = opaque;
    if constexpr (std::is_void<R>::value) {
      std::apply(fn, sent);
    } else {
      const R got = std::apply(fn, sent);
      const R expected = std::apply([](const A&... a) { return rt::result_of<R>(a...); }, sent);
      CHECK(got == expected);
    }
    CHECK(rec.calls == 1);
    CHECK(rec.seen == sent);
  }
}

template <class Path, class... P>
void round_trip_all() {
  for (callable_kind kind :
       {callable_kind::one_pointer_lambda, callable_kind::std_function, callable_kind::move_only_functor}) {
    (
        [&] {
          INFO("signature " << thunk::detail::pretty_signature<P>() << ", callable kind " << static_cast<int>(kind));
          round_trip<P, Path, thunk::result_t<P>>(kind, typename thunk::signature<P>::argument_types{});
        }(),
        ...);
  }
}

using i8 = std::int8_t;
using u8 = std::uint8_t;
using i16 = std::int16_t;
using u16 = std::uint16_t;
using i32 = std::int32_t;
using u32 = std::uint32_t;
using i64 = std::int64_t;
using u64 = std::uint64_t;

#define SCALAR_SIGNATURES                                                                                      \
  void (*)(), int (*)(), int (*)(int), i8 (*)(i8, u8), i16 (*)(i16, u16, i8), u32 (*)(i32, u32),              \
      i64 (*)(i64, u64, i64), bool (*)(bool, char, signed char, unsigned char), float (*)(float),              \
      double (*)(double, double), long double (*)(long double, int), double (*)(float, double, int, long double), \
      void* (*)(void*, const char*), small_enum (*)(small_enum, wide_enum), wide_enum (*)(wide_enum),          \
      int (*)(int, int, int, int, int), int (*)(int, int, int, int, int, int),                                 \
      int (*)(int, int, int, int, int, int, int), int (*)(i8, i16, i32, i64, u8, u16, u32, u64),               \
      double (*)(double, double, double, double, double, double, double, double, double),                      \
      i64 (*)(int, double, int, double, int, double, int, double, int, double, int, double),                   \
      u8 (*)(u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8), long double (*)(long double, long double),  \
      int (*)(const void*, const void*), unsigned long long (*)(char, short, int, long, long long)

#define STRUCT_SIGNATURES                                                                                     \
  int (*)(s1, s4), s8 (*)(s8, int), s12 (*)(s12), s16 (*)(s16, s16), mixed_fi (*)(mixed_fi, double),          \
      mixed_di (*)(mixed_di, int), hfa2f (*)(hfa2f, float), hfa3f (*)(hfa3f), hfa4d (*)(hfa4d, hfa4d),          \
      big (*)(big, int), huge (*)(huge, const char*), void (*)(int, s16, double, big, float),                   \
      s1 (*)(int, int, int, int, int, int, int, int, s1)

}  // namespace

TEST_CASE("every argument and the result cross a closure of a scalar signature", "[closure]") {
  round_trip_all<thunk::path::automatic, SCALAR_SIGNATURES>();
}

TEST_CASE("every argument and the result cross a closure of a struct signature", "[closure]") {
  round_trip_all<thunk::path::automatic, STRUCT_SIGNATURES>();
}

TEST_CASE("the general path carries every signature the register path would take", "[closure]") {
  round_trip_all<thunk::path::general, SCALAR_SIGNATURES>();
  round_trip_all<thunk::path::general, STRUCT_SIGNATURES>();
}

TEST_CASE("the register path is taken where the arguments leave an integer register free", "[closure][abi]") {
  using thunk::detail::abi::general;
  using thunk::detail::register_kind;
  using cc = thunk::default_cc;
#if defined(THUNK_ARCH_X86_64) && !defined(THUNK_OS_WINDOWS)
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
#elif defined(THUNK_ARCH_X86_64)
  STATIC_REQUIRE(register_kind<cc, int, const void*, const void*>::value == thunk::detail::x86_64::r8);
  STATIC_REQUIRE(register_kind<cc, void>::value == thunk::detail::x86_64::rcx);
  STATIC_REQUIRE(register_kind<cc, s16, int>::value == general);
  STATIC_REQUIRE(register_kind<thunk::sysv64_cc, int, double, int>::value == thunk::detail::x86_64::rsi);
#elif defined(THUNK_ARCH_AARCH64)
  STATIC_REQUIRE(register_kind<cc, int, const void*, const void*>::value == thunk::detail::aarch64::x2);
  STATIC_REQUIRE(register_kind<cc, big, int>::value == thunk::detail::aarch64::x1);  // x8 return shifts nothing
  STATIC_REQUIRE(register_kind<cc, int, hfa2f>::value == general);
#else
  // i386, RISC-V 64 and ARMv7: every closure takes the general path.
  STATIC_REQUIRE(register_kind<cc, int, int>::value == general);
  STATIC_REQUIRE(register_kind<cc, void>::value == general);
#endif
}

// ---- calling conventions ----------------------------------------------------------

#if defined(THUNK_ARCH_X86_32)
// GCC warns that thiscall is "used for non-class method" on these pointer
// types, and honours it: the warning is noise here.
#  pragma GCC diagnostic ignored "-Wattributes"
#  define CONVENTION_SIGNATURES                                                                               \
    int(THUNK_STDCALL*)(int, double, s8), s16(THUNK_STDCALL*)(s16, int), void(THUNK_STDCALL*)(),               \
        int(THUNK_FASTCALL*)(int, int, int), double(THUNK_FASTCALL*)(double, int, i8),                          \
        i64(THUNK_FASTCALL*)(i64, int), int(THUNK_THISCALL*)(void*, int), s12(THUNK_THISCALL*)(void*, s12, int), \
        int(THUNK_CDECL*)(int, int)
#elif defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
// MinGW GCC 12 has an internal compiler error (choose_baseaddr, i386.cc:7058)
// on sysv_abi functions taking structs by value: scalars only there.
#  define CONVENTION_SIGNATURES                                                                          \
    int(THUNK_SYSV_ABI*)(int, int, int), double(THUNK_SYSV_ABI*)(float, double, int, long long),          \
        int(THUNK_SYSV_ABI*)(int, int, int, int, int, int, int), int (*)(int, double, int),                 \
        int (*)(int, int, int, int), s16 (*)(s16, int)
#elif defined(THUNK_ARCH_X86_64)
#  define CONVENTION_SIGNATURES                                                                         \
    int(THUNK_MS_ABI*)(int, int, int), int(THUNK_MS_ABI*)(int, int, int, int), s16(THUNK_MS_ABI*)(s16, int), \
        double(THUNK_MS_ABI*)(float, double, int), s8(THUNK_MS_ABI*)(s8, big),                          \
        long double(THUNK_MS_ABI*)(long double, int), int(THUNK_SYSV_ABI*)(int, int)
#else
#  define CONVENTION_SIGNATURES int (*)(int)
#endif

TEST_CASE("a closure takes the calling convention of its pointer type", "[closure][abi]") {
  round_trip_all<thunk::path::automatic, CONVENTION_SIGNATURES>();
  round_trip_all<thunk::path::general, CONVENTION_SIGNATURES>();
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

#endif  // THUNK_HAS_CLOSURE
