// thunk/exception_policy.hpp: exceptions never unwind through C frames.
//
// - thunk::call captures an exception, the callback returns a value-initialised
//   result (which stops an enumeration), and call rethrows it once the API returned;
// - with_context(f, thunk::capture) does the same, rethrown by thunk::rethrow_if_captured();
// - the terminate policy (the default) reports the callback type and terminates:
//   proven in a child process.
//
// Compiles with -fno-exceptions too (THUNK_HAS_EXCEPTIONS == 0): the throwing
// tests drop out, the policies still compile and pass values through.
#include <thunk/context.hpp>
#include <thunk/exception_policy.hpp>
#include <thunk/stateless.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include "support/test_thread.hpp"
#include <vector>

#if defined(__linux__)
#  include <signal.h>
#  include <sys/resource.h>
#  include <sys/types.h>
#  include <sys/wait.h>
#  include <unistd.h>
#elif defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>
#endif

#include "catch.hpp"
#include "support/signatures.hpp"
#include "support/skip.hpp"

// ---- fake C APIs -------------------------------------------------------------
extern "C" {
/// Calls the callback for items 0..count-1 until it returns 0; records what it saw.
struct enumeration_log {
  int calls;
  int last_result;
  bool returned;  // set when the API reaches its end: the API returned normally
};
typedef int (*item_proc)(int item, void* ctx);
THUNK_TEST_NOINLINE int fake_enumerate(item_proc proc, void* ctx, int count, enumeration_log* log) {
  log->calls = 0;
  log->returned = false;
  for (int i = 0; i < count; ++i) {
    ++log->calls;
    log->last_result = thunk_test::c_side::opaque(proc)(i, ctx);
    if (!log->last_result) break;
  }
  log->returned = true;
  return log->calls;
}

/// Ignores the callback's result (a void callback): it cannot be stopped.
typedef void (*notify_proc)(void* ctx, int item);
THUNK_TEST_NOINLINE int fake_notify_all(notify_proc proc, void* ctx, int count) {
  for (int i = 0; i < count; ++i) thunk_test::c_side::opaque(proc)(ctx, i);
  return count;
}

/// Callbacks returning a pointer, a double and a struct: what a fallback is.
struct pair_result {
  int a;
  double b;
};
typedef const char* (*name_proc)(int, void*);
typedef double (*value_proc)(int, void*);
typedef pair_result (*pair_proc)(int, void*);
struct fallback_log {
  const char* name;
  double value;
  pair_result pair;
};
THUNK_TEST_NOINLINE void fake_fallbacks_name(name_proc proc, void* ctx, fallback_log* log) {
  log->name = thunk_test::c_side::opaque(proc)(1, ctx);
}
THUNK_TEST_NOINLINE void fake_fallbacks_value(value_proc proc, void* ctx, fallback_log* log) {
  log->value = thunk_test::c_side::opaque(proc)(2, ctx);
}
THUNK_TEST_NOINLINE void fake_fallbacks_pair(pair_proc proc, void* ctx, fallback_log* log) {
  log->pair = thunk_test::c_side::opaque(proc)(3, ctx);
}
}  // extern "C"

namespace {

/// A callback type whose name the terminate report must contain.
struct unique_probe_type {
  int value;
};
using probe_proc = int (*)(unique_probe_type*, void*);

#if THUNK_HAS_EXCEPTIONS
struct enumeration_error : std::runtime_error {
  int item;
  enumeration_error(const std::string& what, int i) : std::runtime_error(what), item(i) {}
};
#endif

}  // namespace

// ---- thunk::call ---------------------------------------------------------------

#if THUNK_HAS_EXCEPTIONS
TEST_CASE("call: the callback's exception is rethrown, same type and message, once the API returned",
          "[context]") {
  enumeration_log log{};
  std::vector<int> seen;
  bool caught = false;
  try {
    thunk::call(fake_enumerate, [&](int item) -> int {
      seen.push_back(item);
      if (item == 3) throw enumeration_error("item 3 is bad", item);
      return 1;
    }, 10, &log);
  } catch (const enumeration_error& e) {
    caught = true;
    CHECK(std::string(e.what()) == "item 3 is bad");
    CHECK(e.item == 3);
    // The API ran to its end before the exception went on.
    CHECK(log.returned);
  }
  CHECK(caught);
  SECTION("the callback returned the fallback (0), so the enumeration stopped at the throwing item") {
    CHECK(log.calls == 4);
    CHECK(log.last_result == 0);
    CHECK(seen == std::vector<int>{0, 1, 2, 3});
  }
}

