// An exception thrown in the middle of an enumeration stops it (the callback
// returns FALSE to the C library) and comes out of thunk::call as the same C++
// exception, once the C function has returned: it never unwinds C frames.
#include <thunk/thunk.hpp>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "fakewin.h"

struct window_error : std::runtime_error {
  FW_HWND hwnd;
  window_error(FW_HWND h, const std::string& what) : std::runtime_error(what), hwnd(h) {}
};

int main() {
  try {
    thunk::call(fw_enum_windows, [](FW_HWND hwnd) {
      char title[64];
      fw_get_window_text(hwnd, title, sizeof title);
      if (std::strcmp(title, "Paint") == 0) throw window_error(hwnd, "no painting during the demo");
      std::printf("visited: %s\n", title);
      return FW_TRUE;
    });
    std::printf("the enumeration finished without an exception\n");
  } catch (const window_error& e) {
    char title[64];
    fw_get_window_text(e.hwnd, title, sizeof title);
    std::printf("caught window_error at \"%s\": %s\n", title, e.what());
  }
}
