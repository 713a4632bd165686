// thunk::is_bindable_v<P, F>: whether a callable of type F can stand behind
// the C callback type P — callable as an lvalue with P's parameters, its
// result convertible to P's (anything, when P returns void). The owning types
// (closure, static_closure) take part in overload resolution only for such
// callables, as std::function does since LWG 2132, so that
//
//   void reg(thunk::closure<int (*)(int)>);
//   void reg(thunk::closure<void (*)(const char*)>);
//   reg([](const char* s) { puts(s); });   // picks the second
//
// is not ambiguous, and std::is_constructible / std::is_convertible say no
// for a callable that does not fit.
#ifndef THUNK_BINDABLE_HPP
#define THUNK_BINDABLE_HPP

#include <type_traits>

#include "config.hpp"
#include "signature.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

template <class F, class R, class L>
struct bindable_to;
template <class F, class R, class... A>
struct bindable_to<F, R, type_list<A...>> : std::is_invocable_r<R, F&, A...> {};

/// Names the failure in the compiler's "use of deleted function" line when a
/// closure or static_closure is initialised directly with a callable that
/// does not fit P.
template <class P, class F>
struct the_callable_cannot_be_called_with_Ps_parameters_or_its_result_does_not_convert {};

}  // namespace detail

/// True when F (decayed, called as an lvalue) can be bound to the C callback
/// type P by closure<P> and static_closure<P, N>.
template <class P, class F>
inline constexpr bool is_bindable_v = detail::bindable_to<std::decay_t<F>, typename signature<P>::result_type,
                                                          typename signature<P>::argument_types>::value;

template <class P, class F>
struct is_bindable : std::bool_constant<is_bindable_v<P, F>> {};

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
/// The same as a C++20 concept, in the trait's order:
/// template <class F> requires thunk::bindable<P, F> void reg(F&& f);
template <class P, class F>
concept bindable = is_bindable_v<P, F>;
#endif

THUNK_END_NAMESPACE

#endif  // THUNK_BINDABLE_HPP