TEST_CASE("call: an exception of any type comes back, not only std::exception", "[context]") {
  enumeration_log log{};
  try {
    thunk::call(fake_enumerate, [](int item) -> int {
      if (item == 1) throw 42;
      return 1;
    }, 5, &log);
    FAIL("call returned normally");
  } catch (int value) {
    CHECK(value == 42);
  }
  CHECK(log.calls == 2);
}

TEST_CASE("call: when the API keeps calling, the first exception is the one rethrown", "[context]") {
  std::vector<int> seen;
  try {
    thunk::call(fake_notify_all, [&](int item) {
      seen.push_back(item);
      throw enumeration_error("failure " + std::to_string(item), item);
    }, 4);
    FAIL("call returned normally");
  } catch (const enumeration_error& e) {
    CHECK(e.item == 0);
    CHECK(std::string(e.what()) == "failure 0");
  }
  CHECK(seen == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("call: the fallback is a value-initialised result: nullptr, 0.0, a zeroed struct", "[context]") {
  fallback_log log{"unset", -1.0, {-1, -1.0}};
  CHECK_THROWS_AS(thunk::call(fake_fallbacks_name, [](int) -> const char* { throw std::logic_error("name"); }, &log),
                  std::logic_error);
  CHECK(log.name == nullptr);
  CHECK_THROWS_AS(thunk::call(fake_fallbacks_value, [](int) -> double { throw std::logic_error("value"); }, &log),
                  std::logic_error);
  CHECK(log.value == 0.0);
  CHECK_THROWS_AS(thunk::call(fake_fallbacks_pair, [](int) -> pair_result { throw std::logic_error("pair"); }, &log),
                  std::logic_error);
  CHECK(log.pair.a == 0);
  CHECK(log.pair.b == 0.0);
}

TEST_CASE("call: after a rethrow the next call starts clean", "[context]") {
  enumeration_log log{};
  CHECK_THROWS_AS(thunk::call(fake_enumerate, [](int) -> int { throw std::runtime_error("once"); }, 3, &log),
                  std::runtime_error);
  CHECK(thunk::call(fake_enumerate, [](int) { return 1; }, 3, &log) == 3);
  CHECK_NOTHROW(thunk::rethrow_if_captured());  // call's exceptions never land in the thread slot
}

// ---- with_context + thunk::capture ---------------------------------------------

TEST_CASE("with_context(f, thunk::capture): the exception waits for thunk::rethrow_if_captured()", "[context]") {
  enumeration_log log{};
  auto visitor = [](int item) -> int {
    if (item == 2) throw enumeration_error("captured at 2", item);
    return 1;
  };
  auto cb = thunk::with_context<item_proc>(visitor, thunk::capture);
  fake_enumerate(cb.function, cb.context, 10, &log);
  CHECK(log.returned);
  CHECK(log.calls == 3);
  CHECK(log.last_result == 0);
  try {
    thunk::rethrow_if_captured();
    FAIL("nothing was rethrown");
  } catch (const enumeration_error& e) {
    CHECK(std::string(e.what()) == "captured at 2");
    CHECK(e.item == 2);
  }
  SECTION("the slot is cleared by the rethrow") { CHECK_NOTHROW(thunk::rethrow_if_captured()); }
  SECTION("the owning form captures too") {
    auto [fn, ctx] = thunk::with_context<notify_proc>([](int item) { throw item; }, thunk::capture);
    CHECK(fake_notify_all(fn, ctx, 3) == 3);
    try {
      thunk::rethrow_if_captured();
      FAIL("nothing was rethrown");
    } catch (int first) {
      CHECK(first == 0);  // the first exception is kept
    }
  }
}

TEST_CASE("with_context(f, thunk::capture): the exception belongs to the thread that ran the callback",
          "[context]") {
  auto cb = thunk::with_context<notify_proc>([](int item) { throw enumeration_error("from the worker", item); },
                                             thunk::capture);
  bool worker_caught = false;
  test_thread worker([&] {
    fake_notify_all(cb.function, cb.context, 1);
    try {
      thunk::rethrow_if_captured();
    } catch (const enumeration_error& e) {
      worker_caught = std::string(e.what()) == "from the worker";
    }
  });
  worker.join();
  CHECK(worker_caught);
  CHECK_NOTHROW(thunk::rethrow_if_captured());  // nothing for this thread
}
#endif  // THUNK_HAS_EXCEPTIONS

TEST_CASE("the policies pass values through when nothing is thrown (with or without exceptions)", "[context]") {
  enumeration_log log{};
  int sum = 0;
  CHECK(thunk::call(fake_enumerate, [&](int item) {
    sum += item;
    return item < 4;
  }, 10, &log) == 5);
  CHECK(sum == 0 + 1 + 2 + 3 + 4);
  auto cb = thunk::with_context<item_proc>([&](int item) { return item + 100; }, thunk::capture);
  CHECK(thunk_test::c_side::invoke(cb.function, 1, cb.context) == 101);
  thunk::rethrow_if_captured();
  auto terminating = thunk::with_context<item_proc>([](int item) { return item * 2; }, thunk::terminate);
  CHECK(thunk_test::c_side::invoke(terminating.function, 21, terminating.context) == 42);
}

// ---- the terminate policy --------------------------------------------------------
// The child process throws out of a callback under the terminate policy; the
// parent checks it died of abort() and that stderr names the callback type.

#if THUNK_HAS_EXCEPTIONS
namespace {

/// The scenarios a child runs; each must never return.
void throw_through_with_context() {
  auto cb = thunk::with_context<probe_proc>([](unique_probe_type* p) -> int {
    throw std::runtime_error("probe " + std::to_string(p->value));
  });
  unique_probe_type probe{7};
  thunk_test::c_side::invoke(cb.function, &probe, cb.context);
}
/// A lambda whose signature differs from P's: stateless calls it from a static entry.
void throw_through_stateless_entry() {
  using P = int (*)(unique_probe_type*);
  P p = thunk::stateless<P>([](const unique_probe_type* probe) -> long {
    throw std::runtime_error("probe " + std::to_string(probe->value));
  });
  unique_probe_type probe{8};
  thunk_test::c_side::invoke(p, &probe);
}
/// A lambda of exactly P's signature: stateless takes the compiler's own conversion.
void throw_through_stateless_exact() {
  using P = int (*)(unique_probe_type*);
  P p = thunk::stateless<P>([](unique_probe_type* probe) -> int {
    throw std::runtime_error("probe " + std::to_string(probe->value));
  });
  unique_probe_type probe{9};
  thunk_test::c_side::invoke(p, &probe);
}

/// Runs a scenario in the child: an exception that comes back out of the
/// callback (unwound through the C caller) is reported, never handed to Catch.
[[noreturn]] void run_scenario(void (*scenario)()) {
  std::signal(SIGABRT, SIG_DFL);  // Catch's handler would report the expected abort as a failure
  try {
    scenario();
    std::fprintf(stderr, "the callback returned normally\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "the exception '%s' unwound through the C caller\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "an exception unwound through the C caller\n");
  }
  std::fflush(stderr);
  std::_Exit(1);
}

struct child_outcome {
  bool ran = false;          // the platform could run a child
  bool aborted = false;      // it died of abort()
  std::string description;   // how it ended
  std::string error_output;  // its stderr
};

#if defined(__linux__)
child_outcome run_child(void (*scenario)(), const char*) {
  child_outcome out;
  int fds[2];
  if (pipe(fds) != 0) return out;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return out;
  if (pid == 0) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);  // no core file for the expected abort
    signal(SIGABRT, SIG_DFL);           // the abort kills the child, not Catch's handler
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    run_scenario(scenario);
  }
  close(fds[1]);
  char buffer[512];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof buffer)) > 0) out.error_output.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return out;
  out.ran = true;
  if (WIFSIGNALED(status)) {
    out.aborted = WTERMSIG(status) == SIGABRT;
    out.description = "killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    out.description = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return out;
}
#elif defined(_WIN32)
// Windows has no fork: the test program runs itself again with the hidden test
// case below selected and the scenario named in the environment.
const char* const child_variable = "THUNK_TEST_TERMINATE_SCENARIO";

