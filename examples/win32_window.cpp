// The real user32 with closures (Windows builds only): a window procedure bound
// to a C++ object, and a SetTimer TIMERPROC that captures state. Neither WNDPROC
// nor a TIMERPROC gets a pointer of ours, so each is a thunk::closure.
#include <windows.h>

#include <cstdio>
#include <thunk/closure.hpp>
#include <thunk/scoped_registration.hpp>

// The closure captures `this`: a copy or a move would leave it calling the
// old object. So Counter can be neither (a closure member alone would still
// let the class be moved); keep it where it is made, or on the heap.
class Counter {  // one object, one window procedure of its own
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  WNDPROC window_procedure() const { return proc_.get(); }
  int clicks() const { return clicks_; }

 private:
  LRESULT on_message(HWND hwnd, UINT msg, WPARAM wparam, LPARAM lparam) {
    if (msg == WM_APP) return ++clicks_;
    if (msg == WM_DESTROY) PostQuitMessage(0);
    return DefWindowProcA(hwnd, msg, wparam, lparam);
  }
  int clicks_ = 0;
  thunk::closure<WNDPROC> proc_{[this](HWND h, UINT m, WPARAM w, LPARAM l) { return on_message(h, m, w, l); }};
};

int main() {
  Counter counter;
  WNDCLASSA wc{};
  wc.lpfnWndProc = counter.window_procedure();
  wc.hInstance = GetModuleHandleA(nullptr);
  wc.lpszClassName = "ThunkCounter";
  RegisterClassA(&wc);
  HWND window = CreateWindowExA(0, "ThunkCounter", "counter", WS_OVERLAPPEDWINDOW, 0, 0, 200, 100, nullptr, nullptr,
                                wc.hInstance, nullptr);
  int ticks = 0;
  thunk::closure<TIMERPROC> tick([&](HWND, UINT, UINT_PTR, DWORD) {
    if (ticks == 3) return;                               // a last WM_TIMER may come before WM_QUIT
    LRESULT clicks = SendMessageA(window, WM_APP, 0, 0);  // through counter's closure
    std::printf("tick %d: the window counted %ld clicks\n", ++ticks, static_cast<long>(clicks));
    if (ticks == 3) DestroyWindow(window);  // WM_DESTROY: PostQuitMessage
  });
  {
    thunk::scoped_registration timer([&] { return SetTimer(nullptr, 0, 10, tick.get()); },
                                     [](UINT_PTR id) { KillTimer(nullptr, id); },
                                     thunk::fails_when(UINT_PTR{0}));  // SetTimer failed: nothing to kill
    if (timer.failed()) return 1;
    MSG msg;
    while (GetMessageA(&msg, nullptr, 0, 0) > 0) DispatchMessageA(&msg);
  }
  std::printf("message loop ended after %d ticks, %d clicks\n", ticks, counter.clicks());
  UnregisterClassA("ThunkCounter", wc.hInstance);
}
