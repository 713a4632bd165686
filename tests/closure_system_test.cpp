// thunk/closure.hpp against the system: signals, threads, fork, W^X, stale calls,
// memory limits. Linux (and the W^X scan on Windows).
#include <thunk/closure.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include "support/test_thread.hpp"
#include <vector>

#include "catch.hpp"
#include "support/skip.hpp"

#if THUNK_HAS_CLOSURE

#  if defined(THUNK_OS_LINUX)
#    include <signal.h>
#    include <sys/mman.h>
#    include <sys/prctl.h>
#    include <sys/resource.h>
#    include <sys/time.h>
#    include <sys/wait.h>
#    include <unistd.h>
#  elif defined(THUNK_OS_WINDOWS)
#    include <windows.h>  // thunk's headers do not include it
#  endif

namespace {

/// Every mapping of this process that is writable and executable at once.
std::vector<std::string> writable_executable_mappings() {
  std::vector<std::string> found;
#  if defined(THUNK_OS_LINUX)
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.size() >= 3 && perms[1] == 'w' && perms[2] == 'x') found.push_back(line);
  }
#  elif defined(THUNK_OS_WINDOWS)
  MEMORY_BASIC_INFORMATION info;
  for (char* p = nullptr; VirtualQuery(p, &info, sizeof info) == sizeof info; p = static_cast<char*>(info.BaseAddress) + info.RegionSize) {
    const DWORD wx = PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY;
    if (info.State == MEM_COMMIT && (info.Protect & wx)) {
      char text[64];
      std::snprintf(text, sizeof text, "%p +%zu prot %#lx", info.BaseAddress, static_cast<std::size_t>(info.RegionSize),
                    static_cast<unsigned long>(info.Protect));
      found.push_back(text);
    }
  }
#  endif
  return found;
}

}  // namespace

TEST_CASE("no page is writable and executable at once while closures are made and destroyed", "[closure][wx]") {
  using fn = int (*)(int);
  std::vector<thunk::closure<fn>> live;
  std::vector<thunk::closure<fn, thunk::path::general>> general;
  for (int i = 0; i < 10000; ++i) {
    live.emplace_back([i](int x) { return x + i; });
    if (i % 3 == 0) general.emplace_back([i](int x) { return x - i; });
  }
  CHECK(live[9999].get()(1) == 10000);
  CHECK(general[3].get()(100) == 91);
  live.resize(5000);
  CHECK(writable_executable_mappings().empty());
  for (const std::string& m : writable_executable_mappings()) WARN("W+X mapping: " << m);
}

TEST_CASE("8 threads create, call and destroy closures at once", "[closure][threads]") {
  std::atomic<long> wrong{0}, calls{0};
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  std::vector<test_thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::vector<thunk::closure<long (*)(long)>> mine;
      std::vector<thunk::closure<long (*)(long, long, long, long, long, long, long), thunk::path::general>> general;
      long n = 0;
      while (std::chrono::steady_clock::now() < until) {
        const long tag = t * 1000000L + n++;
        mine.emplace_back([tag](long x) { return tag + x; });
        general.emplace_back([tag](long a, long, long, long, long, long, long g) { return tag + a + g; });
        if (mine.back().get()(1) != tag + 1) ++wrong;
        if (general.back().get()(1, 0, 0, 0, 0, 0, 2) != tag + 3) ++wrong;
        calls += 2;
        if (mine.size() > 64) {
          // Check the survivors once more, then drop half.
          for (std::size_t i = 0; i < mine.size(); ++i)
            if (mine[i].get()(0) != mine[i].get()(0)) ++wrong;
          mine.erase(mine.begin(), mine.begin() + 32);
          general.erase(general.begin(), general.begin() + 32);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  INFO(calls.load() << " calls");
  CHECK(wrong.load() == 0);
  CHECK(calls.load() > 1000);
}

TEST_CASE("1M live closures are created, called and destroyed", "[closure][scale]") {
  using fn = std::size_t (*)(std::size_t);
  std::vector<thunk::closure<fn>> all;
  all.reserve(1000000);
  for (std::size_t i = 0; i < 1000000; ++i) all.emplace_back([i](std::size_t x) { return x ^ i; });
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < all.size(); i += 997) wrong += all[i].get()(12345) != (12345 ^ i);
  CHECK(wrong == 0);
  CHECK(all.back().get()(0) == 999999);
  all.clear();
  all.shrink_to_fit();
}

#  if defined(THUNK_OS_LINUX)

namespace {

struct child_result {
  int status;
  std::string err;
};

/// Runs body in a child process; returns its wait status and stderr.
template <class Body>
child_result in_child(Body body) {
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child dies the way a plain program would: Catch's fatal-signal
    // handlers (not async-signal-safe; TSan halts on them) stay in the parent.
    for (int sig : {SIGABRT, SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP, SIGTERM, SIGINT}) signal(sig, SIG_DFL);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    const int code = body();
    std::fflush(nullptr);
    _exit(code);
  }
  close(pipefd[1]);
  std::string err;
  char buf[512];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) err.append(buf, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {status, err};
}

// Signal test state: the handler calls its own closure; the main loop calls others.
using sig_fn = long (*)(long);
using sig_general_fn = long (*)(long, long, long, long, long, long, long);
sig_fn handler_fn;
sig_general_fn handler_general_fn;
std::atomic<long> handler_calls{0}, handler_wrong{0};

void on_alarm(int) {
  if (handler_fn(5) != 5 + 777) ++handler_wrong;
  if (handler_general_fn(1, 2, 3, 4, 5, 6, 7) != 28 + 888) ++handler_wrong;
  ++handler_calls;
}

}  // namespace

