// thunk::call(api, f, other_args...): calls a C API that takes a callback and
// its context with f bound to the callback; finds both positions in the API's
// parameter list and carries f's exception out.
//
//   thunk::call(EnumWindows, [&](HWND h) { found.push_back(h); return TRUE; });
//   thunk::call(thunk::capture_or(1), sqlite3_exec, db, sql, row, &error);  // 1 stops sqlite3_exec
//   thunk::call(pthread_create, body, &tid, nullptr);  // body: an lvalue that outlives the thread
//
// Where the context points. An lvalue callable is referenced: the context is
// its address, as with_context gives, so an API that calls back later or on
// another thread works while the callable lives. A temporary callable lives
// in thunk::call's frame and dies with it: its context is the frame's
// address, which the entry dereferences only after finding the frame
// registered on the calling thread. The registry is a thread-local list of
// the thunk::calls running on this thread (its head is thread-local storage,
// its nodes live in running frames), so a late call never reads freed stack:
// it stops the process with a message naming thunk::call.
//
// Exceptions. Thrown on this thread during the call, an exception is stored
// in the running call's frame (found through the same registry, only once
// something was thrown) and rethrown after the API returned. Thrown on
// another thread, or after thunk::call returned, it has nowhere to go: the
// terminate policy, with a message naming thunk::call.
#ifndef THUNK_CALL_HPP
#define THUNK_CALL_HPP

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <tuple>
#include <type_traits>
#include <utility>

#include "config.hpp"
#include "context.hpp"
#include "context_slot.hpp"
#include "detail/invoke.hpp"
#include "exception_policy.hpp"
#include "signature.hpp"

THUNK_BEGIN_NAMESPACE

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
    std::is_pointer<T>::value&& std::is_function<std::remove_pointer_t<T>>::value;

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
        const bool candidate = search::void_count > 1
                                   ? search::plain_voids[i]
                                   : (search::plain_voids[i] || search::ints[i] || search::cv_voids[i]);
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

/// One thunk::call running on this thread: a node in its frame, linked from
/// a thread-local head, so that looking a context up never touches a frame
/// that is not live on this thread's stack.
struct active_call {
  const void* context;  // what the API received as context
  const void* key;      // the entry's identity: a frame of another instantiation never matches
  void* frame;
  active_call* next;
};

inline active_call*& active_calls() noexcept {
  static thread_local active_call* head = nullptr;
  return head;
}

/// The running call on this thread that handed out this context, or null.
inline active_call* find_active_call(const void* context, const void* key) noexcept {
  for (active_call* a = active_calls(); a; a = a->next)
    if (a->context == context && a->key == key) return a;
  return nullptr;
}

/// Registers a frame for the duration of thunk::call (unregistered on return
/// and on unwinding).
class call_registration {
 public:
  call_registration(const void* context, const void* key, void* frame) noexcept
      : node_{context, key, frame, active_calls()} {
    active_calls() = &node_;
  }
  ~call_registration() { active_calls() = node_.next; }
  call_registration(const call_registration&) = delete;
  call_registration& operator=(const call_registration&) = delete;

 private:
  active_call node_;
};

[[noreturn]] inline void late_temporary_call(const char* pretty) noexcept {
  fatal_callback("fatal: a callback of type ", pretty,
                 " that thunk::call made for a temporary callable was called after thunk::call returned, or on "
                 "another thread; the callable lived in thunk::call's frame and is gone. For an API that calls "
                 "back later or elsewhere (pthread_create, hooks, timers) pass thunk::call a callable that "
                 "outlives the calls as an lvalue (a named object), or use thunk::with_context or thunk::closure",
                 nullptr, "", stop_by::abort);
}

#if THUNK_HAS_EXCEPTIONS
[[noreturn]] inline void late_call_threw(const char* pretty) noexcept {
  fatal_callback("an exception escaped a callback of type ", pretty,
                 " made by thunk::call, on another thread or after thunk::call returned: no thunk::call is there "
                 "to rethrow it and C frames cannot be unwound, so the process terminates (catch it inside the "
                 "callable)",
                 nullptr, "", stop_by::terminate);
}
#endif

