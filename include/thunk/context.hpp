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
#include <tuple>
#include <type_traits>
#include <utility>

#include "config.hpp"
#include "context_slot.hpp"
#include "detail/invoke.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"

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
  using stored = std::conditional_t<std::is_function<std::remove_reference_t<F>>::value, std::decay_t<F>,
                                    std::remove_reference_t<F>>;
  static_assert(
      detail::callable_check<stored, typename sig::result_type, typename detail::drop_at<args, index>::type>::value,
      "thunk: see the diagnostic above");
  constexpr bool captures = detail::policy_captures<Policy>;
  pointer fn = detail::context_function<P, index, stored, captures>();
  if constexpr (std::is_lvalue_reference<F>::value && !std::is_function<std::remove_reference_t<F>>::value) {
    return context_callback<pointer, ctx_type>{
        fn, detail::to_context<ctx_type>(const_cast<void*>(static_cast<const volatile void*>(&f)))};
  } else {
    return owning_context_callback<pointer, ctx_type, std::remove_const_t<stored>>(std::forward<F>(f), fn);
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

// thunk::call lives in its own header; the umbrella of this tier includes it.
#include "call.hpp"

#endif  // THUNK_CONTEXT_HPP
