// The context tier: for C APIs that hand the callback a user-data slot
// (EnumWindows' LPARAM, qsort_r's void*, pthread_create's arg ...).
//
// No allocation and no run-time code: one static typed entry per (P, callable
// type) reads the callable's address back from the slot.
//
//   auto [fn, ctx] = thunk::with_context<WNDENUMPROC>(visitor);   // visitor referenced
//   EnumWindows(fn, ctx);
//   thunk::call(EnumWindows, [&](HWND h) { ...; return TRUE; }); // slot found, exceptions carried
#ifndef THUNK_CONTEXT_HPP
#define THUNK_CONTEXT_HPP

#include <cstddef>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "context_slot.hpp"
#include "detail/invoke.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"
#include "config.hpp"

THUNK_BEGIN_NAMESPACE

/// What with_context returns for a callable it references: the function to
/// hand to the API and the value for the API's context parameter.
template <class Pointer, class Context>
struct context_callback {
  Pointer function;
  Context context;
};

namespace detail {

template <class Ctx>
inline Ctx to_context(void* p) noexcept {
  if constexpr (std::is_pointer<Ctx>::value) {
    return static_cast<Ctx>(p);
  } else {
    return reinterpret_cast<Ctx>(p);
  }
}

template <class Ctx>
inline void* from_context(Ctx c) noexcept {
  if constexpr (std::is_pointer<Ctx>::value) {
    return const_cast<void*>(static_cast<const volatile void*>(c));
  } else {
    return reinterpret_cast<void*>(c);
  }
}

/// Index of parameter J of the callable's list in the callback's list, which
/// has the context at Skip.
template <std::size_t J, std::size_t Skip>
inline constexpr std::size_t skip_index = J < Skip ? J : J + 1;

template <class L, std::size_t Skip>
struct drop_at;
template <class... A, std::size_t Skip>
struct drop_at<type_list<A...>, Skip> {
  template <std::size_t... J>
  static type_list<at_t<skip_index<J, Skip>, type_list<A...>>...> make(std::index_sequence<J...>);
  using type = decltype(make(std::make_index_sequence<sizeof...(A) - 1>{}));
};

template <class F, class R, class L>
struct callable_check;
template <class F, class R, class... A>
struct callable_check<F, R, type_list<A...>> {
  static constexpr bool value = check_callable<F, R, A...>();
};

/// Where the exception goes: Capture == false -> terminate policy.
template <class P, bool Capture, class R, class F, class... Args>
inline R dispatch(std::exception_ptr* slot, F& f, Args&&... args) noexcept {
  if constexpr (Capture) {
#if THUNK_HAS_EXCEPTIONS
    return invoke_capture<R>(capture_target<R>{slot, nullptr}, f, std::forward<Args>(args)...);
#else
    (void)slot;
    return invoke_plain<R>(f, std::forward<Args>(args)...);
#endif
  } else {
    (void)slot;
    return invoke_terminate<P, R>(f, std::forward<Args>(args)...);
  }
}

/// Entry implementation: the context parameter at I holds an F*.
template <class P, std::size_t I, class F, bool Capture>
struct context_entry {
  template <class R, class... A, std::size_t... J>
  static R forward(F& f, std::tuple<A&...>& refs, std::index_sequence<J...>) noexcept {
    using L = type_list<A...>;
    std::exception_ptr* slot = nullptr;
#if THUNK_HAS_EXCEPTIONS
    if constexpr (Capture) slot = &thread_captured_exception();
#endif
    return dispatch<P, Capture, R>(slot, f,
                                   static_cast<at_t<skip_index<J, I>, L>&&>(std::get<skip_index<J, I>>(refs))...);
  }
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    std::tuple<A&...> refs(a...);
    F* f = static_cast<F*>(from_context(std::get<I>(refs)));
    return forward<R, A...>(*f, refs, std::make_index_sequence<sizeof...(A) - 1>{});
  }
};

template <class Impl, class Sig>
struct entry_for;
template <class Impl, class CC, bool NE, class R, class... A>
struct entry_for<Impl, signature_base<CC, NE, R, A...>> {
  static constexpr auto value = &convention<CC>::template entry<Impl, R, A...>;
};

/// The typed entry for P with the callable's address in parameter I.
template <class P, std::size_t I, class F, bool Capture>
inline typename signature<P>::pointer context_function() noexcept {
  return entry_for<context_entry<P, I, F, Capture>, typename signature<P>::base>::value;
}

template <class Policy>
inline constexpr bool policy_captures = std::is_same<Policy, capture_t>::value;

