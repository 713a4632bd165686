// Skipping a test case that cannot run in this configuration, so that ctest
// counts it as skipped (never as passed).
//
// A case that may have to skip carries a hidden tag `[.may-skip:ID]`: the
// program's default run leaves it out, and tests/CMakeLists.txt registers it
// as a ctest test of its own (`PROGRAM.ID`, running `PROGRAM "[may-skip:ID]"`)
// with SKIP_RETURN_CODE 77. Inside it, THUNK_TEST_SKIP("why") prints the
// reason and ends the process with 77. Catch2 v2 has no SKIP, and a case that
// merely returns would be counted as passed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace thunk_test {

[[noreturn]] inline void skip_now(const std::string& why) {
  std::printf("SKIPPED: %s\n", why.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(77);
}

}  // namespace thunk_test

#define THUNK_TEST_SKIP(...)                                        \
  do {                                                              \
    std::ostringstream thunk_test_skip_why_;                        \
    thunk_test_skip_why_ << __VA_ARGS__;                            \
    ::thunk_test::skip_now(thunk_test_skip_why_.str());             \
  } while (false)