child_outcome run_child(void (*)(), const char* scenario_name) {
  child_outcome out;
  char exe[MAX_PATH];
  if (GetModuleFileNameA(nullptr, exe, MAX_PATH) == 0) return out;
  char temp_dir[MAX_PATH], temp_file[MAX_PATH];
  if (GetTempPathA(MAX_PATH, temp_dir) == 0 || GetTempFileNameA(temp_dir, "thk", 0, temp_file) == 0) return out;
  SECURITY_ATTRIBUTES inherit = {sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE err = CreateFileA(temp_file, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY, nullptr);
  if (err == INVALID_HANDLE_VALUE) return out;
  std::string command = std::string("\"") + exe + "\" \"[.terminate-child]\"";
  STARTUPINFOA si;
  std::memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = err;
  si.hStdError = err;
  PROCESS_INFORMATION pi;
  SetEnvironmentVariableA(child_variable, scenario_name);
  const BOOL started = CreateProcessA(exe, &command[0], nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi);
  SetEnvironmentVariableA(child_variable, nullptr);
  if (started) {
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = 0;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    out.ran = true;
    out.aborted = code == 3;  // abort() exits with status 3 on Windows
    out.description = "exited with status " + std::to_string(code);
    SetFilePointer(err, 0, nullptr, FILE_BEGIN);
    char buffer[512];
    DWORD n = 0;
    while (ReadFile(err, buffer, sizeof buffer, &n, nullptr) && n > 0) out.error_output.append(buffer, n);
  }
  CloseHandle(err);
  DeleteFileA(temp_file);
  return out;
}
#else
child_outcome run_child(void (*)(), const char*) { return {}; }
#endif

void check_terminates(void (*scenario)(), const char* name) {
  const child_outcome out = run_child(scenario, name);
  if (!out.ran) THUNK_TEST_SKIP("cannot run a child process on this platform; the terminate policy is not checked here");
  INFO("the child " << out.description << ", its stderr:\n" << out.error_output);
  CHECK(out.aborted);
  CHECK(out.error_output.find("an exception escaped a callback of type") != std::string::npos);
  CHECK(out.error_output.find("unique_probe_type") != std::string::npos);
#if defined(__GLIBCXX__)
  // libstdc++'s terminate handler prints the exception, still current.
  CHECK(out.error_output.find("probe ") != std::string::npos);
#endif
}

}  // namespace

