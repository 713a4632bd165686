// The real user32 (Windows builds only): thunk::call binds capturing lambdas
// to EnumWindows and EnumChildWindows (WNDENUMPROC, CALLBACK = __stdcall on x86).
#include <windows.h>

#include <thunk/thunk.hpp>

#include <cstdio>
#include <string>

static std::string title_of(HWND hwnd) {
  char title[128] = "";
  GetWindowTextA(hwnd, title, sizeof title);
  return title;
}

int main() {
  HWND window = CreateWindowExA(0, "STATIC", "thunk example window", WS_OVERLAPPEDWINDOW, 0, 0, 320, 200,
                                nullptr, nullptr, GetModuleHandleA(nullptr), nullptr);
  for (const char* label : {"OK", "Cancel", "Help"})
    CreateWindowExA(0, "BUTTON", label, WS_CHILD, 0, 0, 80, 24, window, nullptr, nullptr, nullptr);

  HWND found = nullptr;
  int top_level = 0;
  thunk::call(EnumWindows, [&](HWND hwnd) {
    ++top_level;
    if (title_of(hwnd) == "thunk example window") found = hwnd;
    return found ? FALSE : TRUE;  // stop once found
  });
  std::printf("EnumWindows found \"%s\" (the window created: %s)\n", title_of(found).c_str(),
              found == window ? "yes" : "no");
  thunk::call(EnumChildWindows, [](HWND child) {
    std::printf("  child: %s\n", title_of(child).c_str());
    return TRUE;
  }, found);  // EnumChildWindows(parent, proc, lparam): the parent is the other argument
  DestroyWindow(window);
}
