// thunk::signature<P>: what a C callback type says — result, parameters,
// calling convention, noexcept — for P a function pointer type
// (int (*)(const void*, const void*), WNDENUMPROC) or a function type
// (int(const void*, const void*)).
//
// | P                                         | convention    | accepted |
// |-------------------------------------------|---------------|----------|
// | int (*)(int)                              | default_cc    | yes      |
// | int(int)                                  | default_cc    | yes      |
// | BOOL (__stdcall*)(HWND, LPARAM)  (i386)   | stdcall_cc    | yes      |
// | void (*)(int) noexcept                    | default_cc    | yes      |
// | int (*)(const char*, ...)                 | —             | no: varargs_signatures_cannot_be_thunked |
// | int (S::*)(int)                           | —             | no: member pointers are not C callbacks |
// | std::function<int(int)>, a lambda type    | —             | no: P is the C type, the callable is f |
#ifndef THUNK_SIGNATURE_HPP
#define THUNK_SIGNATURE_HPP

#include <cstddef>
#include <type_traits>

#include "calling_convention.hpp"
#include "detail/type_list.hpp"

THUNK_BEGIN_NAMESPACE

namespace detail {
template <class Tag>
struct convention;  // stamped out per convention by detail/convention.inl

template <class T>
struct is_class_or_union : std::integral_constant<bool, std::is_class<T>::value || std::is_union<T>::value> {};
}  // namespace detail

/// Common members of every accepted signature.
template <class CC, bool NoExcept, class R, class... A>
struct signature_base {
  using result_type = R;
  using argument_types = detail::type_list<A...>;
  using convention = CC;
  static constexpr bool is_noexcept = NoExcept;
  static constexpr std::size_t arity = sizeof...(A);
  /// The C function pointer type, convention and noexcept included.
  using pointer = typename detail::convention<CC>::template pointer<NoExcept, R, A...>;
  static constexpr bool valid = true;
  using base = signature_base;

  static_assert(!std::is_array<R>::value && !std::is_function<R>::value,
                "thunk: a C callback cannot return an array or a function");
};

/// Rejected types land here: the assertion says what to use instead.
template <class P, class = void>
struct signature {
  static constexpr bool valid = false;
  static_assert(detail::dependent_false<P>,
                "thunk: P must be the C callback type: a function pointer type such as "
                "int (*)(const void*, const void*) or WNDENUMPROC, or a function type such as "
                "int(const void*, const void*). Pass the lambda or std::function as the argument, "
                "not as P.");
};

template <class C, class M>
struct signature<M C::*, void> {
  static constexpr bool valid = false;
  static_assert(detail::dependent_false<C>,
                "thunk: member_pointers_are_not_c_callbacks: P must be a plain C function pointer type; "
                "to call a member function, pass a lambda that captures the object, e.g. "
                "[&obj](int x) { return obj.f(x); }");
};

#define THUNK_DETAIL_REJECT_VARARGS(NE)                                                              \
  template <class R, class... A>                                                                     \
  struct signature<R (*)(A..., ...) NE, void> {                                                      \
    static constexpr bool valid = false;                                                             \
    static_assert(detail::dependent_false<R>,                                                        \
                  "thunk: varargs_signatures_cannot_be_thunked: a C variadic callback has no fixed " \
                  "parameter list to generate; declare the callback with fixed parameters");         \
  };                                                                                                 \
  template <class R, class... A>                                                                     \
  struct signature<R(A..., ...) NE, void> : signature<R (*)(A..., ...) NE> {};
THUNK_DETAIL_REJECT_VARARGS()
THUNK_DETAIL_REJECT_VARARGS(noexcept)
#undef THUNK_DETAIL_REJECT_VARARGS

// One stamp per convention this target has. The target's default convention
// comes with an empty attribute (a plain pointer type), the others with theirs.
#define THUNK_DETAIL_CC_TAG default_cc
#define THUNK_DETAIL_CC_ATTR
#include "detail/convention.inl"
#include "config.hpp"
#undef THUNK_DETAIL_CC_TAG
#undef THUNK_DETAIL_CC_ATTR

#if defined(THUNK_ARCH_X86_32)
#  define THUNK_DETAIL_CC_TAG stdcall_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((stdcall))
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
#  define THUNK_DETAIL_CC_TAG fastcall_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((fastcall))
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
// GCC warns that thiscall is "used for non-class method" on free function
// types, yet honours it (ecx carries the first argument): the warning is noise.
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wattributes"
#  define THUNK_DETAIL_CC_TAG thiscall_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((thiscall))
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
#  pragma GCC diagnostic pop
#endif

#if defined(THUNK_ARCH_X86_64) && defined(THUNK_OS_WINDOWS)
#  define THUNK_DETAIL_CC_TAG sysv64_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((sysv_abi))
#  define THUNK_DETAIL_CC_OUTLINE 1
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_OUTLINE
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
#elif defined(THUNK_ARCH_X86_64)
#  define THUNK_DETAIL_CC_TAG win64_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((ms_abi))
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
#endif

#if defined(THUNK_DETAIL_HAS_VECTORCALL)
#  define THUNK_DETAIL_CC_TAG vectorcall_cc
#  define THUNK_DETAIL_CC_ATTR __attribute__((vectorcall))
#  include "detail/convention.inl"
#  undef THUNK_DETAIL_CC_TAG
#  undef THUNK_DETAIL_CC_ATTR
#endif

/// The C function pointer type for P (P itself when it is a pointer).
template <class P>
using function_pointer_t = typename signature<P>::pointer;
template <class P>
using result_t = typename signature<P>::result_type;
template <class P>
using convention_t = typename signature<P>::convention;

THUNK_END_NAMESPACE

#endif  // THUNK_SIGNATURE_HPP
