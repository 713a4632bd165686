// The separately compiled half (THUNK_SEPARATE_COMPILATION=1, src/thunk.cpp in
// the same program): both halves link (no duplicate definition: each build
// has its own ABI namespace) and each computes its own results.
#include <cstdio>
#include <cstring>
#include <thunk/thunk.hpp>

#define COMPILED_STR2(x) #x
#define COMPILED_STR(x) COMPILED_STR2(x)

const char* header_only_namespace();
int header_only_part(int k);

int main() {
  const char* mine = COMPILED_STR(THUNK_ABI_NAMESPACE);
  std::printf("header-only half: thunk::%s, compiled half: thunk::%s\n", header_only_namespace(), mine);
  int failures = 0;
  if (std::strcmp(header_only_namespace(), mine) == 0) ++failures;
  // (1 + 2) * 3 = 9, plus 100 + 3 through a closure.
  const int expected = 9 + (THUNK_HAS_CLOSURE ? 103 : 0);
  const int got = header_only_part(3);
  if (got != expected) ++failures;
#if THUNK_HAS_CLOSURE
  thunk::closure<long (*)(long)> twice([](long x) { return 2 * x; });
  if (twice.get()(21) != 42) ++failures;
#endif
  std::printf("header-only half: %d (expected %d); %s\n", got, expected, failures ? "FAILED" : "both halves work");
  return failures;
}
