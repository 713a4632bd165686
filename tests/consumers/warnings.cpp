// Compiled (never run) by scripts/check-packaging.sh with
//   -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Werror
// by gcc and clang in C++17 and C++20: the headers are included as user
// headers (-I, not -isystem), and every tier is instantiated with a spread of
// signatures, callables and exception policies, so a warning anywhere in
// include/thunk stops the build.
#include <thunk/thunk.hpp>

#if defined(__has_include)
#  if __has_include(<thunk/static_closure.hpp>)
#    include <thunk/static_closure.hpp>
#    define WARNINGS_HAS_STATIC_CLOSURE 1
#  endif
#endif

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace warnings {

struct small {
  char c;
  short s;
};
struct large {
  long long a, b, c;
  double d;
};
enum class color : unsigned char { red, green };

using p_void = void (*)();
using p_int = int (*)(int, int);
using p_mixed = double (*)(char, short, float, double, long long, unsigned);
using p_many = long (*)(int, int, int, int, int, int, int, int, int);
using p_struct = large (*)(small, large, color);
using p_ctx = int (*)(int, void*);
using p_lparam = std::intptr_t (*)(const char*, std::intptr_t);
using p_cstyle = int(const void*, const void*);
using p_noexcept = void (*)(int) noexcept;
// Every calling-convention macro (each expands to nothing where the target
// lacks it). The foreign x86-64 convention, sysv_abi under MinGW, is the one
// GCC once failed to assemble at -O1 and crashed on at -O2.
using p_stdcall = int(THUNK_STDCALL*)(int, void*);
using p_fastcall = int(THUNK_FASTCALL*)(int, void*);
using p_sysv = int(THUNK_SYSV_ABI*)(int, void*);
using p_ms = int(THUNK_MS_ABI*)(int, void*);

int free_function(int a, int b) { return a - b; }

struct functor {
  int k;
  int operator()(int a, int b) const { return a * b + k; }
};

template <class P>
void use(P) {}

int api(p_ctx cb, void* ctx, int x) { return cb(x, ctx); }

void stateless_tier() {
  use(thunk::stateless<p_int>([](int a, int b) { return a + b; }));
  use(thunk::stateless<p_int>([](long a, long b) -> long { return a + b; }));
  use(thunk::stateless<p_int, &free_function>());
  use(thunk::stateless<p_void>([] {}));
  use(thunk::stateless<p_cstyle>([](const void*, const void*) { return 0; }));
  use(thunk::stateless<p_noexcept>([](int) noexcept {}));
}

void context_tier() {
  int total = 0;
  auto f = [&total](int v) { return total += v; };
  auto cb = thunk::with_context<p_ctx>(f);
  use(cb.function);
  auto [fn, ctx] = thunk::with_context<p_ctx>([&total](int v) { return v + total; });
  use(fn);
  (void)ctx;
  auto captured = thunk::with_context<p_ctx>(f, thunk::capture);
  use(captured.function);
  thunk::rethrow_if_captured();
  auto lp = thunk::with_context<p_lparam, 1>([](const char* s) -> std::intptr_t { return s ? 1 : 0; });
  use(lp.function);
  std::function<int(int)> sf = [](int v) { return v; };
  use(thunk::with_context<p_ctx>(sf).function);
  total += thunk::call(api, [](int v) { return v * 2; }, 21);
  total += thunk::call<0, 1>(api, [](int v) { return v; }, 1);
  use(thunk::with_context<p_stdcall>(f).function);
  use(thunk::with_context<p_fastcall>(f).function);
  use(thunk::with_context<p_sysv>(f).function);
  use(thunk::with_context<p_ms>(f, thunk::capture).function);
  use(thunk::stateless<p_sysv>([](int v, void*) { return v; }));
  use(thunk::stateless<p_ms>([](int v, void*) { return v; }));
  (void)total;
}

#if THUNK_HAS_CLOSURE
template <class P, class F>
void closures(F f) {
  thunk::closure<P> a(f);
  thunk::closure<P, thunk::path::general> g(f);
  thunk::closure<P> c(f, thunk::capture);
  thunk::closure<P> moved = std::move(a);
  use(moved.get());
  use(g.get());
  c.rethrow_if_captured();
  std::error_code ec;
  auto m = thunk::make_closure<P>(f, ec);
  use(m.get());
  m.reset();
}

void closure_tier() {
  int k = 3;
  closures<p_void>([k] { (void)k; });
  closures<p_int>([k](int a, int b) { return a + b + k; });
  closures<p_int>(functor{k});
  closures<p_int>(std::function<int(int, int)>([](int a, int b) { return a ^ b; }));
  closures<p_mixed>([](char a, short b, float c, double d, long long e, unsigned f) {
    return static_cast<double>(a) + b + static_cast<double>(c) + d + static_cast<double>(e) + f;
  });
  closures<p_many>([](int a, int, int, int, int, int, int, int, int i) -> long { return a + i; });
  closures<p_struct>([](small s, large l, color) {
    l.a += s.c;
    return l;
  });
  closures<p_noexcept>([k](int) noexcept { (void)k; });
  closures<p_stdcall>([k](int a, void*) { return a + k; });
  closures<p_fastcall>([k](int a, void*) { return a + k; });
  closures<p_sysv>([k](int a, void*) { return a + k; });
  closures<p_ms>([k](int a, void*) { return a + k; });
  auto owned = std::make_unique<int>(5);
  thunk::closure<p_int> move_only([o = std::move(owned)](int a, int) { return a + *o; });
  use(move_only.get());
  thunk::closure<p_int> fallback([](int, int) -> int { return 0; }, thunk::capture_or(-1));
  use(fallback.get());

  thunk::scoped_registration with_handle([] { return 7; }, [](int) {});
  thunk::scoped_registration no_handle([] {}, [] {});
  (void)with_handle.handle();
  (void)no_handle.active();
}
#endif

#if defined(WARNINGS_HAS_STATIC_CLOSURE)
void static_closure_tier() {
  int k = 2;
  thunk::static_closure<p_int, 4> s([k](int a, int b) { return a + b + k; });
  use(s.get());
}
#endif

}  // namespace warnings

int main() {
  warnings::stateless_tier();
  warnings::context_tier();
#if THUNK_HAS_CLOSURE
  warnings::closure_tier();
#endif
#if defined(WARNINGS_HAS_STATIC_CLOSURE)
  warnings::static_closure_tier();
#endif
  // Traits and macros.
  static_assert(thunk::signature<warnings::p_mixed>::arity == 6, "");
  static_assert(thunk::context_index_v<warnings::p_ctx> == 1, "");
  return THUNK_VERSION > 0 ? 0 : 1;
}
