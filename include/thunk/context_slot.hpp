// thunk::context_index<P>: which parameter of a C callback type carries the
// user's data.
//
// The rule, the same on every target for the same declaration's types:
// the only void* if there is exactly one; else, with no void*, the only
// parameter of type long, unsigned long, long long or unsigned long long that
// is as wide as a pointer on this target (LPARAM,
// WPARAM, LONG_PTR, DWORD_PTR, ULONG_PTR on Windows; intptr_t and uintptr_t
// on LP64 Linux). int, unsigned, short and char are never found
// automatically, even where they are pointer-sized (i386, ARMv7): a
// `void (*)(int)` is rejected on every target. Else, with neither, the only
// const/volatile void* (ICU passes user data as const void*). Otherwise there is no single
// answer and the explicit form must name it (it also accepts typed object
// pointers such as const T*, and any integer as wide as a pointer).
//
// | P                                              | context_index (every target) |
// |------------------------------------------------|------------------------------|
// | BOOL (*)(HWND, LPARAM)                         | 1                            |
// | int (*)(const void*, const void*, void*)       | 2                            |
// | void* (*)(void*)                               | 0                            |
// | int (*)(void*, int, char**, char**)            | 0                            |
// | UBool (*)(const void*, UChar32, UChar32, UCharCategory) | 0 (ICU: const void*) |
// | void (*)(volatile void*, int)                  | 0                            |
// | void (*)(void*, void*)                         | rejected: two void*, name one |
// | void (*)(intptr_t, intptr_t)                   | rejected: two candidates on LP64; no candidate on ILP32 Linux |
// | void (*)(int)                                  | rejected: no slot, use thunk::closure |
// | void (*)(unsigned)                             | rejected: no slot, use thunk::closure |
// | void (*)(const char*)                          | rejected: a typed pointer is data; name it: with_context<P, 0> |
//
// Where the types differ between targets the answer follows the types:
// intptr_t is int on ILP32 Linux (i386, ARMv7), so `void (*)(intptr_t)` needs
// the explicit index there; `long` is 32-bit on Win64, so it cannot carry a
// pointer there. Spell a context as void* or LPARAM/LONG_PTR to be found
// everywhere.
#ifndef THUNK_CONTEXT_SLOT_HPP
#define THUNK_CONTEXT_SLOT_HPP

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "config.hpp"
#include "signature.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// void* itself (the parameter's own top-level cv aside).
template <class T>
inline constexpr bool is_plain_void_pointer = std::is_same<std::remove_cv_t<T>, void*>::value;

/// void*, const void*, volatile void*, const volatile void*.
template <class T>
inline constexpr bool is_void_pointer =
    std::is_pointer<std::remove_cv_t<T>>::value&& std::is_void<std::remove_pointer_t<std::remove_cv_t<T>>>::value;

template <class T>
inline constexpr bool is_long_family = std::is_same<T, long>::value || std::is_same<T, unsigned long>::value ||
                                       std::is_same<T, long long>::value || std::is_same<T, unsigned long long>::value;

/// An integer the automatic rule takes: of the long family (never int, so
/// that i386 and ARMv7 answer as x86-64 does) and as wide as a pointer.
template <class T>
inline constexpr bool is_pointer_sized_integer = is_long_family<std::remove_cv_t<T>> && sizeof(T) == sizeof(void*);

/// A type that can carry a pointer when named explicitly: any object pointer
/// (any cv) or an integer as wide as a pointer.
template <class T>
inline constexpr bool is_context_type = (std::is_pointer<std::remove_cv_t<T>>::value &&
                                         !std::is_function<std::remove_pointer_t<std::remove_cv_t<T>>>::value) ||
                                        (std::is_integral<T>::value &&
                                         !std::is_same<std::remove_cv_t<T>, bool>::value && sizeof(T) == sizeof(void*));

/// Positions of the context candidates in a parameter list, as a list of indices.
template <std::size_t... I>
struct index_list {
  static constexpr std::size_t size = sizeof...(I);
};

