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

/// Prints "thunk: ", `before`, the type named by `pretty` (a
/// pretty_signature), `after`, then, if `address`, the address and `tail`,
/// and stops the process. (No format string of the caller's: users who
/// compile with -Wformat-nonliteral see nothing of thunk's.)
[[noreturn]] THUNK_DETAIL_NOINLINE THUNK_DETAIL_OUTLINE void fatal_callback(const char* before, const char* pretty,
                                                                             const char* after, const void* address,
                                                                             const char* tail, stop_by how) noexcept
    THUNK_DETAIL_BODY({
      char name[256];
      extract_type_name(pretty, name, sizeof name);
      std::fprintf(stderr, "thunk: %s%s%s", before, name, after);
      if (address) std::fprintf(stderr, "%p%s", address, tail);
      std::fputc('\n', stderr);
      std::fflush(stderr);
      if (how == stop_by::terminate) std::terminate();
      std::abort();
    })

}  // namespace detail
THUNK_END_NAMESPACE

#endif  // THUNK_DETAIL_FATAL_HPP
