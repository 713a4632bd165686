// test_thread: std::thread where the standard library has it, else (MinGW's
// win32 thread model, GCC 12: no std::thread, std::mutex or this_thread)
// a minimal stand-in on CreateThread, enough for the tests: start a
// callable, move, join; test_yield() and test_sleep_ms() for
// std::this_thread::yield() and sleep_for().
#ifndef THUNK_TESTS_SUPPORT_TEST_THREAD_HPP
#define THUNK_TESTS_SUPPORT_TEST_THREAD_HPP

#include <functional>
#include <utility>

#if defined(_WIN32) && defined(__GLIBCXX__) && !defined(_GLIBCXX_HAS_GTHREADS)
#  include <windows.h>

class test_thread {
 public:
  test_thread() = default;
  template <class F>
  explicit test_thread(F&& f) {
    auto* body = new std::function<void()>(std::forward<F>(f));
    handle_ = CreateThread(nullptr, 0, &start, body, 0, nullptr);
    if (!handle_) {
      delete body;
      std::terminate();
    }
  }
  test_thread(test_thread&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  test_thread& operator=(test_thread&& o) noexcept {
    if (handle_) std::terminate();
    handle_ = std::exchange(o.handle_, nullptr);
    return *this;
  }
  ~test_thread() {
    if (handle_) std::terminate();  // as std::thread: joined before it goes
  }
  bool joinable() const noexcept { return handle_ != nullptr; }
  void join() {
    WaitForSingleObject(handle_, INFINITE);
    CloseHandle(handle_);
    handle_ = nullptr;
  }

 private:
  static DWORD WINAPI start(void* p) {
    auto* body = static_cast<std::function<void()>*>(p);
    (*body)();
    delete body;
    return 0;
  }
  HANDLE handle_ = nullptr;
};
inline void test_yield() { SwitchToThread(); }
inline void test_sleep_ms(unsigned ms) { Sleep(ms); }
#  define THUNK_TEST_THREAD_FALLBACK 1

#else
#  include <chrono>
#  include <thread>
using test_thread = std::thread;
inline void test_yield() { std::this_thread::yield(); }
inline void test_sleep_ms(unsigned ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }
#endif

#endif
