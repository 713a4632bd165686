// thunk::error and its codes: how a failed allocation is reported.
#ifndef THUNK_ERROR_HPP
#define THUNK_ERROR_HPP

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "config.hpp"

THUNK_BEGIN_NAMESPACE

/// What went wrong when a callback could not be made.
enum class errc {
  out_of_memory = 1,            ///< the system refused memory for a page or a callable
  executable_memory_refused,    ///< every way to get executable memory was refused (W^X policy, seccomp, MDWE ...)
  pool_exhausted,               ///< a static_closure pool has no free slot
  thread_storage_unavailable,   ///< no per-thread slot for the general path (TlsAlloc failed)
  unsupported_target,           ///< closure has no thunk for this target
};

namespace detail {
class error_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "thunk"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::out_of_memory: return "out of memory for a callback";
      case errc::executable_memory_refused: return "executable memory was refused by the system";
      case errc::pool_exhausted: return "static_closure pool exhausted";
      case errc::thread_storage_unavailable: return "no thread-local slot for the thunk's context";
      case errc::unsupported_target: return "no run-time thunk for this target; use thunk::static_closure";
    }
    return "unknown thunk error";
  }
};
}  // namespace detail

inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

/// Thrown when a callback cannot be made; code() says why, what() says it in words.
class error : public std::system_error {
 public:
  using std::system_error::system_error;
};

namespace detail {
/// Throws thunk::error, or without exceptions prints the message and aborts:
/// callers that must not abort use the non-throwing factories instead.
[[noreturn]] inline void raise(std::error_code ec, const char* what) {
#if THUNK_HAS_EXCEPTIONS
  throw error(ec, what);
#else
  std::fprintf(stderr, "thunk: %s: %s\n", what, ec.message().c_str());
  std::abort();
#endif
}
/// The same for an errc, kept out of line: the callers' fast paths stay small
/// enough to inline.
[[noreturn]] THUNK_DETAIL_NOINLINE THUNK_DETAIL_OUTLINE void raise(errc e, const char* what)
    THUNK_DETAIL_BODY({ raise(make_error_code(e), what); })
}  // namespace detail

THUNK_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<thunk::errc> : true_type {};
}  // namespace std

#endif  // THUNK_ERROR_HPP
