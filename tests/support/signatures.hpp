// A reusable signature suite: C callback signatures, each with argument
// values that differ per call, the result expected from those arguments and
// a check of every argument that arrived.
//
// Every tier runs the same suite with its own callables:
//
//   thunk_test::for_each_case(thunk_test::all_cases{}, [](auto tag) {
//     using Case = typename decltype(tag)::type;
//     thunk_test::recorder<Case> rec;
//     auto f = thunk_test::mutable_lambda::make(rec);    // or const_lambda, std_function, function_object
//     typename Case::P p = /* the tier under test, e.g. */ closure.get();
//     for (unsigned seed = 0; seed < thunk_test::rounds; ++seed) {
//       const auto sent = Case::make_arguments(seed);
//       thunk_test::check_result(thunk_test::c_side::apply(p, sent), Case::expected(sent));  // R = void: just call
//       thunk_test::check_arrival(rec, seed, sent);   // the call count and every argument
//     }
//   });
//
// A case (a type deriving from basic_case<R, A...>) has:
//   P                    the C callback type, R (*)(A...); pointer<CC> in another convention
//   make_arguments(seed) a std::tuple<A...> of non-trivial values, distinct per argument and per
//                        seed, chosen so that truncation, a wrong sign extension, float/double
//                        confusion or a swapped argument shows (0x80, -2, 0xDEADBEEFCAFEF00D ...)
//   expected(args)       the result computed from every argument (a digest of all of them), so a
//                        hard-coded or stale result fails
//   check_arguments(sent, arrived)  one CHECK per argument
//
// context_case<Case, Slot, Ctx, CC> inserts a context parameter (void*, intptr_t, uintptr_t)
// first, in the middle or last, for the context tier; the callable still sees Case's
// arguments, and context_case::call(fn, args, ctx) calls from the C side with the
// context in place.
//
// c_side calls through a pointer whose value the optimiser cannot know, from a
// function that is never inlined, so every call really crosses the ABI. (The test
// programs are one translation unit each, so the C side cannot live in a separate
// .c file; the opaque pointer gives the same guarantee.)
//
// The same cases in another calling convention: Case::pointer<cc_stdcall> (and
// cc_fastcall, cc_thiscall, cc_ms_abi, cc_sysv_abi; each is the default where
// the target lacks it). compiler_cannot_build<CC, Case> names the combinations a
// compiler cannot build (a MinGW GCC 12 internal error).
#ifndef THUNK_TESTS_SUPPORT_SIGNATURES_HPP
#define THUNK_TESTS_SUPPORT_SIGNATURES_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <thunk/signature.hpp>
#include <tuple>
#include <type_traits>
#include <utility>

#include "catch.hpp"

#if defined(__GNUC__) || defined(__clang__)
#  define THUNK_TEST_NOINLINE __attribute__((noinline))
#  define THUNK_TEST_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#  define THUNK_TEST_NOINLINE
#  define THUNK_TEST_ALWAYS_INLINE inline
#endif

/// A test program with nothing to run in this configuration reports skipped
/// to ctest (exit code 77, its SKIP_RETURN_CODE) rather than passing empty.
#define THUNK_TEST_SKIP_PROGRAM(NAME, REASON)    \
  TEST_CASE(NAME) {                              \
    std::fputs("SKIPPED: " REASON "\n", stdout); \
    std::fflush(stdout);                         \
    std::exit(77);                               \
  }

