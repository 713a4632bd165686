// The thunk encodings of this target, and which closures take the register
// path (the context in the next free integer argument register) or the
// general path (the context through thread_context.hpp).
#ifndef THUNK_DETAIL_ABI_HPP
#define THUNK_DETAIL_ABI_HPP

#include <cstddef>
#include <type_traits>

#include "../calling_convention.hpp"
#include "../config.hpp"

#if defined(THUNK_ARCH_X86_64)
#  include "abi/x86_64.hpp"
#elif defined(THUNK_ARCH_X86_32)
#  include "abi/x86_32.hpp"
#elif defined(THUNK_ARCH_AARCH64)
#  include "abi/aarch64.hpp"
#elif defined(THUNK_ARCH_RISCV64)
#  include "abi/riscv64.hpp"
#elif defined(THUNK_ARCH_ARM32)
#  include "abi/arm32.hpp"
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

#if defined(THUNK_ARCH_X86_64)
namespace abi = x86_64;
#elif defined(THUNK_ARCH_X86_32)
namespace abi = x86_32;
#elif defined(THUNK_ARCH_AARCH64)
namespace abi = aarch64;
#elif defined(THUNK_ARCH_RISCV64)
namespace abi = riscv64;
#elif defined(THUNK_ARCH_ARM32)
namespace abi = arm32;
#endif

/// Takes exactly one integer argument register in every ABI here: integers
/// up to 64 bits, enums, pointers, references, nullptr_t.
template <class T>
inline constexpr bool is_integer_class =
    std::is_reference<T>::value || std::is_pointer<T>::value || std::is_null_pointer<T>::value ||
    ((std::is_integral<T>::value || std::is_enum<T>::value) &&
     sizeof(std::conditional_t<std::is_void<T>::value, char, T>) <= 8);

/// Takes a vector register and no integer one.
template <class T>
inline constexpr bool is_float_class = std::is_same<T, float>::value || std::is_same<T, double>::value;

template <class R>
inline constexpr bool is_scalar_return =
    std::is_void<R>::value || is_integer_class<R> || is_float_class<R> || std::is_same<R, long double>::value;

template <class... A>
inline constexpr std::size_t integer_count = (std::size_t{0} + ... + (is_integer_class<A> ? 1 : 0));

template <class... A>
inline constexpr bool all_scalar = (true && ... && (is_integer_class<A> || is_float_class<A>));

#if defined(THUNK_HAS_CLOSURE) && THUNK_HAS_CLOSURE

/// The kind (register, or general) for a signature in convention CC.
template <class CC, class R, class... A>
struct register_kind {
  static constexpr int value = abi::general;
};

#  if defined(THUNK_ARCH_X86_64)
// System V: integer arguments take rdi, rsi, rdx, rcx, r8, r9 in order;
// float/double take xmm registers. Structs, long double, __int128 and
// returns through a hidden pointer (which takes rdi) leave the general path.
template <class R, class... A>
struct register_kind<sysv64_cc, R, A...> {
  static constexpr int order[6] = {x86_64::rdi, x86_64::rsi, x86_64::rdx, x86_64::rcx, x86_64::r8, x86_64::r9};
  static constexpr int value = (all_scalar<A...> && is_scalar_return<R> && integer_count<A...> < 6)
                                   ? order[integer_count<A...> < 6 ? integer_count<A...> : 0]
                                   : x86_64::general;
};
// Microsoft x64: argument n takes the n-th of rcx, rdx, r8, r9 whatever its
// type (a struct is passed in it or by reference); a struct return adds a
// hidden first argument, so those take the general path; so does long double,
// which GCC returns through memory under ms_abi on Linux.
template <class R, class... A>
struct register_kind<win64_cc, R, A...> {
  static constexpr int order[4] = {x86_64::rcx, x86_64::rdx, x86_64::r8, x86_64::r9};
  static constexpr int value = (is_scalar_return<R> && !std::is_same<R, long double>::value && sizeof...(A) < 4)
                                   ? order[sizeof...(A) < 4 ? sizeof...(A) : 0]
                                   : x86_64::general;
};
#  elif defined(THUNK_ARCH_AARCH64)
// AAPCS64: integer arguments take x0..x7; float/double take v registers; a
// struct return goes through x8, which shifts nothing.
template <class R, class... A>
struct register_kind<aapcs64_cc, R, A...> {
  static constexpr int value =
      (all_scalar<A...> && integer_count<A...> < 8) ? static_cast<int>(integer_count<A...>) : aarch64::general;
};
#  endif

#endif

}  // namespace detail
THUNK_END_NAMESPACE

#endif
