// NO INCLUDE GUARD, ON PURPOSE: do not include this file directly.
//
// signature.hpp includes it once per calling convention the target has, with
// THUNK_DETAIL_CC_TAG (a tag from calling_convention.hpp) and
// THUNK_DETAIL_CC_ATTR (the attribute, empty for the target's default) defined.
// It stamps out the signature specializations and the typed entry template for
// that convention, so every convention is handled by the same lines.

template <class R, class... A>
struct signature<R(THUNK_DETAIL_CC_ATTR*)(A...)> : signature_base<THUNK_DETAIL_CC_TAG, false, R, A...> {};
template <class R, class... A>
struct signature<R(THUNK_DETAIL_CC_ATTR*)(A...) noexcept> : signature_base<THUNK_DETAIL_CC_TAG, true, R, A...> {};
template <class R, class... A>
struct signature<R THUNK_DETAIL_CC_ATTR(A...)> : signature_base<THUNK_DETAIL_CC_TAG, false, R, A...> {};
template <class R, class... A>
struct signature<R THUNK_DETAIL_CC_ATTR(A...) noexcept> : signature_base<THUNK_DETAIL_CC_TAG, true, R, A...> {};

namespace detail {
template <>
struct convention<THUNK_DETAIL_CC_TAG> {
  template <bool NoExcept, class R, class... A>
  using pointer = R(THUNK_DETAIL_CC_ATTR*)(A...) noexcept(NoExcept);

  // The typed entry: ordinary C++ the compiler emits for this exact signature
  // and convention. Impl decides where the context comes from.
#if defined(THUNK_DETAIL_CC_OUTLINE)
  // MinGW GCC emits no SEH unwind data (.seh_proc) for a sysv_abi function,
  // yet does emit its exception table (.seh_handlerdata) when the body has a
  // handler: the assembler rejects that, and -O2 ICEs on it. So the foreign
  // convention's entry only forwards to an ordinary, noinline body that holds
  // every handler; the forwarder cannot throw and needs no table.
  template <class Impl, class R, class... A>
  THUNK_DETAIL_NOINLINE static R body(A... a) noexcept {
    return Impl::template invoke<R, A...>(a...);
  }
#endif
  template <class Impl, class R, class... A>
  static R THUNK_DETAIL_CC_ATTR entry(A... a) noexcept {
#if defined(THUNK_DETAIL_CC_OUTLINE)
    return body<Impl, R, A...>(a...);
#else
    return Impl::template invoke<R, A...>(a...);
#endif
  }
};
}  // namespace detail