namespace thunk_test {

/// How many calls each case makes; the seed (0 .. rounds-1) changes every value.
inline constexpr unsigned rounds = 6;

template <class... T>
struct types {
  static constexpr std::size_t size = sizeof...(T);
};
template <class T>
struct type_tag {
  using type = T;
};

/// Calls f(type_tag<T>{}) for every T of the list.
template <class... T, class F>
void for_each_case(types<T...>, F&& f) {
  (f(type_tag<T>{}), ...);
}

// ---- calling conventions, spelled here independently of the library ---------
// Each convention gives its pointer type and the tag thunk::convention_t must
// read back from it. THUNK_TEST_HAS_<CC> is 1 where the convention exists and
// differs from the target's default: only there is a test named for it
// instantiated (elsewhere THUNK_<CC> is empty and the test would re-run the
// default convention under another name). target_conventions lists the default
// and exactly those.
#if defined(THUNK_ARCH_X86_32)
#  define THUNK_TEST_HAS_STDCALL 1
#  define THUNK_TEST_HAS_FASTCALL 1
#  define THUNK_TEST_HAS_THISCALL 1
#else
#  define THUNK_TEST_HAS_STDCALL 0
#  define THUNK_TEST_HAS_FASTCALL 0
#  define THUNK_TEST_HAS_THISCALL 0
#endif
// GCC has no vectorcall; clang has it on i386 and on x86-64 Windows. But clang
// (14, Itanium mangling) gives a vectorcall function type the mangled name of
// the default one: a template instantiated for P and for P's vectorcall twin in
// one program is one function to the compiler and the linker (a "definition
// with same mangled name" error, or one silently replacing the other). So the
// vectorcall suites run in a program of their own, vectorcall_test.cpp, which
// defines THUNK_TEST_VECTORCALL_PROGRAM and instantiates nothing in the
// default convention; elsewhere vectorcall counts as absent.
#if defined(__clang__) && (defined(THUNK_ARCH_X86_32) || (defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)))
#  define THUNK_TEST_VECTORCALL_EXISTS 1
#else
#  define THUNK_TEST_VECTORCALL_EXISTS 0
#endif
#if THUNK_TEST_VECTORCALL_EXISTS && defined(THUNK_TEST_VECTORCALL_PROGRAM)
#  define THUNK_TEST_HAS_VECTORCALL 1
#else
#  define THUNK_TEST_HAS_VECTORCALL 0
#endif
#if defined(THUNK_ARCH_X86_64) && !defined(THUNK_OS_WINDOWS)
#  define THUNK_TEST_HAS_MS_ABI 1
#else
#  define THUNK_TEST_HAS_MS_ABI 0
#endif
#if defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
#  define THUNK_TEST_HAS_SYSV_ABI 1
#else
#  define THUNK_TEST_HAS_SYSV_ABI 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic push
// GCC says thiscall is "used for non-class method" on free function types, yet honours it.
#  pragma GCC diagnostic ignored "-Wattributes"
#endif
struct cc_default {
  static constexpr const char* name = "the default convention";
  template <class R, class... A>
  using pointer = R (*)(A...);
  using tag = thunk::default_cc;
};
struct cc_stdcall {
  static constexpr const char* name = "stdcall";
  template <class R, class... A>
  using pointer = R(THUNK_STDCALL*)(A...);
#if THUNK_TEST_HAS_STDCALL
  using tag = thunk::stdcall_cc;
#else
  using tag = thunk::default_cc;
#endif
};
struct cc_fastcall {
  static constexpr const char* name = "fastcall";
  template <class R, class... A>
  using pointer = R(THUNK_FASTCALL*)(A...);
#if THUNK_TEST_HAS_FASTCALL
  using tag = thunk::fastcall_cc;
#else
  using tag = thunk::default_cc;
#endif
};
struct cc_thiscall {
  static constexpr const char* name = "thiscall";
  template <class R, class... A>
  using pointer = R(THUNK_THISCALL*)(A...);
#if THUNK_TEST_HAS_THISCALL
  using tag = thunk::thiscall_cc;
#else
  using tag = thunk::default_cc;
#endif
};
struct cc_vectorcall {
  static constexpr const char* name = "vectorcall";
  template <class R, class... A>
  using pointer = R(THUNK_VECTORCALL*)(A...);
#if THUNK_TEST_VECTORCALL_EXISTS
  using tag = thunk::vectorcall_cc;
#else
  using tag = thunk::default_cc;
#endif
};
struct cc_ms_abi {
  static constexpr const char* name = "ms_abi";
  template <class R, class... A>
  using pointer = R(THUNK_MS_ABI*)(A...);
#if defined(THUNK_ARCH_X86_64)
  using tag = thunk::win64_cc;
#else
  using tag = thunk::default_cc;
#endif
};
struct cc_sysv_abi {
  static constexpr const char* name = "sysv_abi";
  template <class R, class... A>
  using pointer = R(THUNK_SYSV_ABI*)(A...);
#if defined(THUNK_ARCH_X86_64)
  using tag = thunk::sysv64_cc;
#else
  using tag = thunk::default_cc;
#endif
};
#if defined(__GNUC__) || defined(__clang__)
#  pragma GCC diagnostic pop
#endif

/// The default convention and every other one this target has (none collapsed to the default).
template <class... T>
struct concat;
template <class... A>
struct concat<types<A...>> {
  using type = types<A...>;
};
template <class... A, class... B, class... Rest>
struct concat<types<A...>, types<B...>, Rest...> : concat<types<A..., B...>, Rest...> {};
template <bool Has, class CC>
using only_if = std::conditional_t<Has, types<CC>, types<>>;
using target_conventions =
    typename concat<types<cc_default>, only_if<THUNK_TEST_HAS_STDCALL, cc_stdcall>,
                    only_if<THUNK_TEST_HAS_FASTCALL, cc_fastcall>, only_if<THUNK_TEST_HAS_THISCALL, cc_thiscall>,
                    only_if<THUNK_TEST_HAS_VECTORCALL, cc_vectorcall>, only_if<THUNK_TEST_HAS_MS_ABI, cc_ms_abi>,
                    only_if<THUNK_TEST_HAS_SYSV_ABI, cc_sysv_abi>>::type;

template <class CC>
struct convention_is_distinct : std::bool_constant<!std::is_same<typename CC::tag, thunk::default_cc>::value> {};
template <class... CC>
constexpr bool all_distinct_but_the_first(types<cc_default, CC...>) {
  return (true && ... && convention_is_distinct<CC>::value);
}
static_assert(all_distinct_but_the_first(target_conventions{}),
              "thunk_test: a convention named THUNK_TEST_HAS_* is the default's: its tests would re-run the default");

// ---- values ------------------------------------------------------------------

/// 0..100, distinct for distinct seeds (< 101) and for distinct positions.
inline std::uint64_t spread(unsigned seed, unsigned pos) { return (seed * 37u + pos * 11u + 5u) % 101u; }

inline std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xBF58476D1CE4E5B9ull;
}

template <class T, class = void>
struct is_test_struct : std::false_type {};
template <class T>
struct is_test_struct<T, typename T::thunk_test_struct> : std::true_type {};

/// A pool of objects pointer arguments and results point into.
template <class T>
T* pool_at(std::uint64_t i) {
  using object = std::conditional_t<std::is_void<T>::value, unsigned char, std::remove_cv_t<T>>;
  static object storage[101];
  return &storage[i % 101];
}

/// Function pointers as arguments: three distinct functions.
using unary_fn = std::int32_t (*)(std::int32_t);
inline std::int32_t negate_fn(std::int32_t x) { return -x; }
inline std::int32_t twice_fn(std::int32_t x) { return 2 * x; }
inline std::int32_t plus_seven_fn(std::int32_t x) { return x + 7; }
inline unary_fn unary_at(std::uint64_t i) {
  static const unary_fn fns[3] = {&negate_fn, &twice_fn, &plus_seven_fn};
  return fns[i % 3];
}

template <class T>
T make_value(unsigned seed, unsigned pos);

template <class T>
T integer_value(std::uint64_t k) {
  if constexpr (std::is_same<T, char>::value) {
    return static_cast<char>('A' + k % 26);
  } else if constexpr (std::is_signed<T>::value) {
    // Negative, and using every byte: a missing sign extension or a truncation shows.
    if constexpr (sizeof(T) == 1)
      return static_cast<T>(-2 - static_cast<std::int64_t>(k));
    else if constexpr (sizeof(T) == 2)
      return static_cast<T>(-0x7F00 + 3 * static_cast<std::int64_t>(k));
    else if constexpr (sizeof(T) == 4)
      return static_cast<T>(-0x7EDCBA98 + 0x10001 * static_cast<std::int64_t>(k));
    else
      return static_cast<T>(-0x0123456789ABCDEFll - 0x100000001ll * static_cast<std::int64_t>(k));
  } else {
    // The high bit set: a wrong sign extension shows.
    if constexpr (sizeof(T) == 1)
      return static_cast<T>(0x80 + k);
    else if constexpr (sizeof(T) == 2)
      return static_cast<T>(0x8000 + 0x101 * k);
    else if constexpr (sizeof(T) == 4)
      return static_cast<T>(0xDEADBEEFull - 0x10001ull * k);
    else
      return static_cast<T>(0xDEADBEEFCAFEF00Dull + 0x100000001ull * k);
  }
}