TEST_CASE("a closure called from a signal handler that interrupts other closures sees its own context",
          "[closure][signals]") {
  thunk::closure<sig_fn> h([](long x) { return x + 777; });
  thunk::closure<sig_general_fn, thunk::path::general> hg(
      [](long a, long b, long c, long d, long e, long f, long g) { return a + b + c + d + e + f + g + 888; });
  handler_fn = h.get();
  handler_general_fn = hg.get();

  std::vector<thunk::closure<sig_general_fn, thunk::path::general>> mine;
  std::vector<thunk::closure<sig_fn>> mine_reg;
  for (long i = 0; i < 16; ++i) {
    mine.emplace_back([i](long a, long, long, long, long, long, long g) { return i * 100 + a + g; });
    mine_reg.emplace_back([i](long x) { return i * 100 + x; });
  }

  struct sigaction sa {};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  REQUIRE(sigaction(SIGALRM, &sa, nullptr) == 0);
  itimerval every{{0, 50}, {0, 50}};  // 20 kHz requested; the kernel delivers what it can
  REQUIRE(setitimer(ITIMER_REAL, &every, nullptr) == 0);

  long wrong = 0, calls = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < until || handler_calls.load() < 200) {
    for (long i = 0; i < 16; ++i) {
      wrong += mine[static_cast<std::size_t>(i)].get()(1, 0, 0, 0, 0, 0, 2) != i * 100 + 3;
      wrong += mine_reg[static_cast<std::size_t>(i)].get()(4) != i * 100 + 4;
      calls += 2;
    }
    if (std::chrono::steady_clock::now() > until + std::chrono::seconds(20)) break;
  }
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  signal(SIGALRM, SIG_DFL);

  INFO(calls << " calls in the main loop, " << handler_calls.load() << " signals");
  CHECK(handler_calls.load() >= 200);
  CHECK(handler_wrong.load() == 0);
  CHECK(wrong == 0);
}

TEST_CASE("a call through a destroyed closure stops the process with a message naming it",
          "[closure][lifetime]") {
  for (bool general : {false, true}) {
    const child_result r = in_child([general] {
      using fn = int (*)(double, const char*);
      fn stale;
      if (general) {
        thunk::closure<fn, thunk::path::general> c([](double, const char*) { return 1; });
        stale = c.get();
      } else {
        thunk::closure<fn> c([](double, const char*) { return 1; });
        stale = c.get();
      }
      return stale(1.0, "late");  // must not return
    });
    INFO("general path: " << general << "; stderr: " << r.err);
    CHECK(WIFSIGNALED(r.status));
    CHECK(WTERMSIG(r.status) == SIGABRT);
    // gcc spells the type "const char*", clang "const char *".
    CHECK(r.err.find("destroyed thunk::closure<int (*)(double, const char") != std::string::npos);
    CHECK(r.err.find("stale pointer 0x") != std::string::npos);
  }
}

