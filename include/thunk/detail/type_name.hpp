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
  // Users name thunk::closure, not its inline ABI namespace: drop that part.
  constexpr char abi_ns[] = THUNK_DETAIL_STR(THUNK_ABI_NAMESPACE) "::";
  constexpr std::size_t abi_len = sizeof abi_ns - 1;
  std::size_t len = 0;
  while (b < e && len + 1 < n) {
    if (static_cast<std::size_t>(e - b) >= abi_len && std::memcmp(b, abi_ns, abi_len) == 0) {
      b += abi_len;
      continue;
    }
    out[len++] = *b++;
  }
  out[len] = '\0';
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