template <class T>
T make_value(unsigned seed, unsigned pos) {
  const std::uint64_t k = spread(seed, pos);
  if constexpr (is_test_struct<T>::value) {
    T v{};
    unsigned i = 0;
    std::apply(
        [&](auto&... field) {
          ((field = make_value<std::remove_reference_t<decltype(field)>>(seed, pos * 16 + i++)), ...);
        },
        v.fields());
    return v;
  } else if constexpr (std::is_enum<T>::value) {
    return static_cast<T>(integer_value<std::underlying_type_t<T>>(k));
  } else if constexpr (std::is_same<T, bool>::value) {
    return (seed + pos) % 3 != 1;
  } else if constexpr (std::is_integral<T>::value) {
    return integer_value<T>(k);
  } else if constexpr (std::is_same<T, float>::value) {
    // Exact dyadic values: no rounding anywhere, x87 excess precision included.
    return static_cast<float>(static_cast<int>(k) - 50) * 0.25f + static_cast<float>(pos) * 64.0f + 0.125f;
  } else if constexpr (std::is_same<T, double>::value) {
    // Needs 42 bits of mantissa: a double read as a float shows.
    const double v = 1099511627776.0 + static_cast<double>(k) * 4097.0 + static_cast<double>(pos) * 131.0 + 0.5;
    return k % 2 ? -v : v;
  } else if constexpr (std::is_same<T, long double>::value) {
    // Needs 63 bits of mantissa: a long double read as a double shows (where they differ).
    const long double v = static_cast<long double>((1ull << 61) + k * 1000003ull + pos * 77ull) + 0.25L;
    return k % 2 ? -v : v;
  } else if constexpr (std::is_same<T, unary_fn>::value) {
    return unary_at(k + pos);
  } else if constexpr (std::is_pointer<T>::value) {
    return pool_at<std::remove_pointer_t<T>>(k + pos);
  } else {
    static_assert(sizeof(T) == 0, "thunk_test: no value generator for this type");
  }
}

/// A digest of one value; all arguments' digests make a call's expected result.
template <class T>
std::uint64_t digest_of(const T& v) {
  if constexpr (is_test_struct<T>::value) {
    std::uint64_t h = 0x5EED;
    std::apply([&](const auto&... field) { ((h = mix(h, digest_of(field))), ...); }, v.fields());
    return h;
  } else if constexpr (std::is_enum<T>::value) {
    return static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_same<T, bool>::value) {
    return v ? 0x51 : 0x15;
  } else if constexpr (std::is_integral<T>::value) {
    return static_cast<std::uint64_t>(v);
  } else if constexpr (std::is_floating_point<T>::value) {
    const long long whole = static_cast<long long>(v);
    const long long eighths = static_cast<long long>((v - static_cast<T>(whole)) * 8);
    return static_cast<std::uint64_t>(whole) * 8 + static_cast<std::uint64_t>(eighths);
  } else if constexpr (std::is_same<T, unary_fn>::value) {
    return static_cast<std::uint64_t>(v(1000) + 0x7000);
  } else if constexpr (std::is_pointer<T>::value) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
  } else {
    static_assert(sizeof(T) == 0, "thunk_test: no digest for this type");
  }
}

/// A value of R made from a digest: every result depends on every argument.
template <class R>
R result_from(std::uint64_t h) {
  if constexpr (is_test_struct<R>::value) {
    R v{};
    std::uint64_t i = 0;
    std::apply(
        [&](auto&... field) { ((field = result_from<std::remove_reference_t<decltype(field)>>(mix(h, ++i))), ...); },
        v.fields());
    return v;
  } else if constexpr (std::is_enum<R>::value) {
    return static_cast<R>(result_from<std::underlying_type_t<R>>(h));
  } else if constexpr (std::is_same<R, bool>::value) {
    return ((h >> 7) & 1) != 0;
  } else if constexpr (std::is_same<R, char>::value) {
    return static_cast<char>('a' + h % 26);
  } else if constexpr (std::is_integral<R>::value) {
    return static_cast<R>(h ^ (h >> 29));
  } else if constexpr (std::is_same<R, float>::value) {
    return static_cast<float>(static_cast<int>(h % 4001) - 2000) * 0.5f;
  } else if constexpr (std::is_same<R, double>::value) {
    const double v = static_cast<double>(h % (1ull << 44)) + 0.75;
    return (h >> 50) & 1 ? -v : v;
  } else if constexpr (std::is_same<R, long double>::value) {
    const long double v = static_cast<long double>((h % (1ull << 60)) | (1ull << 60)) + 0.5L;
    return (h >> 62) & 1 ? -v : v;
  } else if constexpr (std::is_same<R, unary_fn>::value) {
    return unary_at(h);
  } else if constexpr (std::is_pointer<R>::value) {
    return pool_at<std::remove_pointer_t<R>>(h);
  } else {
    static_assert(sizeof(R) == 0, "thunk_test: no result maker for this type");
  }
}

// ---- printing in failure messages ----------------------------------------------

/// Wraps a value for CHECK so a failure prints it legibly: 1-byte integers as
/// numbers, pointers as addresses, floating point with every digit.
template <class T>
struct shown {
  const T& value;
  friend bool operator==(const shown& a, const shown& b) { return a.value == b.value; }
  friend std::ostream& operator<<(std::ostream& os, const shown& s) {
    if constexpr (std::is_integral<T>::value && sizeof(T) == 1 && !std::is_same<T, bool>::value) {
      return os << static_cast<int>(s.value);
    } else if constexpr (std::is_pointer<T>::value) {
      return os << "0x" << std::hex << reinterpret_cast<std::uintptr_t>(s.value) << std::dec;
    } else if constexpr (std::is_floating_point<T>::value) {
      const auto precision = os.precision(std::numeric_limits<T>::max_digits10);
      os << s.value;
      os.precision(precision);
      return os;
    } else {
      return os << s.value;
    }
  }
};

/// CHECK that a result is the expected one.
template <class R>
void check_result(const R& result, const R& expected) {
  CHECK(shown<R>{result} == shown<R>{expected});
}

// ---- structs by value --------------------------------------------------------
// THUNK_TEST_FIELDS lists the fields: equality, printing, values and digests come from it.
#define THUNK_TEST_FIELDS(...)                    \
  using thunk_test_struct = void;                 \
  auto fields() { return std::tie(__VA_ARGS__); } \
  auto fields() const { return std::tie(__VA_ARGS__); }

template <class T, class = std::enable_if_t<is_test_struct<T>::value>>
bool operator==(const T& a, const T& b) {
  return a.fields() == b.fields();
}
template <class T, class = std::enable_if_t<is_test_struct<T>::value>>
bool operator!=(const T& a, const T& b) {
  return !(a == b);
}

