// A qsort-style comparator has no user-data slot: a thunk::closure turns a
// lambda that captures a counter (and a key) into the plain function pointer
// fw_sort wants.
#include <thunk/closure.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fakewin.h"

static void sort_and_print(const char* label, std::vector<int> v, int (*key)(int)) {
  int comparisons = 0;
  thunk::closure<FW_COMPAREPROC> compare([&](const void* a, const void* b) {
    ++comparisons;
    int x = key(*static_cast<const int*>(a)), y = key(*static_cast<const int*>(b));
    return (x > y) - (x < y);
  });
  fw_sort(v.data(), v.size(), sizeof v[0], compare.get());
  std::printf("%s:", label);
  for (int x : v) std::printf(" %d", x);
  std::printf(" (%d comparisons)\n", comparisons);
}

int main() {
  const std::vector<int> values{5, 3, 9, 1, 7, 2, 8};
  sort_and_print("ascending", values, [](int x) { return x; });
  sort_and_print("by distance from 6", values, [](int x) { return std::abs(x - 6); });
}
