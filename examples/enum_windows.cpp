// thunk::call: a capturing lambda behind an EnumWindows-style API. The LPARAM
// slot is found from the API's parameters and filled by thunk::call itself.
#include <thunk/thunk.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fakewin.h"

int main() {
  std::vector<std::string> titles;
  FW_BOOL complete = thunk::call(fw_enum_windows, [&](FW_HWND hwnd) {
    char title[64];
    fw_get_window_text(hwnd, title, sizeof title);
    titles.push_back(title);
    std::printf("window %zu: %s\n", titles.size(), title);
    return FW_TRUE;  // go on
  });
  std::printf("%zu windows, enumeration complete: %s\n", titles.size(), complete ? "yes" : "no");

  // Returning FALSE stops the enumeration, as with EnumWindows.
  int seen = 0;
  complete = thunk::call(fw_enum_windows, [&](FW_HWND hwnd) {
    char title[64];
    fw_get_window_text(hwnd, title, sizeof title);
    ++seen;
    return std::strcmp(title, "Paint") == 0 ? FW_FALSE : FW_TRUE;
  });
  std::printf("searching for Paint: found at window %d, enumeration complete: %s\n", seen,
              complete ? "yes" : "no");
}
