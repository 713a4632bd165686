/* fakewin — implementation. Plain C99; see fakewin.h. */
#define FAKEWIN_BUILDING 1
#include "fakewin.h"

#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  define WIN32_LEAN_AND_MEAN
#  include <windows.h>
#else
#  include <pthread.h>
#endif

/* ---- windows --------------------------------------------------------------- */
struct FW_HWND__ {
  const char* title;
  struct FW_HWND__* children;
  int child_count;
};

static struct FW_HWND__ notepad_children[] = {
    {"Edit", NULL, 0},
    {"Status Bar", NULL, 0},
};
static struct FW_HWND__ top_windows[] = {
    {"Calculator", NULL, 0},
    {"Notepad - notes.txt", notepad_children, 2},
    {"Paint", NULL, 0},
    {"Command Prompt", NULL, 0},
};

static FW_BOOL enum_list(struct FW_HWND__* list, int count, FW_WNDENUMPROC proc, FW_LPARAM lparam) {
  int i;
  if (!proc) return FW_FALSE;
  for (i = 0; i < count; ++i)
    if (!proc(&list[i], lparam)) return FW_FALSE;
  return FW_TRUE;
}

FW_BOOL FW_API fw_enum_windows(FW_WNDENUMPROC proc, FW_LPARAM lparam) {
  return enum_list(top_windows, (int)(sizeof top_windows / sizeof top_windows[0]), proc, lparam);
}

FW_BOOL FW_API fw_enum_child_windows(FW_HWND parent, FW_WNDENUMPROC proc, FW_LPARAM lparam) {
  if (!parent) return FW_FALSE;
  return enum_list(parent->children, parent->child_count, proc, lparam);
}

int FW_API fw_get_window_text(FW_HWND hwnd, char* buffer, int size) {
  size_t n;
  if (!hwnd || !buffer || size <= 0) return 0;
  n = strlen(hwnd->title);
  if (n > (size_t)(size - 1)) n = (size_t)(size - 1);
  memcpy(buffer, hwnd->title, n);
  buffer[n] = '\0';
  return (int)n;
}

/* ---- fonts ------------------------------------------------------------------ */
struct font_entry {
  FW_LOGFONT font;
  FW_DWORD type;
};
static const struct font_entry fonts[] = {
    {{16, 400, 0, 0, "Arial"}, FW_TRUETYPE_FONTTYPE},
    {{13, 400, 0, 0, "Courier"}, FW_RASTER_FONTTYPE},
    {{16, 400, 0, 0, "Times New Roman"}, FW_TRUETYPE_FONTTYPE},
    {{14, 700, 1, 0, "Consolas"}, FW_TRUETYPE_FONTTYPE},
    {{16, 700, 0, 0, "System"}, FW_RASTER_FONTTYPE | FW_DEVICE_FONTTYPE},
};

int FW_API fw_enum_font_families(FW_FONTENUMPROC proc, FW_LPARAM lparam, FW_DWORD flags) {
  int result = 1;
  size_t i;
  if (!proc) return 0;
  for (i = 0; i < sizeof fonts / sizeof fonts[0]; ++i) {
    FW_LOGFONT copy;
    if ((flags & FW_ENUM_TRUETYPE_ONLY) && !(fonts[i].type & FW_TRUETYPE_FONTTYPE)) continue;
    copy = fonts[i].font; /* the callback sees a copy, as GDI hands out its own */
    result = proc(&copy, fonts[i].type, lparam);
    if (!result) break;
  }
  return result;
}

/* ---- timers ----------------------------------------------------------------- */
#define FW_MAX_TIMERS 16
struct timer {
  FW_UINT_PTR id; /* 0: free */
  FW_UINT elapse;
  FW_DWORD due;
  FW_TIMERPROC proc;
};
static struct timer timers[FW_MAX_TIMERS];
static FW_UINT_PTR next_timer_id = 1;
static FW_DWORD now_ms;

FW_UINT_PTR FW_API fw_set_timer(FW_UINT elapse_ms, FW_TIMERPROC proc) {
  int i;
  if (!proc) return 0;
  if (elapse_ms == 0) elapse_ms = 1;
  for (i = 0; i < FW_MAX_TIMERS; ++i)
    if (timers[i].id == 0) {
      timers[i].id = next_timer_id++;
      timers[i].elapse = elapse_ms;
      timers[i].due = now_ms + elapse_ms;
      timers[i].proc = proc;
      return timers[i].id;
    }
  return 0;
}