template <class T, class = std::enable_if_t<is_test_struct<T>::value>>
std::ostream& operator<<(std::ostream& os, const T& v) {
  os << '{';
  const char* sep = "";
  std::apply(
      [&](const auto&... field) { ((os << sep << shown<std::decay_t<decltype(field)>>{field}, sep = ", "), ...); },
      v.fields());
  return os << '}';
}

struct s1 {
  std::uint8_t a;
  THUNK_TEST_FIELDS(a)
};  // 1 byte
struct s2 {
  std::int16_t a;
  THUNK_TEST_FIELDS(a)
};  // 2 bytes
struct s3 {
  std::uint8_t a, b, c;
  THUNK_TEST_FIELDS(a, b, c)
};  // 3 bytes, odd size
struct s8 {
  std::int32_t a;
  std::uint32_t b;
  THUNK_TEST_FIELDS(a, b)
};  // 8
struct s12 {
  std::int32_t a, b, c;
  THUNK_TEST_FIELDS(a, b, c)
};  // 12
struct s16 {
  std::int64_t a;
  std::uint64_t b;
  THUNK_TEST_FIELDS(a, b)
};  // 16, two registers
struct mixed_fi {
  float f;
  std::int32_t i;
  THUNK_TEST_FIELDS(f, i)
};  // 8, float and int in one eightbyte
struct mixed_di {
  double d;
  std::int64_t i;
  THUNK_TEST_FIELDS(d, i)
};  // 16: SSE + INTEGER (SysV)
struct mixed_ifd {
  std::int16_t i;
  float f;
  double d;
  THUNK_TEST_FIELDS(i, f, d)
};  // 16: INTEGER + SSE
struct hfa_f2 {
  float a, b;
  THUNK_TEST_FIELDS(a, b)
};  // all-float HFA
struct hfa_f3 {
  float a, b, c;
  THUNK_TEST_FIELDS(a, b, c)
};
struct hfa_f4 {
  float a, b, c, d;
  THUNK_TEST_FIELDS(a, b, c, d)
};
struct hfa_d2 {
  double a, b;
  THUNK_TEST_FIELDS(a, b)
};  // all-double HFA
struct hfa_d3 {
  double a, b, c;
  THUNK_TEST_FIELDS(a, b, c)
};
struct hfa_d4 {
  double a, b, c, d;
  THUNK_TEST_FIELDS(a, b, c, d)
};  // 32 bytes: v0-v3 on AArch64
struct big40 {
  std::int64_t v[5];
  THUNK_TEST_FIELDS(v[0], v[1], v[2], v[3], v[4])
};                  // > 32 bytes
struct big_mixed {  // > 32 bytes, mixed
  double d[2];
  std::int32_t i[3];
  std::uint8_t tag[5];
  THUNK_TEST_FIELDS(d[0], d[1], i[0], i[1], i[2], tag[0], tag[1], tag[2], tag[3], tag[4])
};
static_assert(sizeof(s3) == 3 && sizeof(s16) == 16 && sizeof(big40) > 32 && sizeof(big_mixed) > 32,
              "thunk_test: struct sizes as the cases say");

// ---- enums -------------------------------------------------------------------
enum colour : std::uint8_t { red = 1, green = 2, blue = 3 };
enum class small_signed : std::int16_t { low = -1, high = 1 };
enum class wide : std::uint64_t { none = 0, all = ~0ull };

inline std::ostream& operator<<(std::ostream& os, colour v) { return os << "colour(" << static_cast<int>(v) << ')'; }
inline std::ostream& operator<<(std::ostream& os, small_signed v) {
  return os << "small_signed(" << static_cast<int>(v) << ')';
}
inline std::ostream& operator<<(std::ostream& os, wide v) {
  return os << "wide(0x" << std::hex << static_cast<std::uint64_t>(v) << std::dec << ')';
}

// ---- the case template -------------------------------------------------------

template <class R, class... A>
struct basic_case {
  using result_type = R;
  using argument_types = types<A...>;
  using arguments = std::tuple<A...>;
  /// The C callback type in convention CC.
  template <class CC = cc_default>
  using pointer = typename CC::template pointer<R, A...>;
  using P = pointer<>;
  /// Whether a struct crosses the boundary by value, as an argument or as the result.
  static constexpr bool has_struct_argument = (false || ... || is_test_struct<A>::value);
  static constexpr bool has_struct_result = is_test_struct<R>::value;

  static arguments make_arguments(unsigned seed) { return make(seed, std::index_sequence_for<A...>{}); }

  /// The result for these arguments (R = void: nothing).
  static R result_of(const A&... a) {
    if constexpr (!std::is_void<R>::value) {
      std::uint64_t h = 0xC0FFEE + sizeof...(A);
      ((h = mix(h, digest_of(a))), ...);
      return result_from<R>(h);
    }
  }
  static R expected(const arguments& args) {
    return std::apply([](const A&... a) -> R { return result_of(a...); }, args);
  }

  /// One CHECK per argument: the value that arrived is the value sent.
  static void check_arguments(const arguments& sent, const arguments& arrived) {
    check(sent, arrived, std::index_sequence_for<A...>{});
  }

 private:
  template <std::size_t... I>
  static arguments make([[maybe_unused]] unsigned seed, std::index_sequence<I...>) {
    return arguments(make_value<A>(seed, static_cast<unsigned>(I))...);
  }
  template <std::size_t I>
  static void check_one(const arguments& sent, const arguments& arrived) {
    INFO("argument " << I);
    using T = std::tuple_element_t<I, arguments>;
    CHECK(shown<T>{std::get<I>(arrived)} == shown<T>{std::get<I>(sent)});
  }
  template <std::size_t... I>
  static void check(const arguments& sent, const arguments& arrived, std::index_sequence<I...>) {
    (check_one<I>(sent, arrived), ...);
  }
};

// Defines a case type NAME for R(A...); its name reads as the signature.
#define THUNK_TEST_SIGNATURE(NAME, R, ...)                                  \
  struct NAME : ::thunk_test::basic_case<R, __VA_ARGS__> {                  \
    static constexpr const char* name = #NAME ": " #R "(" #__VA_ARGS__ ")"; \
  }

