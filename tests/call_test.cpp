// thunk::call(api, f, other_args...): the callback and context positions are
// deduced from the API's parameter list, the other arguments fill the rest in
// order, the API's result comes back.
//
// The fake APIs below are extern "C" and never inlined: they call the callback
// the way a C library does, through a pointer they receive.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thunk/context.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "support/signatures.hpp"

// ---- fake C APIs -------------------------------------------------------------

extern "C" {

/// Callback first, its context next, the count last. Stops when the callback
/// returns 0; returns how many calls it made.
typedef int (*item_proc)(int item, void* ctx);
THUNK_TEST_NOINLINE int fake_for_each(item_proc proc, void* ctx, int count) {
  int calls = 0;
  for (int i = 0; i < count; ++i) {
    ++calls;
    if (!thunk_test::c_side::opaque(proc)(i * 3, ctx)) break;
  }
  return calls;
}

/// Callback in the middle, the context after another argument; the callback's
/// context comes first. Returns base plus the sum of the callback's results.
typedef long (*weigh_proc)(void* ctx, int item, double scale);
THUNK_TEST_NOINLINE long fake_weigh(long base, weigh_proc proc, int count, void* ctx) {
  long sum = base;
  for (int i = 1; i <= count; ++i) sum += thunk_test::c_side::opaque(proc)(ctx, i, 0.5 * i);
  return sum;
}

/// Callback last, the context before it: the rule cannot find the context (it
/// looks after the callback), the explicit form names both positions.
typedef void (*visit_proc)(const char* name, std::size_t index, void* ctx);
THUNK_TEST_NOINLINE void fake_visit_names(const char* const* names, std::size_t count, void* ctx, visit_proc proc) {
  for (std::size_t i = 0; i < count; ++i) thunk_test::c_side::opaque(proc)(names[i], i, ctx);
}

/// A void API, the context an integer, an output parameter after it.
// LONG_PTR's and ULONG_PTR's shape: pointer-sized integers of the long family
// on every target, as Windows spells them (intptr_t is int on ILP32, which the
// context rule never takes).
using long_ptr = std::conditional_t<sizeof(long) == sizeof(void*), long, long long>;
using ulong_ptr = std::make_unsigned_t<long_ptr>;

typedef void (*accumulate_proc)(long_ptr ctx, double value, double* total);
THUNK_TEST_NOINLINE void fake_accumulate(accumulate_proc proc, long_ptr ctx, const double* values, int count,
                                         double* total) {
  for (int i = 0; i < count; ++i) thunk_test::c_side::opaque(proc)(ctx, values[i], total);
}

/// Returns a struct built from the callback's results.
struct range {
  double low, high;
};
typedef double (*measure_proc)(int, void*);
THUNK_TEST_NOINLINE range fake_measure(int count, measure_proc proc, void* ctx) {
  range r{1e300, -1e300};
  for (int i = 0; i < count; ++i) {
    const double v = thunk_test::c_side::opaque(proc)(i, ctx);
    if (v < r.low) r.low = v;
    if (v > r.high) r.high = v;
  }
  return r;
}

// ---- a Win32-like API: stdcall on i386 ----
typedef int BOOL;
typedef long_ptr LPARAM;
struct fake_window {
  int id;
  const char* title;
};
typedef fake_window* HWND;
typedef BOOL(THUNK_STDCALL* WNDENUMPROC)(HWND, LPARAM);

static fake_window fake_windows[] = {{1, "Desktop"}, {2, "Terminal"}, {3, "Editor"}, {4, "Browser"}, {5, "Mail"}};

THUNK_TEST_NOINLINE BOOL THUNK_STDCALL fake_enum_windows(WNDENUMPROC proc, LPARAM lparam) {
  for (fake_window& w : fake_windows)
    if (!thunk_test::c_side::opaque(proc)(&w, lparam)) return 0;
  return 1;
}

// ---- EnumFontFamiliesEx-like: DWORD and LPARAM both pointer-sized after the callback ----
// (DWORD is pointer-sized on i386; here it is made so everywhere.)
typedef ulong_ptr DWORD_PS;
struct LOGFONT_ {
  char face[32];
  int height;
};
struct TEXTMETRIC_ {
  int ascent, descent;
};
typedef int(THUNK_STDCALL* FONTENUMPROC_)(const LOGFONT_*, const TEXTMETRIC_*, DWORD_PS font_type, LPARAM);

static LOGFONT_ fake_fonts[] = {{"Sans", 10}, {"Serif", 12}, {"Mono", 14}};

/// hdc, filter, callback, LPARAM, flags: the LPARAM follows the callback.
THUNK_TEST_NOINLINE int THUNK_STDCALL fake_enum_font_families_ex(void* hdc, const LOGFONT_* filter, FONTENUMPROC_ proc,
                                                                 LPARAM lparam, DWORD_PS flags) {
  int last = 0;
  for (int i = 0; i < 3; ++i) {
    if (filter && filter->height > fake_fonts[i].height) continue;
    TEXTMETRIC_ tm{fake_fonts[i].height - 2, 2 + static_cast<int>(flags)};
    last = thunk_test::c_side::opaque(proc)(&fake_fonts[i], &tm, static_cast<DWORD_PS>(0x1000 + i) + (hdc != nullptr),
                                            lparam);
    if (!last) break;
  }
  return last;
}

/// The same with the flags before the LPARAM: the rule would take the DWORD as
/// the context, so the explicit three-index form names the LPARAM.
THUNK_TEST_NOINLINE int THUNK_STDCALL fake_enum_font_families_flags_first(FONTENUMPROC_ proc, DWORD_PS flags,
                                                                          LPARAM lparam) {
  int total = 0;
  for (int i = 0; i < 3; ++i) {
    TEXTMETRIC_ tm{fake_fonts[i].height - 2, 2};
    total += thunk_test::c_side::opaque(proc)(&fake_fonts[i], &tm, flags + static_cast<DWORD_PS>(i), lparam);
  }
  return total;
}

}  // extern "C"