/// What a running thunk::call keeps for its entry.
template <class F, class R>
struct call_frame {
  F* callable;
  const R* fallback;  // null: value-initialised R
#if THUNK_HAS_EXCEPTIONS
  std::exception_ptr exception;
#endif
};

/// The value to return after a throw: capture_or's, else none (R{}).
template <class R, class Policy>
struct call_fallback {
  explicit call_fallback(const Policy&) noexcept {}
  const R* get() const noexcept { return nullptr; }
};
template <class R, class T>
struct call_fallback<R, capture_or_t<T>> {
  explicit call_fallback(const capture_or_t<T>& p) : value(static_cast<R>(p.fallback)) {}
  const R* get() const noexcept { return &value; }
  R value;
};
template <class T>
struct call_fallback<void, capture_or_t<T>> {
  explicit call_fallback(const capture_or_t<T>&) noexcept {}
  const void* get() const noexcept { return nullptr; }
};

/// Entry for thunk::call. Owned == false: the context is the callable's
/// address (an lvalue the user keeps alive). Owned == true: the context is
/// the call_frame's address, dereferenced only once found registered on
/// this thread.
template <class P, std::size_t I, class F, class R, bool Owned, bool Capture>
struct call_entry {
  static constexpr char key = 0;

  template <class... A, std::size_t... J>
  static R forward(F& f, [[maybe_unused]] const void* ctx, std::tuple<A&...>& refs,
                   std::index_sequence<J...>) noexcept {
    using L = type_list<A...>;
    if constexpr (!Capture) {
      return invoke_terminate<P, R>(f, static_cast<at_t<skip_index<J, I>, L>&&>(std::get<skip_index<J, I>>(refs))...);
    } else {
#if THUNK_HAS_EXCEPTIONS
      try {
        return invoke_plain<R>(f, static_cast<at_t<skip_index<J, I>, L>&&>(std::get<skip_index<J, I>>(refs))...);
      } catch (...) {
        // Looked up only now: a call that does not throw pays nothing for it.
        active_call* a = find_active_call(ctx, &key);
        if (!a) late_call_threw(pretty_signature<P>());
        auto* frame = static_cast<call_frame<F, R>*>(a->frame);
        if (!frame->exception) frame->exception = std::current_exception();
        return fallback_value<R>(frame->fallback);
      }
#else
      return invoke_plain<R>(f, static_cast<at_t<skip_index<J, I>, L>&&>(std::get<skip_index<J, I>>(refs))...);
#endif
    }
  }

  template <class R2, class... A>
  static R invoke(A&... a) noexcept {
    std::tuple<A&...> refs(a...);
    void* ctx = from_context(std::get<I>(refs));
    F* f;
    if constexpr (Owned) {
      active_call* running = find_active_call(ctx, &key);
      if (THUNK_DETAIL_UNLIKELY(!running)) late_temporary_call(pretty_signature<P>());
      f = static_cast<call_frame<F, R>*>(running->frame)->callable;
    } else {
      f = static_cast<F*>(ctx);
    }
    return forward<A...>(*f, ctx, refs, std::make_index_sequence<sizeof...(A) - 1>{});
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
  return detail::invoke(api, pick(std::integral_constant<std::size_t, K>{})...);
}

}  // namespace detail

/// thunk::call with the exception policy first:
/// - thunk::capture (what the form without a policy uses): after a throw the
///   callback returns a value-initialised result — FALSE, 0, nullptr;
/// - thunk::capture_or(v): it returns v converted to the callback's result
///   (thunk::capture_or(1) stops sqlite3_exec, nftw and dl_iterate_phdr, for
///   which 0 means "continue");
/// - thunk::terminate: an exception stops the process.
/// A captured exception is rethrown here once the API returned. The API
/// decides whether to call back again after the fallback: the callable is not
/// shielded from those calls.
template <std::size_t CallbackIndex = auto_index, std::size_t ContextIndex = auto_index,
          std::size_t CallbackContextIndex = auto_index, class Policy, class Api, class F, class... Rest,
          std::enable_if_t<detail::is_policy<Policy>::value, int> = 0>