template <class Policy>
constexpr void check_context_policy() {
  static_assert(std::is_same<Policy, terminate_t>::value || std::is_same<Policy, capture_t>::value,
                "thunk: with_context takes thunk::terminate or thunk::capture; a fallback value "
                "(thunk::capture_or) needs a place to live: use thunk::closure, or thunk::call, which "
                "captures and rethrows by itself");
}

}  // namespace detail

/// What with_context returns for a callable passed as an rvalue: it holds the
/// callable, so it can be neither copied nor moved (the context points into
/// it). Use it in place: auto [fn, ctx] = thunk::with_context<P>([&](...) {...});
template <class Pointer, class Context, class F>
class owning_context_callback {
 public:
  template <class G>
  explicit owning_context_callback(G&& g, Pointer fn)
      : callable_(std::forward<G>(g)), function(fn), context(detail::to_context<Context>(&callable_)) {}
  owning_context_callback(const owning_context_callback&) = delete;
  owning_context_callback& operator=(const owning_context_callback&) = delete;

 private:
  F callable_;

 public:
  Pointer function;
  Context context;

  template <std::size_t K>
  auto get() const noexcept {
    if constexpr (K == 0) {
      return function;
    } else {
      return context;
    }
  }
};

/// Binds f to the C callback type P through P's context parameter (found
/// automatically, or the one at index I). An lvalue callable is referenced —
/// it must outlive every call — an rvalue one is held by the result.
template <class P, std::size_t I = auto_index, class F, class Policy = terminate_t>
auto with_context(F&& f, Policy = Policy()) {
  static_assert(detail::is_policy<Policy>::value,
                "thunk: the second argument of with_context is an exception policy: thunk::terminate or "
                "thunk::capture");
  detail::check_context_policy<Policy>();
  using sig = signature<P>;
  constexpr std::size_t index = context_index_v<P, I>;
  using args = typename sig::argument_types;
  using ctx_type = detail::at_t<index, args>;
  using pointer = typename sig::pointer;
  using stored = std::conditional_t<std::is_function<std::remove_reference_t<F>>::value,
                                    std::decay_t<F>, std::remove_reference_t<F>>;
  static_assert(detail::callable_check<stored, typename sig::result_type,
                                       typename detail::drop_at<args, index>::type>::value,
                "thunk: see the diagnostic above");
  constexpr bool captures = detail::policy_captures<Policy>;
  pointer fn = detail::context_function<P, index, stored, captures>();
  if constexpr (std::is_lvalue_reference<F>::value && !std::is_function<std::remove_reference_t<F>>::value) {
    return context_callback<pointer, ctx_type>{fn, detail::to_context<ctx_type>(
                                                       const_cast<void*>(static_cast<const volatile void*>(&f)))};
  } else {
    return owning_context_callback<pointer, ctx_type, std::remove_const_t<stored>>(std::forward<F>(f), fn);
  }
}