namespace {
int visitor_calls = 0;
int free_visitor(int item) {
  ++visitor_calls;
  return item < 6;
}
}  // namespace

// ---- tests -------------------------------------------------------------------

TEST_CASE("call: the callback first, its context right after it, the result of the API comes back", "[context]") {
  std::vector<int> seen;
  const int calls = thunk::call(
      fake_for_each,
      [&](int item) {
        seen.push_back(item);
        return 1;
      },
      5);
  CHECK(calls == 5);
  CHECK(seen == std::vector<int>{0, 3, 6, 9, 12});

  SECTION("the callback's result reaches the API: 0 stops it") {
    std::vector<int> stopped;
    const int n = thunk::call(
        fake_for_each,
        [&](int item) {
          stopped.push_back(item);
          return item < 6 ? 1 : 0;
        },
        100);
    CHECK(n == 3);
    CHECK(stopped == std::vector<int>{0, 3, 6});
  }
}

TEST_CASE("call: the callback in the middle, the context after another argument", "[context]") {
  std::vector<std::pair<int, double>> seen;
  const long factor = 10;
  const long result = thunk::call(
      fake_weigh,
      [&](int item, double scale) {
        seen.emplace_back(item, scale);
        return factor * item;
      },
      1000L, 4);
  CHECK(result == 1000 + 10 * (1 + 2 + 3 + 4));
  REQUIRE(seen.size() == 4);
  CHECK(seen[3] == std::make_pair(4, 2.0));
}

TEST_CASE("call<Cb, Ctx>: the explicit form when the context comes before the callback", "[context]") {
  const char* names[] = {"alpha", "beta", "gamma"};
  std::string joined;
  std::size_t index_sum = 0;
  thunk::call<3, 2>(
      fake_visit_names,
      [&](const char* name, std::size_t index) {
        joined += name;
        index_sum += index;
      },
      names, std::size_t{3});
  CHECK(joined == "alphabetagamma");
  CHECK(index_sum == 3);
}

TEST_CASE("call: a void API, an integer context and an output parameter", "[context]") {
  const double values[] = {-5.5, 4294967296.0, 7.25};
  double total = 0;
  int calls = 0;
  auto add = [&](double value, double* out) {
    ++calls;
    *out += value;
  };
  thunk::call(fake_accumulate, add, values, 3, &total);
  STATIC_REQUIRE(std::is_void<decltype(thunk::call(fake_accumulate, add, values, 0, &total))>::value);
  CHECK(calls == 3);
  CHECK(total == 4294967296.0 + 1.75);
}

TEST_CASE("call: a struct returned by the API comes back", "[context]") {
  const double offset = -2.5;
  const range r = thunk::call(
      fake_measure, [&](int i) { return (i - 2) * (i - 2) + offset; }, 5);
  CHECK(r.low == -2.5);
  CHECK(r.high == 1.5);
}

