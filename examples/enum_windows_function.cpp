// with_context in two steps: a std::function, then a member function of an
// object, behind FW_WNDENUMPROC. The callable is referenced, not copied.
#include <thunk/thunk.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "fakewin.h"

struct TitleCollector {
  std::vector<FW_HWND> handles;
  std::vector<std::string> titles;
  FW_BOOL add(FW_HWND hwnd) {
    char title[64];
    fw_get_window_text(hwnd, title, sizeof title);
    handles.push_back(hwnd);
    titles.push_back(title);
    std::printf("  collected: %s\n", title);
    return FW_TRUE;
  }
};

int main() {
  int count = 0;
  std::function<FW_BOOL(FW_HWND)> visitor = [&](FW_HWND) { return ++count < 2 ? FW_TRUE : FW_FALSE; };
  auto [fn, ctx] = thunk::with_context<FW_WNDENUMPROC>(visitor);  // {function, LPARAM}
  FW_BOOL complete = fw_enum_windows(fn, ctx);
  std::printf("std::function stopped after %d windows (complete: %s)\n", count, complete ? "yes" : "no");

  TitleCollector collector;  // a lambda that calls the member function...
  auto [member_fn, member_ctx] = thunk::with_context<FW_WNDENUMPROC>([&](FW_HWND h) { return collector.add(h); });
  std::printf("top-level windows:\n");
  fw_enum_windows(member_fn, member_ctx);
  // ...or std::bind; thunk::call passes the parent window, the API's other argument.
  auto add = std::bind(&TitleCollector::add, &collector, std::placeholders::_1);
  std::printf("children of %s:\n", collector.titles[1].c_str());
  thunk::call(fw_enum_child_windows, add, collector.handles[1]);
  std::printf("%zu windows collected\n", collector.titles.size());
}