namespace detail {

/// V, or the failure that Fail's instantiation reports when V is npos; Fail
/// is instantiated only then.
template <std::size_t V, class Fail>
struct or_fail {
  static constexpr std::size_t value = V;
};
template <class Fail>
struct or_fail<npos, Fail> {
  static constexpr std::size_t value = Fail::value;
};

template <class T>
inline constexpr bool is_function_pointer =
    std::is_pointer<T>::value && std::is_function<std::remove_pointer_t<T>>::value;

template <class Api>
struct no_callback_parameter {
  static_assert(dependent_false<Api>,
                "thunk::call: the API has no function-pointer parameter, or several: name the callback's "
                "position and its context's: thunk::call<CallbackIndex, ContextIndex>(api, f, args...)");
  static constexpr std::size_t value = npos;
};

template <class Api, class L>
struct callback_position;
template <class Api, class... B>
struct callback_position<Api, type_list<B...>> {
  static constexpr bool flags[sizeof...(B) + 1] = {is_function_pointer<B>..., false};
  static constexpr std::size_t find() {
    std::size_t found = npos, n = 0;
    for (std::size_t i = 0; i < sizeof...(B); ++i)
      if (flags[i]) {
        found = i;
        ++n;
      }
    return n == 1 ? found : npos;
  }
  static constexpr std::size_t value = or_fail<find(), no_callback_parameter<Api>>::value;
};

/// Same-type table between the callback's parameters and the API's.
template <class PL, class AL>
struct match_table;
template <class... C, class... B>
struct match_table<type_list<C...>, type_list<B...>> {
  template <class X>
  static constexpr bool row[sizeof...(B) + 1] = {std::is_same<X, B>::value..., false};
  static constexpr const bool* rows[sizeof...(C) + 1] = {row<C>..., nullptr};
};

template <class Api>
struct callback_context_unresolved {
  static_assert(dependent_false<Api>,
                "thunk::call: cannot tell which parameter of the callback carries the context (none, or "
                "several of the same type as the API's context parameter): name all three positions: "
                "thunk::call<CallbackIndex, ContextIndex, CallbackContextIndex>(api, f, args...)");
  static constexpr std::size_t value = npos;
};

/// The callback's context index: its own rule when that has one answer, else
/// the candidate whose type is the first API parameter after the callback that
/// matches a candidate type (EnumFontFamiliesEx on i386: DWORD and LPARAM are
/// both pointer-sized, and LPARAM follows the callback).
template <class Api, class P, std::size_t Cb>
struct callback_context_position {
  using pargs = typename signature<P>::argument_types;
  using aargs = typename signature<Api>::argument_types;
  using search = context_search<pargs>;
  using table = match_table<pargs, aargs>;
  static constexpr std::size_t find() {
    if (search::index != npos) return search::index;
    for (std::size_t j = Cb + 1; j < aargs::size; ++j) {
      std::size_t hit = npos, hits = 0;
      for (std::size_t i = 0; i < pargs::size; ++i) {
        bool candidate = search::void_count > 1 ? search::voids[i] : (search::voids[i] || search::ints[i]);
        if (candidate && table::rows[i][j]) {
          hit = i;
          ++hits;
        }
      }
      if (hits == 1) return hit;
      if (hits > 1) return npos;
    }
    return npos;
  }
  static constexpr std::size_t value = or_fail<find(), callback_context_unresolved<Api>>::value;
};

template <class Api>
struct api_context_unresolved {
  static_assert(dependent_false<Api>,
                "thunk::call: no API parameter after the callback has the type of the callback's context "
                "parameter: name the positions: thunk::call<CallbackIndex, ContextIndex>(api, f, args...)");
  static constexpr std::size_t value = npos;
};

template <class Api, class Ctx, std::size_t Cb>
struct api_context_position {
  using aargs = typename signature<Api>::argument_types;
  template <std::size_t... J>
  static constexpr std::size_t find(std::index_sequence<J...>) {
    constexpr bool same[sizeof...(J) + 1] = {std::is_same<Ctx, at_t<J, aargs>>::value..., false};
    for (std::size_t j = Cb + 1; j < sizeof...(J); ++j)
      if (same[j]) return j;
    return npos;
  }
  static constexpr std::size_t found = find(std::make_index_sequence<aargs::size>{});
  static constexpr std::size_t value = or_fail<found, api_context_unresolved<Api>>::value;
};

template <std::size_t Given, class Deduce>
struct given_or {
  static constexpr std::size_t value = Given;
};
template <class Deduce>
struct given_or<npos, Deduce> {
  static constexpr std::size_t value = Deduce::value;
};
template <class Api>
struct lazy_callback_position {
  static constexpr std::size_t value = callback_position<Api, typename signature<Api>::argument_types>::value;
};

template <class F>
struct call_frame {
  F* callable;
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr exception;
#endif
};

/// Entry implementation for thunk::call: the context holds a call_frame.
template <class P, std::size_t I, class F>
struct call_entry {
  template <class R, class... A, std::size_t... J>
  static R forward(call_frame<F>& frame, std::tuple<A&...>& refs, std::index_sequence<J...>) noexcept {
    using L = type_list<A...>;
    std::exception_ptr* slot = nullptr;
#if THUNK_HAS_EXCEPTIONS
    slot = &frame.exception;
#endif
    return dispatch<P, true, R>(slot, *frame.callable,
                                static_cast<at_t<skip_index<J, I>, L>&&>(std::get<skip_index<J, I>>(refs))...);
  }
  template <class R, class... A>
  static R invoke(A&... a) noexcept {
    std::tuple<A&...> refs(a...);
    auto* frame = static_cast<call_frame<F>*>(from_context(std::get<I>(refs)));
    return forward<R, A...>(*frame, refs, std::make_index_sequence<sizeof...(A) - 1>{});
  }
};

template <std::size_t Cb, std::size_t Ctx, std::size_t K>
inline constexpr std::size_t rest_index = K - (K > Cb ? 1 : 0) - (K > Ctx ? 1 : 0);

template <std::size_t Cb, std::size_t Ctx, class Api, class Fn, class C, class Rest, std::size_t... K>
inline decltype(auto) call_api(Api& api, Fn fn, C ctx, Rest& rest, std::index_sequence<K...>) {
  auto pick = [&](auto k) -> decltype(auto) {
    constexpr std::size_t index = decltype(k)::value;
    if constexpr (index == Cb) {
      return fn;
    } else if constexpr (index == Ctx) {
      return ctx;
    } else {
      return std::get<rest_index<Cb, Ctx, index>>(std::move(rest));
    }
  };
  return std::invoke(api, pick(std::integral_constant<std::size_t, K>{})...);
}

}  // namespace detail