TEST_CASE("call: a stdcall API with a stdcall callback (EnumWindows)", "[context][x86-stdcall]") {
#if defined(THUNK_ARCH_X86_32)
  STATIC_REQUIRE(std::is_same<thunk::convention_t<WNDENUMPROC>, thunk::stdcall_cc>::value);
  STATIC_REQUIRE(std::is_same<thunk::convention_t<decltype(&fake_enum_windows)>, thunk::stdcall_cc>::value);
#endif
  std::vector<std::string> titles;
  const BOOL done = thunk::call(fake_enum_windows, [&](HWND h) {
    titles.push_back(h->title);
    return BOOL{1};
  });
  CHECK(done == 1);
  CHECK(titles == std::vector<std::string>{"Desktop", "Terminal", "Editor", "Browser", "Mail"});

  SECTION("FALSE stops the enumeration, and the API says so") {
    int found = 0;
    const BOOL all = thunk::call(fake_enum_windows, [&](HWND h) -> BOOL {
      if (h->id == 3) {
        found = h->id;
        return 0;
      }
      return 1;
    });
    CHECK(all == 0);
    CHECK(found == 3);
  }
}

TEST_CASE("call: DWORD and LPARAM both pointer-sized after the callback: the first that matches is the context",
          "[context][x86-stdcall]") {
  // FONTENUMPROC's DWORD and LPARAM are both candidates; the API parameter right
  // after the callback is the LPARAM, so the LPARAM carries the context and the
  // DWORD reaches the lambda.
  std::vector<std::string> faces;
  std::vector<DWORD_PS> types;
  void* const hdc = &faces;
  const int last = thunk::call(
      fake_enum_font_families_ex,
      [&](const LOGFONT_* lf, const TEXTMETRIC_* tm, DWORD_PS font_type) {
        faces.push_back(lf->face);
        types.push_back(font_type);
        CHECK(tm->ascent == lf->height - 2);
        CHECK(tm->descent == 2 + 0x40);
        return 7;
      },
      hdc, static_cast<const LOGFONT_*>(nullptr), DWORD_PS{0x40});
  CHECK(last == 7);
  CHECK(faces == std::vector<std::string>{"Sans", "Serif", "Mono"});
  CHECK(types == std::vector<DWORD_PS>{0x1001, 0x1002, 0x1003});

  SECTION("the other arguments keep their order") {
    LOGFONT_ filter{"", 12};
    std::vector<std::string> big;
    thunk::call(
        fake_enum_font_families_ex,
        [&](const LOGFONT_* lf, const TEXTMETRIC_*, DWORD_PS font_type) {
          big.push_back(lf->face);
          CHECK(font_type == 0x1000 + 0u + static_cast<DWORD_PS>(lf->height == 12 ? 1 : 2));
          return 1;
        },
        static_cast<void*>(nullptr), static_cast<const LOGFONT_*>(&filter), DWORD_PS{0});
    CHECK(big == std::vector<std::string>{"Serif", "Mono"});
  }
}

TEST_CASE("call<Cb, Ctx, CbCtx>: all three positions named when the rule would pick another slot", "[context]") {
  // In fake_enum_font_families_flags_first the DWORD follows the callback, so
  // the rule would carry the context in the DWORD; naming the positions puts it
  // in the LPARAM (API parameter 2, callback parameter 3).
  std::vector<DWORD_PS> flags_seen;
  const int total = thunk::call<0, 2, 3>(
      fake_enum_font_families_flags_first,
      [&](const LOGFONT_* lf, const TEXTMETRIC_*, DWORD_PS flags) {
        flags_seen.push_back(flags);
        return lf->height;
      },
      DWORD_PS{0x500});
  CHECK(total == 10 + 12 + 14);
  CHECK(flags_seen == std::vector<DWORD_PS>{0x500, 0x501, 0x502});
}

TEST_CASE("call: a free function, a const lambda and a function object are called in place", "[context]") {
  SECTION("a free function") {
    visitor_calls = 0;
    CHECK(thunk::call(fake_for_each, free_visitor, 10) == 3);  // items 0, 3, 6: 6 stops it
    CHECK(visitor_calls == 3);
  }
  SECTION("a const lambda through a const reference") {
    int sum = 0;
    const auto add = [&sum](int item) {
      sum += item;
      return 1;
    };
    CHECK(thunk::call(fake_for_each, add, 4) == 4);
    CHECK(sum == 0 + 3 + 6 + 9);
  }
  SECTION("a function object, not copied: its state after the call is the state the callbacks left") {
    struct counter {
      int calls = 0;
      int operator()(int) { return ++calls < 3; }
    } c;
    CHECK(thunk::call(fake_for_each, c, 10) == 3);
    CHECK(c.calls == 3);
  }
  SECTION("a std::function") {
    std::vector<int> items;
    std::function<int(int)> fn = [&items](int item) {
      items.push_back(item);
      return 1;
    };
    CHECK(thunk::call(fake_for_each, fn, 3) == 3);
    CHECK(items == std::vector<int>{0, 3, 6});
  }
}
