// The control for dll_host: a DLL of plain C++ without thunk (a guarded
// function-local static, a std::string), built with the same runtime. With
// MinGW's posix thread model its statically linked winpthread takes a TLS
// index on first use and never frees it (one per load); thunk's DLL may leak
// no more than this one does.
#include <cstdlib>
#include <string>

namespace {
struct seeded {
  seeded() : value(std::rand()) {}
  int value;
};
}  // namespace

extern "C" __declspec(dllexport) int thunk_dll_run(int salt) {
  static seeded s;
  const std::string text(40, 'c');
  return static_cast<int>(text.size()) - 40 + (s.value < 0) + (salt < 0);
}
