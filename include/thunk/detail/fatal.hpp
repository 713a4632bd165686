// The one way thunk stops a process from inside a callback: a message that
// names the callback's type, then abort() (a misuse: a destroyed or expired
// callback called) or std::terminate() (an exception that C frames cannot
// carry).
#ifndef THUNK_DETAIL_FATAL_HPP
#define THUNK_DETAIL_FATAL_HPP

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "../config.hpp"
#include "type_name.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

enum class stop_by { abort, terminate };

/// Prints "thunk: " and `format`, whose `%s` is the type named by `pretty`
/// (a pretty_signature) and whose optional `%p` after it is `address`.
[[noreturn]] THUNK_DETAIL_NOINLINE THUNK_DETAIL_OUTLINE void fatal_callback(const char* format, const char* pretty,
                                                                             const void* address,
                                                                             stop_by how) noexcept
    THUNK_DETAIL_BODY({
      char name[256];
      extract_type_name(pretty, name, sizeof name);
      std::fputs("thunk: ", stderr);
      std::fprintf(stderr, format, name, address);
      std::fputc('\n', stderr);
      std::fflush(stderr);
      if (how == stop_by::terminate) std::terminate();
      std::abort();
    })

}  // namespace detail
THUNK_END_NAMESPACE

#endif  // THUNK_DETAIL_FATAL_HPP
