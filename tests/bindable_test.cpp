// thunk::is_bindable_v and the constrained constructors of closure and
// static_closure (issue 12, item 4): overload resolution, is_constructible
// and is_convertible see only callables that fit P, as with std::function.
#include <string>
#include <thunk/bindable.hpp>
#include <thunk/closure.hpp>
#include <thunk/static_closure.hpp>
#include <type_traits>

#include "catch.hpp"

namespace {
using int_fn = int (*)(int);
using text_fn = void (*)(const char*);
using sc_int = thunk::static_closure<int_fn, 4>;
using sc_text = thunk::static_closure<text_fn, 4>;

auto twice = [](int x) { return 2 * x; };
auto print = [](const char* s) { (void)s; };
using twice_t = decltype(twice);
using print_t = decltype(print);

int reg(sc_int c) { return c.get()(20); }
int reg(sc_text c) { return c.get()("x"), 2; }

#if THUNK_HAS_CLOSURE
int reg_closure(thunk::closure<int_fn> c) { return c.get()(21); }
int reg_closure(thunk::closure<text_fn> c) { return c.get()("x"), 2; }
#endif
}  // namespace

TEST_CASE("is_bindable_v: invocable with P's parameters, result convertible") {
  STATIC_REQUIRE(thunk::is_bindable_v<int_fn, twice_t>);
  STATIC_REQUIRE(thunk::is_bindable_v<int(int), twice_t>);
  STATIC_REQUIRE(thunk::is_bindable_v<long (*)(short), twice_t>);  // the conversions a C++ caller gets
  STATIC_REQUIRE(thunk::is_bindable_v<void (*)(int), twice_t>);    // any result for a void callback
  STATIC_REQUIRE_FALSE(thunk::is_bindable_v<text_fn, twice_t>);
  STATIC_REQUIRE_FALSE(thunk::is_bindable_v<int_fn, print_t>);
  STATIC_REQUIRE_FALSE(thunk::is_bindable_v<int_fn, std::string>);
  STATIC_REQUIRE_FALSE(thunk::is_bindable_v<std::string (*)(int), twice_t>);  // int is no std::string
  STATIC_REQUIRE(thunk::is_bindable<int_fn, int (*)(int)>::value);
#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
  STATIC_REQUIRE(thunk::bindable<int_fn, twice_t>);
  STATIC_REQUIRE_FALSE(thunk::bindable<int_fn, print_t>);
#endif
}

TEST_CASE("static_closure: constructible and convertible only from callables that fit P") {
  STATIC_REQUIRE(std::is_constructible<sc_int, twice_t>::value);
  STATIC_REQUIRE(std::is_convertible<twice_t, sc_int>::value);
  STATIC_REQUIRE_FALSE(std::is_convertible<int, sc_int>::value);
  STATIC_REQUIRE_FALSE(std::is_constructible<sc_int, std::string>::value);
  STATIC_REQUIRE_FALSE(std::is_constructible<sc_int, print_t>::value);
  STATIC_REQUIRE_FALSE(std::is_convertible<print_t, sc_int>::value);
  STATIC_REQUIRE(std::is_constructible<sc_int, twice_t, thunk::capture_t>::value);
  // The two-overload case: each lambda picks the overload its signature fits.
  CHECK(reg(twice) == 40);
  CHECK(reg(print) == 2);
}

#if THUNK_HAS_CLOSURE
TEST_CASE("closure: constructible and convertible only from callables that fit P") {
  using c_int = thunk::closure<int_fn>;
  STATIC_REQUIRE(std::is_constructible<c_int, twice_t>::value);
  STATIC_REQUIRE(std::is_convertible<twice_t, c_int>::value);
  STATIC_REQUIRE_FALSE(std::is_convertible<int, c_int>::value);
  STATIC_REQUIRE_FALSE(std::is_constructible<c_int, std::string>::value);
  STATIC_REQUIRE_FALSE(std::is_constructible<c_int, print_t>::value);
  STATIC_REQUIRE_FALSE(std::is_convertible<print_t, c_int>::value);
  STATIC_REQUIRE(std::is_nothrow_move_constructible<c_int>::value);
  CHECK(reg_closure(twice) == 42);
  CHECK(reg_closure(print) == 2);
}
#endif