FW_BOOL FW_API fw_kill_timer(FW_UINT_PTR id) {
  int i;
  if (id == 0) return FW_FALSE;
  for (i = 0; i < FW_MAX_TIMERS; ++i)
    if (timers[i].id == id) {
      memset(&timers[i], 0, sizeof timers[i]);
      return FW_TRUE;
    }
  return FW_FALSE;
}

unsigned FW_API fw_run_message_loop(FW_UINT ms) {
  unsigned fired = 0;
  FW_DWORD end = now_ms + ms;
  while (now_ms != end) {
    int i;
    ++now_ms;
    for (i = 0; i < FW_MAX_TIMERS; ++i)
      /* a callback may kill any timer, itself included: re-read the slot */
      if (timers[i].id != 0 && timers[i].due == now_ms) {
        timers[i].due = now_ms + timers[i].elapse;
        timers[i].proc(NULL, FW_WM_TIMER, timers[i].id, now_ms);
        ++fired;
      }
  }
  return fired;
}

/* ---- sorting: a stable insertion sort, so the comparison count is fixed ----- */
void FW_API fw_sort(void* base, size_t count, size_t size, FW_COMPAREPROC compare) {
  unsigned char* bytes = (unsigned char*)base;
  unsigned char* tmp;
  size_t i, j;
  if (count < 2 || size == 0 || !compare) return;
  tmp = (unsigned char*)malloc(size);
  if (!tmp) return;
  for (i = 1; i < count; ++i) {
    memcpy(tmp, bytes + i * size, size);
    for (j = i; j > 0 && compare(bytes + (j - 1) * size, tmp) > 0; --j)
      memcpy(bytes + j * size, bytes + (j - 1) * size, size);
    memcpy(bytes + j * size, tmp, size);
  }
  free(tmp);
}

/* ---- a thread of the library's own ------------------------------------------ */
struct FW_WORKER__ {
  FW_WORKERPROC proc;
  FW_WORKERPROC_NOCTX proc_noctx;
  void* context;
  int steps;
#if defined(_WIN32)
  HANDLE thread;
#else
  pthread_t thread;
#endif
};

static void worker_body(struct FW_WORKER__* w) {
  int step;
  for (step = 1; step <= w->steps; ++step) {
    if (w->proc)
      w->proc(step, w->context);
    else
      w->proc_noctx(step);
  }
}

#if defined(_WIN32)
static DWORD WINAPI worker_main(LPVOID arg) {
  worker_body((struct FW_WORKER__*)arg);
  return 0;
}
#else
static void* worker_main(void* arg) {
  worker_body((struct FW_WORKER__*)arg);
  return NULL;
}
#endif

static FW_WORKER start(FW_WORKERPROC proc, FW_WORKERPROC_NOCTX proc_noctx, void* context, int steps) {
  struct FW_WORKER__* w;
  if (!proc && !proc_noctx) return NULL;
  w = (struct FW_WORKER__*)calloc(1, sizeof *w);
  if (!w) return NULL;
  w->proc = proc;
  w->proc_noctx = proc_noctx;
  w->context = context;
  w->steps = steps;
#if defined(_WIN32)
  w->thread = CreateThread(NULL, 0, worker_main, w, 0, NULL);
  if (!w->thread) {
    free(w);
    return NULL;
  }
#else
  if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
    free(w);
    return NULL;
  }
#endif
  return w;
}

FW_WORKER FW_API fw_start_worker(FW_WORKERPROC proc, void* context, int steps) {
  return start(proc, NULL, context, steps);
}

FW_WORKER FW_API fw_start_worker_noctx(FW_WORKERPROC_NOCTX proc, int steps) {
  return start(NULL, proc, NULL, steps);
}

void FW_API fw_join_worker(FW_WORKER worker) {
  if (!worker) return;
#if defined(_WIN32)
  WaitForSingleObject(worker->thread, INFINITE);
  CloseHandle(worker->thread);
#else
  pthread_join(worker->thread, NULL);
#endif
  free(worker);
}