namespace cases {
using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::int8_t;
using std::intptr_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;
using std::uintptr_t;

// no arguments
struct void_no_args : basic_case<void> {
  static constexpr const char* name = "void_no_args: void()";
};
struct int_no_args : basic_case<int32_t> {
  static constexpr const char* name = "int_no_args: int32_t()";
};
// integer widths
THUNK_TEST_SIGNATURE(int8_pair, int8_t, int8_t, int8_t);
THUNK_TEST_SIGNATURE(uint8_pair, uint8_t, uint8_t, uint8_t);
THUNK_TEST_SIGNATURE(int16_pair, int16_t, int16_t, int16_t);
THUNK_TEST_SIGNATURE(uint16_pair, uint16_t, uint16_t, uint16_t);
THUNK_TEST_SIGNATURE(int32_pair, int32_t, int32_t, int32_t);
THUNK_TEST_SIGNATURE(uint32_pair, uint32_t, uint32_t, uint32_t);
THUNK_TEST_SIGNATURE(int64_pair, int64_t, int64_t, int64_t);
THUNK_TEST_SIGNATURE(uint64_single, uint64_t, uint64_t);
THUNK_TEST_SIGNATURE(widths_interleaved, int64_t, int8_t, uint16_t, int32_t, uint64_t, uint8_t, int16_t);
THUNK_TEST_SIGNATURE(long_long_and_long, long long, long, unsigned long long, unsigned long);
THUNK_TEST_SIGNATURE(pointer_sized_integers, intptr_t, intptr_t, uintptr_t);
THUNK_TEST_SIGNATURE(bools, bool, bool, int32_t, bool);
THUNK_TEST_SIGNATURE(chars, char, char, signed char, unsigned char);
// floating point
THUNK_TEST_SIGNATURE(float_single, float, float);
THUNK_TEST_SIGNATURE(double_pair, double, double, double);
THUNK_TEST_SIGNATURE(long_double_mixed, long double, long double, int32_t, long double);
THUNK_TEST_SIGNATURE(float_int_interleaved, double, int32_t, float, int64_t, double, uint8_t, float);
THUNK_TEST_SIGNATURE(ten_doubles, double, double, double, double, double, double, double, double, double, double,
                     double);  // past 8 vector registers: the stack
// pointers and enums
THUNK_TEST_SIGNATURE(pointers, const char*, const char*, int32_t*, const double*, const void*);
THUNK_TEST_SIGNATURE(function_pointer, int32_t, unary_fn, int32_t);
THUNK_TEST_SIGNATURE(enums, colour, colour, small_signed, wide);
THUNK_TEST_SIGNATURE(wide_enum, wide, wide, int32_t);
// structs by value
THUNK_TEST_SIGNATURE(tiny_structs, int32_t, s1, s2, s3);
THUNK_TEST_SIGNATURE(small_structs, s8, s8, s12);
THUNK_TEST_SIGNATURE(two_register_struct, s16, s16, int32_t);
THUNK_TEST_SIGNATURE(mixed_structs, mixed_fi, mixed_fi, mixed_di, mixed_ifd);
THUNK_TEST_SIGNATURE(float_hfas, hfa_f4, hfa_f2, hfa_f3, hfa_f4);
THUNK_TEST_SIGNATURE(double_hfas, hfa_d4, hfa_d2, hfa_d3, hfa_d4);
THUNK_TEST_SIGNATURE(large_struct, big40, big40, int32_t);
THUNK_TEST_SIGNATURE(large_mixed_structs, int64_t, big_mixed, double, big40);
// struct returns
THUNK_TEST_SIGNATURE(odd_struct_return, s3, uint8_t);
THUNK_TEST_SIGNATURE(double_hfa_return, hfa_d2, double, double);
THUNK_TEST_SIGNATURE(mixed_struct_return, mixed_di, int64_t, double);
THUNK_TEST_SIGNATURE(large_struct_return, big_mixed, int32_t, float, int8_t);
// arities 3 .. 12 and many mixed
THUNK_TEST_SIGNATURE(void_with_args, void, int32_t, double, s12);
THUNK_TEST_SIGNATURE(four_args, uint32_t, uint8_t, int16_t, uint32_t, int64_t);
THUNK_TEST_SIGNATURE(five_args, int16_t, float, int8_t, double, uint16_t, const char*);
THUNK_TEST_SIGNATURE(seven_args, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
THUNK_TEST_SIGNATURE(eight_args, int32_t, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t);
THUNK_TEST_SIGNATURE(nine_args, double, double, int32_t, float, int64_t, long double, int8_t, s8, hfa_f2, uint32_t);
THUNK_TEST_SIGNATURE(eleven_args, int64_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t,
                     int32_t, int32_t, int32_t);
THUNK_TEST_SIGNATURE(twelve_mixed, double, int8_t, float, uint16_t, double, int32_t, s8, uint64_t, hfa_d2, const char*,
                     long double, bool, wide);

// ---- signatures that fill the argument registers ----------------------------
// The leading parameters take every integer and every vector argument register
// of the default convention, so what follows goes on the stack:
//   registers_but_one       leaves the last integer register free (a closure's
//                           register path takes it), vectors overflow to the stack
//   registers_full          every register taken; integers, floats and a 64-bit
//                           integer on the stack (a closure takes the general path)
//   registers_full_structs  the same with structs and an HFA on the stack
// INT_REGS_BUT_ONE + LAST_INT_REG fill the integer registers, VEC_REGS the vector ones.
#if defined(THUNK_ARCH_X86_64)
// System V: rdi rsi rdx rcx r8 r9, xmm0-xmm7 (the win64_* cases below cover Microsoft x64).
#  define THUNK_TEST_INT_REGS_BUT_ONE int32_t, const void*, uint16_t, const char*, int64_t
#  define THUNK_TEST_VEC_REGS double, float, double, double, float, double, double, double
#elif defined(THUNK_ARCH_AARCH64) || defined(THUNK_ARCH_RISCV64)
// AAPCS64: x0-x7, v0-v7. RISC-V LP64D: a0-a7, fa0-fa7.
#  define THUNK_TEST_INT_REGS_BUT_ONE int32_t, const void*, uint16_t, const char*, int64_t, int8_t, uint32_t
#  define THUNK_TEST_VEC_REGS double, float, double, double, float, double, double, double
#elif defined(THUNK_ARCH_ARM32)
// AAPCS VFP (hard-float): r0-r3, d0-d7 (doubles only: no single-precision back-filling).
#  define THUNK_TEST_INT_REGS_BUT_ONE int32_t, const void*, uint16_t
#  define THUNK_TEST_VEC_REGS double, double, double, double, double, double, double, double
#else
// i386: cdecl and stdcall pass nothing in registers; fastcall takes ecx and edx,
// thiscall ecx, vectorcall ecx, edx and xmm0-xmm5.
#  define THUNK_TEST_INT_REGS_BUT_ONE int32_t
#  define THUNK_TEST_VEC_REGS double, float, double, double, float, double
#endif
#define THUNK_TEST_LAST_INT_REG uint8_t
// Expands the macros above before THUNK_TEST_SIGNATURE names the case.
#define THUNK_TEST_SIGNATURE_X(NAME, R, ...) THUNK_TEST_SIGNATURE(NAME, R, __VA_ARGS__)
THUNK_TEST_SIGNATURE_X(registers_but_one, double, THUNK_TEST_INT_REGS_BUT_ONE, THUNK_TEST_VEC_REGS, float, double);
THUNK_TEST_SIGNATURE_X(registers_full, int64_t, THUNK_TEST_INT_REGS_BUT_ONE, THUNK_TEST_LAST_INT_REG,
                       THUNK_TEST_VEC_REGS, int8_t, float, uint16_t, double, int64_t, const char*);
THUNK_TEST_SIGNATURE_X(registers_full_structs, mixed_di, THUNK_TEST_INT_REGS_BUT_ONE, THUNK_TEST_LAST_INT_REG,
                       THUNK_TEST_VEC_REGS, s12, hfa_d2, int8_t, big40, float);
#if defined(THUNK_ARCH_X86_64)
// Microsoft x64 (and vectorcall): argument n takes the n-th of rcx/xmm0, rdx/xmm1,
// r8/xmm2, r9/xmm3 whatever its type; the rest go on the stack (vectorcall: the
// 5th and 6th vector arguments take xmm4 and xmm5).
THUNK_TEST_SIGNATURE(win64_last_register, double, int32_t, double, const void*);
THUNK_TEST_SIGNATURE(win64_registers_full, int64_t, int32_t, double, const void*, float, int8_t, double, uint16_t,
                     int64_t);
THUNK_TEST_SIGNATURE(win64_registers_full_structs, mixed_di, s16, double, s8, float, s12, int8_t, hfa_d2, big40);
THUNK_TEST_SIGNATURE(six_vector_positions, double, double, int32_t, float, double, double, float, double, int8_t);
#endif
}  // namespace cases

/// The cases that fill the argument registers.
#if defined(THUNK_ARCH_X86_64)
using register_cases =
    types<cases::registers_but_one, cases::registers_full, cases::registers_full_structs, cases::win64_last_register,
          cases::win64_registers_full, cases::win64_registers_full_structs, cases::six_vector_positions>;
#else
using register_cases = types<cases::registers_but_one, cases::registers_full, cases::registers_full_structs>;
#endif

/// The whole suite.
using all_cases = typename concat<
    types<cases::void_no_args, cases::int_no_args, cases::int8_pair, cases::uint8_pair, cases::int16_pair,
          cases::uint16_pair, cases::int32_pair, cases::uint32_pair, cases::int64_pair, cases::uint64_single,
          cases::widths_interleaved, cases::long_long_and_long, cases::pointer_sized_integers, cases::bools,
          cases::chars, cases::float_single, cases::double_pair, cases::long_double_mixed, cases::float_int_interleaved,
          cases::ten_doubles, cases::pointers, cases::function_pointer, cases::enums, cases::wide_enum,
          cases::tiny_structs, cases::small_structs, cases::two_register_struct, cases::mixed_structs,
          cases::float_hfas, cases::double_hfas, cases::large_struct, cases::large_mixed_structs,
          cases::odd_struct_return, cases::double_hfa_return, cases::mixed_struct_return, cases::large_struct_return,
          cases::void_with_args, cases::four_args, cases::five_args, cases::seven_args, cases::eight_args,
          cases::nine_args, cases::eleven_args, cases::twelve_mixed>,
    register_cases>::type;

/// A representative subset, for the wider products (conventions x callables).
using core_cases = types<cases::void_no_args, cases::int8_pair, cases::uint16_pair, cases::int64_pair,
                         cases::widths_interleaved, cases::double_pair, cases::long_double_mixed,
                         cases::float_int_interleaved, cases::enums, cases::tiny_structs, cases::mixed_structs,
                         cases::double_hfas, cases::large_struct_return, cases::eleven_args, cases::twelve_mixed>;

// ---- compiler limits -----------------------------------------------------------

/// Cases a compiler cannot build in convention CC; the tests leave them out and say so.
///
/// MinGW-w64 GCC 12 (x86_64-w64-mingw32) stops with an internal compiler error
/// ("in choose_baseaddr, at config/i386/i386.cc:7058") on some calls to, and
/// definitions of, sysv_abi functions taking or returning structs by value (seen
/// with s8 + s12 and s16 arguments, and an hfa_d2 result); the closure tests met
/// the same error. Not a thunk bug: the compiler never finishes the file.
template <class CC, class Case>
inline constexpr bool compiler_cannot_build =
#if defined(_WIN32) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    std::is_same<CC, cc_sysv_abi>::value && (Case::has_struct_argument || Case::has_struct_result);
#else
    false;
#endif

/// How many cases of the list compiler_cannot_build leaves out in CC.
template <class CC, class... T>
constexpr int cases_left_out(types<T...>) {
  return (0 + ... + (compiler_cannot_build<CC, T> ? 1 : 0));
}

// ---- what a callable saw -----------------------------------------------------

/// Filled by the callables under test: how often they were called, what
/// arrived the last time, and (for callables with state of their own) the
/// callable's own count, which proves the same object is called every time.
template <class Case>
struct recorder {
  using R = typename Case::result_type;
  int calls = 0;
  int own_calls = -1;  // -1: the callable has no state of its own
  typename Case::arguments arrived{};

