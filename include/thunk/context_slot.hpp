// thunk::context_index<P>: which parameter of a C callback type carries the
// user's data.
//
// The only void* parameter if there is exactly one; else, with no void*, the
// only pointer-sized integer parameter (LPARAM, intptr_t, uintptr_t, DWORD_PTR);
// otherwise there is no single answer and the explicit form must name it.
//
// | P                                              | context_index |
// |------------------------------------------------|---------------|
// | BOOL (*)(HWND, LPARAM)                         | 1             |
// | int (*)(const void*, const void*, void*)       | 2             |
// | void* (*)(void*)                               | 0             |
// | int (*)(void*, int, char**, char**)            | 0             |
// | void (*)(void*, void*)                         | rejected: two void*, name one |
// | void (*)(intptr_t, intptr_t)                   | rejected: two candidates, name one |
// | void (*)(int)                                  | rejected: no slot, use thunk::closure |
#ifndef THUNK_CONTEXT_SLOT_HPP
#define THUNK_CONTEXT_SLOT_HPP

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "signature.hpp"
#include "config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

template <class T>
inline constexpr bool is_void_pointer = std::is_same<std::remove_cv_t<T>, void*>::value;

template <class T>
inline constexpr bool is_pointer_sized_integer =
    std::is_integral<T>::value && !std::is_same<std::remove_cv_t<T>, bool>::value && sizeof(T) == sizeof(void*);

/// A type that can carry a pointer through a C API: void* or a pointer-sized integer.
template <class T>
inline constexpr bool is_context_type = is_void_pointer<T> || is_pointer_sized_integer<T>;

/// Positions of the context candidates in a parameter list, as a list of indices.
template <std::size_t... I>
struct index_list {
  static constexpr std::size_t size = sizeof...(I);
};

template <class L>
struct context_search;
template <class... A>
struct context_search<type_list<A...>> {
  static constexpr bool voids[sizeof...(A) + 1] = {is_void_pointer<A>..., false};
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
  static constexpr std::size_t void_count = count(voids);
  static constexpr std::size_t int_count = count(ints);
  static constexpr std::size_t index = void_count == 1                      ? first(voids)
                                       : (void_count == 0 && int_count == 1) ? first(ints)
                                                                             : npos;
  static constexpr bool ambiguous = void_count > 1 || (void_count == 0 && int_count > 1);
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
  return ambiguous_context_parameter_candidates_are<
      P, ((S::void_count > 1 ? S::voids[I] : S::ints[I]) ? I : npos)...>::value;
}

template <class P>
struct no_context_parameter {
  static_assert(dependent_false<P>,
                "thunk: the callback type P has no context parameter (no void*, no pointer-sized integer): "
                "the API cannot hand the callable back. Use thunk::closure<P> (a real thunk), or "
                "thunk::stateless<P> for a callable without state.");
  static constexpr std::size_t value = npos;
};

template <class P, std::size_t I>
struct checked_context_index {
  using args = typename signature<P>::argument_types;
  static_assert(I < args::size, "thunk: the explicit context index I is past the last parameter of P");
  static_assert(I >= args::size || is_context_type<at_t<(I < args::size ? I : 0), args>>,
                "thunk: the parameter at the explicit context index I cannot carry a pointer: it must be "
                "void* or a pointer-sized integer such as LPARAM or intptr_t");
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
