// The callable's result must convert to the callback's result type.
#include <string>
#include <thunk/context.hpp>

int use() {
  using P = int (*)(int, void*);
#ifndef THUNK_COMPILE_FAIL_CONTROL
  auto f = [](int x) { return std::to_string(x); };  // a std::string is no int
#else
  auto f = [](int x) { return static_cast<int>(std::to_string(x).size()); };
#endif
  auto cb = thunk::with_context<P>(f);
  return cb.function(1, cb.context);
}