  template <class... X>
  R on_call(const X&... a) {
    ++calls;
    arrived = typename Case::arguments(a...);
    return Case::expected(arrived);
  }
};

/// The checks after call number seed + 1 of a case: every argument and the result.
template <class Case>
void check_arrival(const recorder<Case>& rec, unsigned seed, const typename Case::arguments& sent) {
  CHECK(rec.calls == static_cast<int>(seed) + 1);
  if (rec.own_calls != -1) CHECK(rec.own_calls == static_cast<int>(seed) + 1);
  Case::check_arguments(sent, rec.arrived);
}

// ---- callable kinds ----------------------------------------------------------
// Each kind makes, for a case, a callable taking the case's arguments that
// records into a recorder and returns the expected result.

template <class Case, class L>
struct functor_for;
template <class Case, class... A>
struct functor_for<Case, types<A...>> {
  recorder<Case>* rec;
  int own = 0;
  typename Case::result_type operator()(A... a) {
    rec->own_calls = ++own;
    return rec->on_call(a...);
  }
};

struct mutable_lambda {
  static constexpr const char* name = "a mutable lambda";
  static constexpr bool bind_const = false;
  template <class Case>
  static auto make(recorder<Case>& rec) {
    return make(rec, typename Case::argument_types{});
  }
  template <class Case, class... A>
  static auto make(recorder<Case>& rec, types<A...>) {
    return [&rec, own = 0](A... a) mutable -> typename Case::result_type {
      rec.own_calls = ++own;
      return rec.on_call(a...);
    };
  }
};

struct const_lambda {
  static constexpr const char* name = "a const lambda";
  static constexpr bool bind_const = true;  // bound through a const reference
  template <class Case>
  static auto make(recorder<Case>& rec) {
    return make(rec, typename Case::argument_types{});
  }
  template <class Case, class... A>
  static auto make(recorder<Case>& rec, types<A...>) {
    return [&rec](const A&... a) -> typename Case::result_type { return rec.on_call(a...); };
  }
};

struct std_function {
  static constexpr const char* name = "a std::function";
  static constexpr bool bind_const = false;
  template <class Case>
  static auto make(recorder<Case>& rec) {
    return make(rec, typename Case::argument_types{});
  }
  template <class Case, class... A>
  static auto make(recorder<Case>& rec, types<A...>) {
    using R = typename Case::result_type;
    return std::function<R(A...)>([&rec, own = 0](A... a) mutable -> R {
      rec.own_calls = ++own;
      return rec.on_call(a...);
    });
  }
};

struct function_object {
  static constexpr const char* name = "a function object";
  static constexpr bool bind_const = false;
  template <class Case>
  static auto make(recorder<Case>& rec) {
    return functor_for<Case, typename Case::argument_types>{&rec};
  }
};

/// f itself, or a const reference to it for kinds bound as const.
template <class Kind, class F>
decltype(auto) as_bound(F& f) {
  if constexpr (Kind::bind_const) {
    return static_cast<const F&>(f);
  } else {
    return static_cast<F&>(f);
  }
}

// ---- the C side --------------------------------------------------------------
// Calls through a function pointer whose value the optimiser cannot know: the
// call is a real indirect call with P's calling convention, as from a C library.
namespace c_side {
template <class T>
inline T opaque(T v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__ __volatile__("" : "+r"(v));
#else
  volatile T copy = v;
  v = copy;
#endif
  return v;
}

#if defined(THUNK_ARCH_X86_32) && (defined(__GNUC__) || defined(__clang__))
// i386: who pops the arguments is part of the convention (stdcall, fastcall,
// thiscall and vectorcall: the callee). invoke records the stack pointer just
// before and just after the call; call_checked compares how far a call through
// the pointer under test moved it with how far a compiler-made function of the
// same type P, called through the same invoke, moves it. A callee that pops the
// wrong number of bytes would leave the caller's frame off by that much and crash
// it before any CHECK: while the pointer under test is called, invoke puts the
// stack pointer back where the compiler-made callee left it (a no-op when the
// two agree), so the difference is reported as a failed CHECK instead.
#  define THUNK_TEST_CHECKS_STACK 1
inline std::uintptr_t esp_before = 0, esp_after = 0;
inline std::uintptr_t esp_repair = 0, esp_expected = 0;

template <class P, class... A>
THUNK_TEST_NOINLINE auto invoke(P p, A... a) -> decltype(p(a...)) {
  P q = opaque(p);
  __asm__ __volatile__("movl %%esp, %0" : "=m"(esp_before) : : "memory");
  if constexpr (std::is_void<decltype(p(a...))>::value) {
    q(a...);
    __asm__ __volatile__(
        "movl %%esp, %0\n\t"  // esp_after = esp
        "cmpl $0, %1\n\t"     // if (esp_repair)
        "je 1f\n\t"
        "movl %2, %%esp\n\t"  //   esp = esp_before
        "addl %3, %%esp\n"    //         + esp_expected
        "1:"
        : "=m"(esp_after)
        : "m"(esp_repair), "m"(esp_before), "m"(esp_expected)
        : "memory", "cc");
  } else {
    auto r = q(a...);
    __asm__ __volatile__(
        "movl %%esp, %0\n\t"
        "cmpl $0, %1\n\t"
        "je 1f\n\t"
        "movl %2, %%esp\n\t"
        "addl %3, %%esp\n"
        "1:"
        : "=m"(esp_after)
        : "m"(esp_repair), "m"(esp_before), "m"(esp_expected)
        : "memory", "cc");
    return r;
  }
}

/// How far the last invoke's call moved the stack pointer.
inline std::intptr_t stack_moved() { return static_cast<std::intptr_t>(esp_after - esp_before); }

/// reference<P>::fn: a function of exactly type P that the compiler made.
template <class P>
struct reference;
#  define THUNK_TEST_REFERENCE(ATTR)                       \
    template <class R, class... A>                         \
    struct reference<R(ATTR*)(A...)> {                     \
      static R ATTR fn(A...) {                             \
        if constexpr (!std::is_void<R>::value) return R{}; \
      }                                                    \
    };
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wattributes"
THUNK_TEST_REFERENCE()
THUNK_TEST_REFERENCE(__attribute__((stdcall)))
THUNK_TEST_REFERENCE(__attribute__((fastcall)))
THUNK_TEST_REFERENCE(__attribute__((thiscall)))
#  if THUNK_TEST_VECTORCALL_EXISTS
THUNK_TEST_REFERENCE(__attribute__((vectorcall)))
#  endif
#  pragma GCC diagnostic pop
#  undef THUNK_TEST_REFERENCE

/// call(p), where call makes one call through invoke with the pointer it is
/// given: first with reference<P>::fn, then with p; checks both moved the stack
/// pointer alike and returns what call(p) returned.
template <class P, class Call>
auto call_checked(P p, Call&& call) -> decltype(call(p)) {
  call(static_cast<P>(&reference<P>::fn));
  const std::intptr_t expected = stack_moved();
  struct repair {
    explicit repair(std::intptr_t e) {
      esp_expected = static_cast<std::uintptr_t>(e);
      esp_repair = 1;
    }
    ~repair() { esp_repair = 0; }
  };
  const auto check = [expected] {
    INFO("how far the call moved the stack pointer (a compiler-made callee of P: " << expected << ")");
    CHECK(stack_moved() == expected);
  };
  if constexpr (std::is_void<decltype(call(p))>::value) {
    {
      repair r(expected);
      call(p);
    }
    check();
  } else {
    auto result = [&] {
      repair r(expected);
      return call(p);
    }();
    check();
    return result;
  }
}
#else
#  define THUNK_TEST_CHECKS_STACK 0
template <class P, class... A>
THUNK_TEST_NOINLINE auto invoke(P p, A... a) -> decltype(p(a...)) {
  return opaque(p)(a...);
}
/// Other targets: the caller always pops, nothing to compare.
template <class P, class Call>
auto call_checked(P p, Call&& call) -> decltype(call(p)) {
  return call(p);
}
#endif

template <class P, class Tuple>
auto apply(P p, const Tuple& args) {
  return std::apply([p](const auto&... a) { return invoke(p, a...); }, args);
}

/// c_side::apply(p, args) with the stack pointer check of call_checked (i386).
template <class P, class Tuple>
auto apply_checked(P p, const Tuple& args) {
#if THUNK_TEST_CHECKS_STACK
  return call_checked(p, [&args](P q) { return apply(q, args); });
#else
  return apply(p, args);
#endif
}
}  // namespace c_side

// ---- the context slot --------------------------------------------------------

enum class slot { first, middle, last };

/// The address a context value carries (void* or a pointer-sized integer).
template <class Ctx>
void* context_address(Ctx ctx) {
  if constexpr (std::is_pointer<Ctx>::value) {
    return ctx;
  } else {
    return reinterpret_cast<void*>(ctx);
  }
}
inline const char* slot_name(slot s) {
  return s == slot::first ? "first" : s == slot::middle ? "in the middle" : "last";
}

template <class T>
struct context_type_name;
template <>
struct context_type_name<void*> {
  static constexpr const char* value = "void*";
};
template <>
struct context_type_name<std::intptr_t> {
  static constexpr const char* value = "intptr_t";
};
template <>
struct context_type_name<std::uintptr_t> {
  static constexpr const char* value = "uintptr_t";
};

/// The parameter list L with X inserted at index K.
template <std::size_t J, std::size_t K, class X, class Tuple, bool = (J == K)>
struct pick_type {
  using type = X;
};
template <std::size_t J, std::size_t K, class X, class Tuple>
struct pick_type<J, K, X, Tuple, false> {
  using type = std::tuple_element_t<(J < K ? J : J - 1), Tuple>;
};
template <std::size_t K, class X, class L, class Seq = std::make_index_sequence<L::size + 1>>
struct insert_type;
template <std::size_t K, class X, class... A, std::size_t... I>
struct insert_type<K, X, types<A...>, std::index_sequence<I...>> {
  using type = types<typename pick_type<I, K, X, std::tuple<A...>>::type...>;
};

template <class CC, class R, class L>
struct pointer_from;
template <class CC, class R, class... A>
struct pointer_from<CC, R, types<A...>> {
  using type = typename CC::template pointer<R, A...>;
};

// My own statement of the context rule, to compare with the library's.
template <class T>
inline constexpr bool is_void_ptr = std::is_same<T, void*>::value;
// Integers: the long family only, never int (the same answer on i386 and ARMv7).
template <class T>
inline constexpr bool is_ptr_sized_int =
    (std::is_same<T, long>::value || std::is_same<T, unsigned long>::value || std::is_same<T, long long>::value ||
     std::is_same<T, unsigned long long>::value) &&
    sizeof(T) == sizeof(void*);
template <class T>
inline constexpr bool is_cv_void_ptr = std::is_pointer<T>::value && std::is_void<std::remove_pointer_t<T>>::value;
template <class L>
struct auto_rule;
template <class... A>
struct auto_rule<types<A...>> {
  static constexpr std::size_t voids = (std::size_t{0} + ... + (is_void_ptr<A> ? 1 : 0));
  static constexpr std::size_t ints = (std::size_t{0} + ... + (is_ptr_sized_int<A> ? 1 : 0));
  static constexpr std::size_t cv_voids = (std::size_t{0} + ... + (is_cv_void_ptr<A> ? 1 : 0));
  static constexpr bool unambiguous = voids == 1 || (voids == 0 && ints == 1) || (voids == 0 && ints == 0 && cv_voids == 1);
};

/// Case with a context parameter of type Ctx inserted first, in the middle or
/// last, in convention CC: the C callback type is P, the callable sees Case's
/// arguments.
template <class Case, slot S, class Ctx, class CC = cc_default>
struct context_case {
  using user = Case;
  using context_type = Ctx;
  using convention = CC;
  static constexpr slot position = S;
  static constexpr std::size_t arity = Case::argument_types::size;
  static constexpr std::size_t index = S == slot::first ? 0 : S == slot::last ? arity : arity / 2;
  using parameter_types = typename insert_type<index, Ctx, typename Case::argument_types>::type;
  using P = typename pointer_from<CC, typename Case::result_type, parameter_types>::type;
  /// Whether thunk::with_context<P>(f) can find the slot by itself (else the explicit form).
  // ... and finds it at the slot this case put there, not at another parameter.
  static constexpr bool found_automatically =
      (is_void_ptr<Ctx> && auto_rule<parameter_types>::voids == 1) ||
      (is_ptr_sized_int<Ctx> && auto_rule<parameter_types>::voids == 0 && auto_rule<parameter_types>::ints == 1) ||
      (is_cv_void_ptr<Ctx> && !is_void_ptr<Ctx> && auto_rule<parameter_types>::voids == 0 &&
       auto_rule<parameter_types>::ints == 0 && auto_rule<parameter_types>::cv_voids == 1);

