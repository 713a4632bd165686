// Values that make a wrong byte visible, and a round trip that checks every
// argument and the result of a callback called through an opaque pointer.
#pragma once

#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rt {

enum small_enum : std::int8_t { se_a = -3, se_b = 5 };
enum class wide_enum : std::uint64_t { lo = 1, hi = 0xF00DFACE12345678ull };

struct s1 { char c; };
struct s4 { std::int16_t a; std::uint8_t b; };
struct s8 { std::int32_t a, b; };
struct s12 { std::int32_t a, b, c; };
struct s16 { std::int64_t a, b; };
struct mixed_fi { float f; std::int32_t i; };
struct mixed_di { double d; std::int64_t i; };
struct hfa2f { float a, b; };
struct hfa3f { float a, b, c; };
struct hfa4d { double a, b, c, d; };
struct big { std::int64_t v[5]; };
struct huge { char text[72]; double x; };

#define RT_EQ(T, ...) \
  inline bool operator==(const T& l, const T& r) { return __VA_ARGS__; }
RT_EQ(s1, l.c == r.c)
RT_EQ(s4, l.a == r.a && l.b == r.b)
RT_EQ(s8, l.a == r.a && l.b == r.b)
RT_EQ(s12, l.a == r.a && l.b == r.b && l.c == r.c)
RT_EQ(s16, l.a == r.a && l.b == r.b)
RT_EQ(mixed_fi, l.f == r.f && l.i == r.i)
RT_EQ(mixed_di, l.d == r.d && l.i == r.i)
RT_EQ(hfa2f, l.a == r.a && l.b == r.b)
RT_EQ(hfa3f, l.a == r.a && l.b == r.b && l.c == r.c)
RT_EQ(hfa4d, l.a == r.a && l.b == r.b && l.c == r.c && l.d == r.d)
RT_EQ(big, std::memcmp(l.v, r.v, sizeof l.v) == 0)
RT_EQ(huge, std::memcmp(l.text, r.text, sizeof l.text) == 0 && l.x == r.x)
#undef RT_EQ

/// A value of T that depends on seed and differs from its neighbours' bytes.
template <class T>
T make(unsigned seed) {
  const std::uint64_t k = 0x9E3779B97F4A7C15ull * (seed + 1);
  if constexpr (std::is_same<T, bool>::value) {
    return (seed & 1) != 0;
  } else if constexpr (std::is_enum<T>::value) {
    if constexpr (std::is_same<T, small_enum>::value) return (seed & 1) ? se_a : se_b;
    else return (seed & 1) ? wide_enum::hi : wide_enum::lo;
  } else if constexpr (std::is_integral<T>::value) {
    // Top bit set on odd seeds: sign/zero extension mistakes show.
    std::uint64_t v = (k >> 7) ^ seed;
    if (seed & 1) v |= std::uint64_t{1} << (sizeof(T) * 8 - 1);
    return static_cast<T>(v);
  } else if constexpr (std::is_floating_point<T>::value) {
    return static_cast<T>(static_cast<long double>(seed) * 1.25L - 1000.0625L + static_cast<long double>(k % 97) / 1024);
  } else if constexpr (std::is_pointer<T>::value) {
    static char arena[4096];
    return reinterpret_cast<T>(arena + (k % 4000));
  } else if constexpr (std::is_same<T, s1>::value) {
    return {static_cast<char>(0x80 | seed)};
  } else if constexpr (std::is_same<T, s4>::value) {
    return {static_cast<std::int16_t>(-1 - static_cast<int>(seed)), static_cast<std::uint8_t>(0xF0 ^ seed)};
  } else if constexpr (std::is_same<T, s8>::value) {
    return {make<std::int32_t>(seed), make<std::int32_t>(seed + 1)};
  } else if constexpr (std::is_same<T, s12>::value) {
    return {make<std::int32_t>(seed), make<std::int32_t>(seed + 1), make<std::int32_t>(seed + 2)};
  } else if constexpr (std::is_same<T, s16>::value) {
    return {make<std::int64_t>(seed), make<std::int64_t>(seed + 3)};
  } else if constexpr (std::is_same<T, mixed_fi>::value) {
    return {make<float>(seed), make<std::int32_t>(seed + 1)};
  } else if constexpr (std::is_same<T, mixed_di>::value) {
    return {make<double>(seed), make<std::int64_t>(seed + 1)};
  } else if constexpr (std::is_same<T, hfa2f>::value) {
    return {make<float>(seed), make<float>(seed + 1)};
  } else if constexpr (std::is_same<T, hfa3f>::value) {
    return {make<float>(seed), make<float>(seed + 1), make<float>(seed + 2)};
  } else if constexpr (std::is_same<T, hfa4d>::value) {
    return {make<double>(seed), make<double>(seed + 1), make<double>(seed + 2), make<double>(seed + 3)};
  } else if constexpr (std::is_same<T, big>::value) {
    big b{};
    for (int i = 0; i < 5; ++i) b.v[i] = make<std::int64_t>(seed + static_cast<unsigned>(i));
    return b;
  } else {
    huge h{};
    for (unsigned i = 0; i < sizeof h.text; ++i) h.text[i] = static_cast<char>('A' + (seed + i) % 26);
    h.x = make<double>(seed);
    return h;
  }
}

/// The result a callback computes from its arguments: a value of R that
/// depends on every argument, so a lost or swapped argument changes it.
template <class T>
std::uint64_t digest(const T& v) {
  if constexpr (std::is_floating_point<T>::value) {
    return static_cast<std::uint64_t>(static_cast<long long>(v * 64));
  } else if constexpr (std::is_enum<T>::value || std::is_integral<T>::value) {
    return static_cast<std::uint64_t>(v);
  } else if constexpr (std::is_pointer<T>::value) {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
  } else {
    // Structs: hash the members through their bytes, padding-free types only.
    if constexpr (std::is_same<T, mixed_fi>::value) return digest(v.f) * 31 + digest(v.i);
    else if constexpr (std::is_same<T, mixed_di>::value) return digest(v.d) * 31 + digest(v.i);
    else if constexpr (std::is_same<T, s4>::value) return digest(v.a) * 31 + v.b;
    else if constexpr (std::is_same<T, huge>::value) return static_cast<std::uint64_t>(v.text[3]) * 31 + digest(v.x);
    else {
      std::uint64_t h = 1469598103934665603ull;
      unsigned char bytes[sizeof(T)];
      std::memcpy(bytes, &v, sizeof(T));
      for (unsigned char b : bytes) h = (h ^ b) * 1099511628211ull;
      return h;
    }
  }
}

template <class R, class... A>
R result_of(const A&... a) {
  std::uint64_t h = 7;
  ((h = h * 1000003 + digest(a)), ...);
  if constexpr (std::is_void<R>::value) {
    return;
  } else {
    return make<R>(static_cast<unsigned>(h % 1000));
  }
}

}  // namespace rt
