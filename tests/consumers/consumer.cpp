// The program every consumer project builds (find_package, add_subdirectory,
// FetchContent, pkg-config, the single header): it uses every tier this
// target has against small C-style APIs and exits non-zero on a wrong value.
//
// It prints the tiers it exercised ("tiers: stateless with_context call
// closure static_closure") so scripts/check-packaging.sh can tell a tier that
// was compiled out from one that ran.
#include <thunk/thunk.hpp>

// static_closure is a header of its own; the single header has it inlined.
#if defined(__has_include)
#  if __has_include(<thunk/static_closure.hpp>)
#    include <thunk/static_closure.hpp>
#    define CONSUMER_HAS_STATIC_CLOSURE 1
#  endif
#endif
#if !defined(CONSUMER_HAS_STATIC_CLOSURE) && defined(THUNK_STATIC_CLOSURE_HPP)
#  define CONSUMER_HAS_STATIC_CLOSURE 1
#endif

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

// ---- a C library, as a C header would declare it ----------------------------
extern "C" {
typedef int (*visit_fn)(int value, void* user);
typedef int (*binary_fn)(int a, int b);
typedef int (*compare_fn)(const void* a, const void* b);
struct pair {
  int first;
  double second;
};
typedef double (*pair_fn)(struct pair p);

/// Calls visit for each value until it returns 0; returns how many it visited.
static int for_each_value(const int* values, int count, visit_fn visit, void* user) {
  for (int i = 0; i < count; ++i)
    if (!visit(values[i], user)) return i + 1;
  return count;
}
static int apply_binary(binary_fn f, int a, int b) { return f(a, b); }
static double apply_pair(pair_fn f, int a, double b) {
  struct pair p = {a, b};
  return f(p);
}
static void sort_ints(int* values, int count, compare_fn compare) {
  std::qsort(values, static_cast<std::size_t>(count), sizeof(int), compare);
}
}