  static std::string describe() {
    return std::string(Case::name) + ", " + context_type_name<Ctx>::value + " context " + slot_name(S) + ", " +
           CC::name;
  }

  /// Calls fn from the C side with the case's arguments and ctx at index.
  template <class Fn>
  static typename Case::result_type call(Fn fn, const typename Case::arguments& args, Ctx ctx) {
    return call_with(fn, args, ctx, std::make_index_sequence<arity + 1>{});
  }

 private:
  // Always inlined, so no per-variant function or tuple is emitted (an -O0
  // object with thousands of variants stays small).
  template <class Fn, std::size_t... J>
  THUNK_TEST_ALWAYS_INLINE static typename Case::result_type call_with(Fn fn, const typename Case::arguments& args,
                                                                       const Ctx& ctx, std::index_sequence<J...>) {
    return c_side::invoke(fn, pick<J>(args, ctx)...);
  }
  template <std::size_t J>
  THUNK_TEST_ALWAYS_INLINE static decltype(auto) pick(const typename Case::arguments& args, const Ctx& ctx) {
    if constexpr (J == index) {
      return (ctx);
    } else {
      return (std::get<(J < index ? J : J - 1)>(args));
    }
  }
};

}  // namespace thunk_test

#endif  // THUNK_TESTS_SUPPORT_SIGNATURES_HPP