decltype(auto) call(Policy policy, Api&& api, F&& f, Rest&&... other_args) {
  using api_type = std::decay_t<Api>;
  using api_sig = signature<api_type>;
  using api_args = typename api_sig::argument_types;
  constexpr std::size_t cb = detail::given_or<CallbackIndex, detail::lazy_callback_position<api_type>>::value;
  using P = detail::at_t<cb, api_args>;
  static_assert(detail::is_function_pointer<P>,
                "thunk::call: the parameter at CallbackIndex is not a function pointer");
  using sig = signature<P>;
  using pargs = typename sig::argument_types;
  using R = typename sig::result_type;
  constexpr std::size_t pctx =
      detail::given_or<CallbackContextIndex, detail::callback_context_position<api_type, P, cb>>::value;
  using ctx_type = detail::at_t<pctx, pargs>;
  constexpr std::size_t actx =
      detail::given_or<ContextIndex, detail::api_context_position<api_type, ctx_type, cb>>::value;
  static_assert(sizeof...(Rest) + 2 == api_args::size,
                "thunk::call: give the API's other arguments, in order, after the callable: every parameter "
                "except the callback and its context");
  constexpr bool is_fn = std::is_function<std::remove_reference_t<F>>::value;
  using stored = std::conditional_t<is_fn, std::decay_t<F>, std::remove_reference_t<F>>;
  static_assert(detail::callable_check<stored, R, typename detail::drop_at<pargs, pctx>::type>::value,
                "thunk: see the diagnostic above");
  // A function is held as a pointer in this frame: owned, like a temporary.
  constexpr bool owned = is_fn || !std::is_lvalue_reference<F>::value;
  constexpr bool captures = !std::is_same<Policy, terminate_t>::value;
  using entry = detail::call_entry<P, pctx, stored, R, owned, captures>;

  [[maybe_unused]] std::conditional_t<is_fn, stored, char> function_pointer{};
  stored* callable;
  if constexpr (is_fn) {
    function_pointer = f;
    callable = &function_pointer;
  } else {
    callable = std::addressof(f);
  }
  const detail::call_fallback<R, Policy> fallback(policy);
  detail::call_frame<stored, R> frame;
  frame.callable = callable;
  frame.fallback = fallback.get();
  void* context = owned ? static_cast<void*>(&frame) : const_cast<void*>(static_cast<const volatile void*>(callable));
  const detail::call_registration registration(context, &entry::key, &frame);
  typename sig::pointer fn = detail::entry_for<entry, typename sig::base>::value;
  auto ctx = detail::to_context<ctx_type>(context);
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

/// Calls a C API that takes a callback and its context, binding f to the
/// callback: thunk::call(EnumWindows, [&](HWND h) { ...; return TRUE; }).
///
/// The callback and context positions are deduced from the API's parameters;
/// other_args fill the remaining ones in order (the explicit form names the
/// positions). f is used in place, never copied: an lvalue f is referenced,
/// so the API may call it later or from another thread while f lives; an
/// rvalue f may be called only during the call and on this thread (anything
/// else stops the process with a message).
///
/// An exception f throws on this thread during the call is captured (policy
/// thunk::capture): that callback returns a value-initialised result — FALSE,
/// 0, nullptr — and the exception is rethrown here once the API returned.
/// FALSE stops EnumWindows, but 0 means "continue" to sqlite3_exec, nftw or
/// dl_iterate_phdr: choose the value with thunk::call(thunk::capture_or(v), ...).
template <std::size_t CallbackIndex = auto_index, std::size_t ContextIndex = auto_index,
          std::size_t CallbackContextIndex = auto_index, class Api, class F, class... Rest,
          std::enable_if_t<!detail::is_policy<std::decay_t<Api>>::value, int> = 0>
decltype(auto) call(Api&& api, F&& f, Rest&&... other_args) {
  return call<CallbackIndex, ContextIndex, CallbackContextIndex>(capture, std::forward<Api>(api), std::forward<F>(f),
                                                                 std::forward<Rest>(other_args)...);
}

THUNK_END_NAMESPACE

#endif  // THUNK_CALL_HPP