TEST_CASE("after fork, closures made before still work in the child and the child's disturb nothing",
          "[closure][fork]") {
  using fn = int (*)(int);
  int parent_state = 10;
  thunk::closure<fn> before([&parent_state](int x) { return parent_state + x; });
  fn p = before.get();
  const child_result r = in_child([&] {
    if (p(1) != 11) return 1;
    parent_state = 1000;  // the child's copy
    std::vector<thunk::closure<fn>> made;
    for (int i = 0; i < 5000; ++i) made.emplace_back([i](int x) { return x * i; });  // forces new chunks
    if (made[4999].get()(2) != 9998) return 2;
    if (p(1) != 1001) return 3;
    before.reset();  // poison the child's copy of the slot
    return 0;
  });
  INFO(r.err);
  REQUIRE(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK(p(1) == 11);  // the parent's slot is untouched
  std::vector<thunk::closure<fn>> after;
  for (int i = 0; i < 100; ++i) after.emplace_back([i](int x) { return x + i; });
  CHECK(after[99].get()(1) == 100);
  CHECK(p(2) == 12);
}

TEST_CASE("under the kernel's W^X enforcement (PR_SET_MDWE) closures are still made and called",
          "[closure][wx][.may-skip:mdwe]") {
  const child_result r = in_child([] {
    if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0) != 0) {
      std::fprintf(stderr, "MDWE unavailable: %s\n", std::strerror(errno));
      return 77;
    }
    // mprotect to executable is now refused: prove it, then make enough
    // closures of several kinds to need new chunks.
    void* probe = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mprotect(probe, 4096, PROT_READ | PROT_EXEC) == 0) return 4;
    using fn = long (*)(long);
    using gfn = long (*)(long, long, long, long, long, long, long);
    std::vector<thunk::closure<fn>> a;
    std::vector<thunk::closure<gfn, thunk::path::general>> b;
    for (long i = 0; i < 9000; ++i) {
      a.emplace_back([i](long x) { return x + i; });
      b.emplace_back([i](long x, long, long, long, long, long, long y) { return x + y + i; });
    }
    if (a[8999].get()(1) != 9000) return 5;
    if (b[8999].get()(1, 0, 0, 0, 0, 0, 1) != 9001) return 6;
    if (!writable_executable_mappings().empty()) return 7;
    return 0;
  });
  INFO(r.err);
  REQUIRE(WIFEXITED(r.status));
  if (WEXITSTATUS(r.status) == 77) {
    THUNK_TEST_SKIP("PR_SET_MDWE not supported by this kernel: " << r.err);
  }
  CHECK(WEXITSTATUS(r.status) == 0);
}

#    if THUNK_HAS_EXCEPTIONS
#      if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#        define THUNK_TEST_SANITIZED 1
#      elif defined(__has_feature)
#        if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#          define THUNK_TEST_SANITIZED 1
#        endif
#      endif
TEST_CASE("a failed allocation under a low RLIMIT_AS raises thunk::error, with no crash",
          "[closure][errors][.may-skip:rlimit-as]") {
#      if defined(THUNK_TEST_SANITIZED)
  THUNK_TEST_SKIP("the sanitizers' own allocators cannot run under a low RLIMIT_AS");
#      endif
  const child_result r = in_child([] {
    // The handles' vector is reserved first, so only thunk memory runs out.
    std::vector<thunk::closure<long (*)(long, long, long)>> many;
    many.reserve(std::size_t{1} << 22);
    rlimit lim{};
    getrlimit(RLIMIT_AS, &lim);
    std::ifstream statm("/proc/self/statm");
    unsigned long pages = 0;
    statm >> pages;
    lim.rlim_cur = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (48u << 20);
    if (setrlimit(RLIMIT_AS, &lim) != 0) return 9;
    // qemu-user ignores RLIMIT_AS for its guest: prove the limit holds first.
    void* probe = mmap(nullptr, std::size_t{256} << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe != MAP_FAILED) {
      std::fprintf(stderr, "RLIMIT_AS is not enforced here (qemu-user?)\n");
      return 77;
    }
    try {
      for (long i = 0;; ++i) many.emplace_back([i](long a, long, long) { return a + i; });
    } catch (const thunk::error& e) {
      std::fprintf(stderr, "thunk::error: %s (%s)\n", e.what(), e.code().message().c_str());
      if (e.code() != thunk::errc::out_of_memory) return 2;
      // The closures made before still work; the non-throwing factory says the same.
      if (many.back().get()(1, 0, 0) != 1 + static_cast<long>(many.size()) - 1) return 3;
      std::error_code ec;
      auto none = thunk::make_closure<long (*)(long, long, long)>([](long a, long, long) { return a; }, ec);
      if (!ec || none) return 4;
      return 0;
    } catch (const std::bad_alloc&) {
      return 5;
    }
  });
  INFO(r.err);
  REQUIRE(WIFEXITED(r.status));
  if (WEXITSTATUS(r.status) == 77) {
    THUNK_TEST_SKIP(r.err);
  }
  CHECK(WEXITSTATUS(r.status) == 0);
  CHECK(r.err.find("thunk::error") != std::string::npos);
}
#    endif

#  endif  // THUNK_OS_LINUX
#endif    // THUNK_HAS_CLOSURE