// ---- checks -------------------------------------------------------------------
static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      std::fprintf(stderr, "consumer: FAILED at line %d: %s\n", __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CONSUMER_STR2(x) #x
#define CONSUMER_STR(x) CONSUMER_STR2(x)

static std::string tiers;
static void ran(const char* tier) {
  if (!tiers.empty()) tiers += ' ';
  tiers += tier;
}

static void stateless_tier() {
  binary_fn add = thunk::stateless<binary_fn>([](int a, int b) { return a + b; });
  CHECK(apply_binary(add, 2, 3) == 5);
  // A lambda whose signature differs from P's goes through a typed entry.
  binary_fn mul = thunk::stateless<binary_fn>([](long a, long b) -> long { return a * b; });
  CHECK(apply_binary(mul, 6, 7) == 42);
  ran("stateless");
}

static void context_tier() {
  const int values[] = {1, 2, 3, 4};
  int sum = 0;
  auto visitor = [&sum](int v) {
    sum += v;
    return 1;
  };
  auto cb = thunk::with_context<visit_fn>(visitor);
  CHECK(for_each_value(values, 4, cb.function, cb.context) == 4);
  CHECK(sum == 10);
  ran("with_context");

  // thunk::call finds the callback and its context parameter by itself.
  int product = 1;
  const int visited = thunk::call(for_each_value,
                                  [&product](int v) {
                                    product *= v;
                                    return v < 3 ? 1 : 0;
                                  },
                                  values, 4);
  CHECK(visited == 3);
  CHECK(product == 6);
#if THUNK_HAS_EXCEPTIONS
  bool caught = false;
  try {
    thunk::call(for_each_value,
                [](int v) -> int {
                  if (v == 2) throw std::runtime_error("two");
                  return 1;
                },
                values, 4);
  } catch (const std::runtime_error& e) {
    caught = std::strcmp(e.what(), "two") == 0;
  }
  CHECK(caught);
#endif
  ran("call");
}

#if THUNK_HAS_CLOSURE
static void closure_tier() {
  // Register path (one-pointer capture, scalar arguments).
  int offset = 100;
  thunk::closure<binary_fn> add_offset([&offset](int a, int b) { return a + b + offset; });
  CHECK(apply_binary(add_offset.get(), 1, 2) == 103);
  offset = 200;
  CHECK(apply_binary(add_offset.get(), 1, 2) == 203);

  // A move keeps the pointer valid.
  const binary_fn before = add_offset.get();
  thunk::closure<binary_fn> moved = std::move(add_offset);
  CHECK(moved.get() == before);
  CHECK(!add_offset);
  CHECK(apply_binary(moved.get(), 0, 0) == 200);

  // General path, forced and by signature (a struct by value).
  thunk::closure<binary_fn, thunk::path::general> general([offset](int a, int b) { return a * b - offset; });
  CHECK(apply_binary(general.get(), 30, 10) == 100);
  const double scale = 0.5;
  thunk::closure<pair_fn> by_value([scale](pair p) { return (p.first + p.second) * scale; });
  CHECK(apply_pair(by_value.get(), 3, 5.0) == 4.0);

  // A heap-boxed std::function as a qsort comparator.
  int comparisons = 0;
  thunk::closure<compare_fn> descending(std::function<int(const void*, const void*)>(
      [&comparisons](const void* a, const void* b) {
        ++comparisons;
        const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
        return (y > x) - (y < x);
      }));
  int values[] = {3, 1, 4, 1, 5, 9, 2, 6};
  sort_ints(values, 8, descending.get());
  const int expected[] = {9, 6, 5, 4, 3, 2, 1, 1};
  CHECK(std::memcmp(values, expected, sizeof values) == 0);
  CHECK(comparisons > 0);

  // The non-throwing factory.
  std::error_code ec;
  auto made = thunk::make_closure<binary_fn>([](int a, int b) { return a - b; }, ec);
  CHECK(!ec);
  CHECK(made && apply_binary(made.get(), 9, 4) == 5);

#  if THUNK_HAS_EXCEPTIONS
  // Captured exceptions come back after the C code returned.
  thunk::closure<binary_fn> thrower(
      [](int a, int) -> int {
        if (a < 0) throw std::invalid_argument("negative");
        return a;
      },
      thunk::capture_or(-1));
  CHECK(apply_binary(thrower.get(), -5, 0) == -1);
  bool caught = false;
  try {
    thrower.rethrow_if_captured();
  } catch (const std::invalid_argument&) {
    caught = true;
  }
  CHECK(caught);
#  endif

  // Scoped registration pairs register and unregister.
  binary_fn registered = nullptr;
  {
    thunk::closure<binary_fn> hook([](int a, int b) { return a | b; });
    thunk::scoped_registration reg([&] { registered = hook.get(); return 7; },
                                   [&](int handle) { if (handle == 7) registered = nullptr; });
    CHECK(reg.handle() == 7);
    CHECK(registered && apply_binary(registered, 1, 2) == 3);
  }
  CHECK(registered == nullptr);
  ran("closure");
}
#endif

#if defined(CONSUMER_HAS_STATIC_CLOSURE)
static void static_closure_tier() {
  int base = 40;
  thunk::static_closure<binary_fn, 4> add_base([&base](int a, int b) { return a + b + base; });
  CHECK(apply_binary(add_base.get(), 1, 1) == 42);
  ran("static_closure");
}
#endif

int main() {
  std::printf("thunk %d.%d.%d (THUNK_VERSION %d)\n", THUNK_VERSION_MAJOR, THUNK_VERSION_MINOR, THUNK_VERSION_PATCH,
              THUNK_VERSION);
#if defined(CONSUMER_EXPECT_VERSION)
  // The version CMake's package (or pkg-config) reported for the same install.
  const char* expected = CONSUMER_STR(CONSUMER_EXPECT_VERSION);
  const std::string header = std::to_string(THUNK_VERSION_MAJOR) + "." + std::to_string(THUNK_VERSION_MINOR) + "." +
                             std::to_string(THUNK_VERSION_PATCH);
  CHECK(header == expected);
  std::printf("package version %s, header version %s\n", expected, header.c_str());
#endif
  CHECK(THUNK_VERSION == THUNK_VERSION_MAJOR * 10000 + THUNK_VERSION_MINOR * 100 + THUNK_VERSION_PATCH);
#if defined(CONSUMER_EXPECT_COMPILED)
  // thunk::compiled: this TU only declares the slow paths (src/thunk.cpp has them).
#  if !defined(THUNK_SEPARATE_COMPILATION) || !THUNK_SEPARATE_COMPILATION
#    error "thunk::compiled did not define THUNK_SEPARATE_COMPILATION"
#  endif
  std::printf("separately compiled part: yes\n");
#endif

  stateless_tier();
  context_tier();
#if THUNK_HAS_CLOSURE
  closure_tier();
#endif
#if defined(CONSUMER_HAS_STATIC_CLOSURE)
  static_closure_tier();
#endif
  std::printf("tiers: %s\n", tiers.c_str());
  if (failures) {
    std::printf("%d of %d checks FAILED\n", failures, checks);
    return 1;
  }
  std::printf("all %d checks passed\n", checks);
  return 0;
}