template <class L>
struct context_search;
template <class... A>
struct context_search<type_list<A...>> {
  static constexpr bool plain_voids[sizeof...(A) + 1] = {is_plain_void_pointer<A>..., false};
  static constexpr bool cv_voids[sizeof...(A) + 1] = {is_void_pointer<A>..., false};
  static constexpr bool ints[sizeof...(A) + 1] = {is_pointer_sized_integer<A>..., false};
  static constexpr std::size_t count(const bool* flags) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < sizeof...(A); ++i) n += flags[i] ? 1 : 0;
    return n;
  }
  static constexpr std::size_t first(const bool* flags) {
    for (std::size_t i = 0; i < sizeof...(A); ++i)
      if (flags[i]) return i;
    return npos;
  }
  // Three tiers, first match wins: the only void*; else the only long-family
  // integer; else the only const/volatile void* (ICU passes user data as
  // const void*; several of them are data, as in qsort's comparator).
  static constexpr std::size_t void_count = count(plain_voids);
  static constexpr std::size_t int_count = count(ints);
  static constexpr std::size_t cv_void_count = count(cv_voids);
  static constexpr std::size_t index = void_count == 1                                             ? first(plain_voids)
                                       : (void_count == 0 && int_count == 1)                       ? first(ints)
                                       : (void_count == 0 && int_count == 0 && cv_void_count == 1) ? first(cv_voids)
                                                                                                   : npos;
  static constexpr bool ambiguous = void_count > 1 || (void_count == 0 && int_count > 1);
  /// The tier that made it ambiguous (or the one to match against an API's
  /// parameters in thunk::call).
  static constexpr const bool* candidates = void_count > 1 ? plain_voids : void_count == 1 ? plain_voids : ints;
};

/// Instantiated only to fail: its name in the compiler's note lists the
/// parameter indices that could be the context.
template <class P, std::size_t... Candidates>
struct ambiguous_context_parameter_candidates_are {
  static_assert(sizeof...(Candidates) == 0,
                "thunk: the context parameter of P is ambiguous: several parameters could carry it (their "
                "zero-based indices are the numbers in 'ambiguous_context_parameter_candidates_are<P, ...>' "
                "in this diagnostic). Name it: thunk::with_context<P, I>(f), I the index of the context "
                "parameter.");
  static constexpr std::size_t value = npos;
};

template <class P, class L, std::size_t... I>
constexpr auto list_candidates(std::index_sequence<I...>) {
  using S = context_search<L>;
  return ambiguous_context_parameter_candidates_are<P, (S::candidates[I] ? I : npos)...>::value;
}

template <class P>
struct no_context_parameter {
  static_assert(dependent_false<P>,
                "thunk: the callback type P has no context parameter (no void*, no pointer-sized long, "
                "LPARAM or DWORD_PTR — an int is never one — and not exactly one const void*): the API cannot hand the "
                "callable back. Use thunk::closure<P> (a real thunk), or "
                "thunk::stateless<P> for a callable without state.");
  static constexpr std::size_t value = npos;
};

template <class P, std::size_t I>
struct checked_context_index {
  using args = typename signature<P>::argument_types;
  static_assert(I < args::size, "thunk: the explicit context index I is past the last parameter of P");
  static_assert(I >= args::size || is_context_type<at_t<(I < args::size ? I : 0), args>>,
                "thunk: the parameter at the explicit context index I cannot carry a pointer: it must be "
                "an object pointer (void*, const T*) or an integer as wide as a pointer (LPARAM, intptr_t)");
  static constexpr std::size_t value = I;
};

template <class P>
struct auto_context_index {
  using args = typename signature<P>::argument_types;
  using search = context_search<args>;
  static constexpr std::size_t compute() {
    if constexpr (search::index != npos) {
      return search::index;
    } else if constexpr (search::ambiguous) {
      return list_candidates<P, args>(std::make_index_sequence<args::size>{});
    } else {
      return no_context_parameter<P>::value;
    }
  }
  static constexpr std::size_t value = compute();
};

}  // namespace detail

/// Marks "find the context parameter for me" in explicit-index forms.
inline constexpr std::size_t auto_index = detail::npos;

namespace detail {
template <class P, std::size_t I>
struct context_index : checked_context_index<P, I> {};
template <class P>
struct context_index<P, npos> : auto_context_index<P> {};
}  // namespace detail

/// The zero-based index of P's context parameter (I when given explicitly).
template <class P, std::size_t I = auto_index>
inline constexpr std::size_t context_index_v = detail::context_index<P, I>::value;

THUNK_END_NAMESPACE

#endif