/// Calls a C API that takes a callback and its context, binding f to the
/// callback: thunk::call(EnumWindows, [&](HWND h) { ...; return TRUE; });
/// The callback and context positions are deduced from the API's parameters;
/// other_args fill the remaining ones in order. An exception thrown by f stops
/// the callbacks (the callback returns a value-initialised result, FALSE) and
/// is rethrown here once the API returned. f is used in place, never copied.
template <std::size_t CallbackIndex = auto_index, std::size_t ContextIndex = auto_index,
          std::size_t CallbackContextIndex = auto_index, class Api, class F, class... Rest>
decltype(auto) call(Api&& api, F&& f, Rest&&... other_args) {
  using api_type = std::decay_t<Api>;
  using api_sig = signature<api_type>;
  using api_args = typename api_sig::argument_types;
  constexpr std::size_t cb = detail::given_or<CallbackIndex, detail::lazy_callback_position<api_type>>::value;
  using P = detail::at_t<cb, api_args>;
  static_assert(detail::is_function_pointer<P>, "thunk::call: the parameter at CallbackIndex is not a function pointer");
  using sig = signature<P>;
  using pargs = typename sig::argument_types;
  constexpr std::size_t pctx =
      detail::given_or<CallbackContextIndex, detail::callback_context_position<api_type, P, cb>>::value;
  using ctx_type = detail::at_t<pctx, pargs>;
  constexpr std::size_t actx =
      detail::given_or<ContextIndex, detail::api_context_position<api_type, ctx_type, cb>>::value;
  static_assert(sizeof...(Rest) + 2 == api_args::size,
                "thunk::call: give the API's other arguments, in order, after the callable: every parameter "
                "except the callback and its context");
  using stored = std::conditional_t<std::is_function<std::remove_reference_t<F>>::value, std::decay_t<F>,
                                    std::remove_reference_t<F>>;
  static_assert(detail::callable_check<stored, typename sig::result_type,
                                       typename detail::drop_at<pargs, pctx>::type>::value,
                "thunk: see the diagnostic above");
  detail::call_frame<stored> frame{};
  [[maybe_unused]] std::conditional_t<std::is_function<std::remove_reference_t<F>>::value, std::decay_t<F>, char>
      function_pointer_copy{};
  if constexpr (std::is_function<std::remove_reference_t<F>>::value) {
    function_pointer_copy = f;
    frame.callable = &function_pointer_copy;
  } else {
    frame.callable = &f;
  }
  typename sig::pointer fn = detail::entry_for<detail::call_entry<P, pctx, stored>, typename sig::base>::value;
  auto ctx = detail::to_context<ctx_type>(static_cast<void*>(&frame));
  auto rest = std::forward_as_tuple(std::forward<Rest>(other_args)...);
  using indices = std::make_index_sequence<api_args::size>;
  if constexpr (std::is_void<typename api_sig::result_type>::value) {
    detail::call_api<cb, actx>(api, fn, ctx, rest, indices{});
#if THUNK_HAS_EXCEPTIONS
    if (frame.exception) std::rethrow_exception(frame.exception);
#endif
  } else {
    auto result = detail::call_api<cb, actx>(api, fn, ctx, rest, indices{});
#if THUNK_HAS_EXCEPTIONS
    if (frame.exception) std::rethrow_exception(frame.exception);
#endif
    return result;
  }
}

THUNK_END_NAMESPACE

namespace std {
template <class Pointer, class Context, class F>
struct tuple_size<thunk::owning_context_callback<Pointer, Context, F>> : integral_constant<size_t, 2> {};
template <class Pointer, class Context, class F>
struct tuple_element<0, thunk::owning_context_callback<Pointer, Context, F>> {
  using type = Pointer;
};
template <class Pointer, class Context, class F>
struct tuple_element<1, thunk::owning_context_callback<Pointer, Context, F>> {
  using type = Context;
};
}  // namespace std

#endif  // THUNK_CONTEXT_HPP