TEST_CASE("the terminate policy: an exception escaping a with_context callback ends the process, naming P",
          "[context][.may-skip:terminate-context]") {
  check_terminates(&throw_through_with_context, "with_context");
}

TEST_CASE("the terminate policy: an exception escaping a stateless callback ends the process, naming P",
          "[stateless][.may-skip:terminate-stateless]") {
  check_terminates(&throw_through_stateless_entry, "stateless_entry");
}

// A captureless lambda of P's exact signature that may throw goes through a
// typed entry too (only a noexcept one becomes the compiler's own conversion),
// so the terminate policy applies.
TEST_CASE("the terminate policy: an exception escaping a stateless lambda of P's exact signature ends the process",
          "[stateless][.may-skip:terminate-stateless-exact]") {
  check_terminates(&throw_through_stateless_exact, "stateless_exact");
}

#if defined(_WIN32)
// The child side of run_child on Windows: runs only when selected by its tag
// with the scenario named in the environment.
TEST_CASE("(child process) throw out of a callback under the terminate policy", "[.terminate-child]") {
  const char* scenario = std::getenv(child_variable);
  if (!scenario) {
    SUCCEED("not a child: nothing to do");
    return;
  }
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  if (std::strcmp(scenario, "with_context") == 0) run_scenario(&throw_through_with_context);
  if (std::strcmp(scenario, "stateless_entry") == 0) run_scenario(&throw_through_stateless_entry);
  if (std::strcmp(scenario, "stateless_exact") == 0) run_scenario(&throw_through_stateless_exact);
  std::fprintf(stderr, "unknown scenario %s\n", scenario);
  std::_Exit(2);
}
#endif
#endif  // THUNK_HAS_EXCEPTIONS
