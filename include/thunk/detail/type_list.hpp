// Minimal type-list tools for signatures.
#ifndef THUNK_DETAIL_TYPE_LIST_HPP
#define THUNK_DETAIL_TYPE_LIST_HPP

#include <cstddef>
#include <type_traits>
#include "../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

template <class... T>
struct type_list {
  static constexpr std::size_t size = sizeof...(T);
};

template <std::size_t I, class L>
struct at;
template <std::size_t I, class H, class... T>
struct at<I, type_list<H, T...>> : at<I - 1, type_list<T...>> {};
template <class H, class... T>
struct at<0, type_list<H, T...>> {
  using type = H;
};
template <std::size_t I, class L>
using at_t = typename at<I, L>::type;

template <class T>
inline constexpr bool dependent_false = false;

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

}  // namespace detail
THUNK_END_NAMESPACE

#endif
