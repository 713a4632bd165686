// Type names for diagnostics printed at run time (a destroyed closure called,
// an exception escaping a callback).
#ifndef THUNK_DETAIL_TYPE_NAME_HPP
#define THUNK_DETAIL_TYPE_NAME_HPP

#include <cstddef>
#include <cstdio>
#include <cstring>
#include "../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {

/// The compiler's pretty name of a function templated on T; the name is cut
/// out of it when printed (print_type_name), never at compile time.
template <class T>
const char* pretty_signature() noexcept {
#if defined(__GNUC__) || defined(__clang__)
  return __PRETTY_FUNCTION__;
#else
  return __FUNCSIG__;
#endif
}

/// Writes the T of pretty_signature<T>() into out (size n, NUL-terminated).
inline void extract_type_name(const char* pretty, char* out, std::size_t n) noexcept {
  const char* b = std::strstr(pretty, "T = ");
  const char* e = nullptr;
  if (b) {
    b += 4;
    int depth = 0;
    for (e = b; *e; ++e) {
      if (*e == '<' || *e == '(' || *e == '[') ++depth;
      if (*e == '>' || *e == ')') --depth;
      if ((*e == ']' && depth == 0) || (*e == ';' && depth == 0)) break;
      if (*e == ']') --depth;
    }
  } else {
    b = pretty;
    e = pretty + std::strlen(pretty);
  }
  std::size_t len = static_cast<std::size_t>(e - b);
  if (len >= n) len = n - 1;
  std::memcpy(out, b, len);
  out[len] = '\0';
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
