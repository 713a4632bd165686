/* fakewin — a small unmanaged-style C library that calls back the way Win32 does.
 *
 * It is the "DLL" of thunk's examples: plain C, its own calling-convention and
 * export macros (it knows nothing of thunk), built as a real shared library
 * (fakewin.dll + libfakewin.dll.a with MinGW, libfakewin.so on Linux) or, on the
 * static cross targets, as a static library (define FAKEWIN_STATIC then).
 *
 *   Win32                     fakewin                    context slot
 *   EnumWindows               fw_enum_windows            LPARAM
 *   EnumChildWindows          fw_enum_child_windows      LPARAM
 *   EnumFontFamiliesEx        fw_enum_font_families      LPARAM (+ a DWORD beside it)
 *   SetTimer / TIMERPROC      fw_set_timer               none
 *   qsort                     fw_sort                    none
 *   CreateThread              fw_start_worker            void* (LPVOID)
 *                             fw_start_worker_noctx      none
 */
#ifndef FAKEWIN_H
#define FAKEWIN_H

#include <stddef.h>
#include <stdint.h>

/* ---- calling conventions (WINAPI / CALLBACK) ------------------------------
 * __stdcall where it exists (32-bit x86: Windows and i386 Linux alike), nothing
 * elsewhere, so one declaration serves every target. */
#if defined(_M_IX86) || defined(__i386__)
#  if defined(_MSC_VER)
#    define FW_STDCALL __stdcall
#  else
#    define FW_STDCALL __attribute__((__stdcall__))
#  endif
#else
#  define FW_STDCALL
#endif
#define FW_API FW_STDCALL      /* the library's functions, like WINAPI */
#define FW_CALLBACK FW_STDCALL /* the callbacks it calls, like CALLBACK */

/* ---- export / import ------------------------------------------------------- */
#if defined(FAKEWIN_STATIC)
#  define FW_EXPORT
#elif defined(_WIN32) || defined(__CYGWIN__)
#  if defined(FAKEWIN_BUILDING)
#    define FW_EXPORT __declspec(dllexport)
#  else
#    define FW_EXPORT __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && defined(FAKEWIN_BUILDING)
#  define FW_EXPORT __attribute__((visibility("default")))
#else
#  define FW_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ----------------------------------------------------------------- */
typedef int FW_BOOL;
#define FW_TRUE 1
#define FW_FALSE 0
typedef unsigned int FW_UINT;
/* Pointer-sized, spelled as Windows spells LONG_PTR/ULONG_PTR: long, or long
 * long where long is 32-bit (Win64). Not intptr_t, which is int on 32-bit
 * Linux: thunk never takes an int as the user-data slot. */
#if defined(_WIN64)
typedef long long FW_LPARAM;            /* the user-data slot */
typedef unsigned long long FW_UINT_PTR; /* timer ids */
#else
typedef long FW_LPARAM;
typedef unsigned long FW_UINT_PTR;
#endif
#if defined(_WIN32)
typedef unsigned long FW_DWORD; /* 32 bits on Windows (LLP64), as DWORD */
#else
typedef uint32_t FW_DWORD;
#endif
/* Opaque handles, as DECLARE_HANDLE does. */
typedef struct FW_HWND__* FW_HWND;
typedef struct FW_WORKER__* FW_WORKER;

/* ---- windows (EnumWindows, EnumChildWindows, GetWindowText) ---------------- */
/* Return FW_TRUE to go on, FW_FALSE to stop. */
typedef FW_BOOL(FW_CALLBACK* FW_WNDENUMPROC)(FW_HWND hwnd, FW_LPARAM lparam);

/* Calls proc for each top-level window, in a fixed order: "Calculator",
 * "Notepad - notes.txt", "Paint", "Command Prompt". Returns FW_TRUE if every
 * window was visited, FW_FALSE if proc stopped the enumeration. */
FW_EXPORT FW_BOOL FW_API fw_enum_windows(FW_WNDENUMPROC proc, FW_LPARAM lparam);
/* The same over the children of parent ("Notepad - notes.txt" has "Edit" and
 * "Status Bar"; the others have none). */
FW_EXPORT FW_BOOL FW_API fw_enum_child_windows(FW_HWND parent, FW_WNDENUMPROC proc, FW_LPARAM lparam);
/* Copies the title (truncated, always NUL-terminated) and returns its length. */
FW_EXPORT int FW_API fw_get_window_text(FW_HWND hwnd, char* buffer, int size);

/* ---- fonts (EnumFontFamiliesEx) -------------------------------------------- */
typedef struct FW_LOGFONT {
  int height;
  int weight; /* 400 normal, 700 bold */
  unsigned char italic;
  unsigned char charset;
  char face_name[32];
} FW_LOGFONT;

#define FW_RASTER_FONTTYPE 0x0001
#define FW_DEVICE_FONTTYPE 0x0002
#define FW_TRUETYPE_FONTTYPE 0x0004
/* flags for fw_enum_font_families */
#define FW_ENUM_ALL_FONTS 0x0000
#define FW_ENUM_TRUETYPE_ONLY 0x0001

/* Return nonzero to go on, 0 to stop. */
typedef int(FW_CALLBACK* FW_FONTENUMPROC)(const FW_LOGFONT* font, FW_DWORD font_type, FW_LPARAM lparam);

/* Calls proc for each font family: Arial, Courier, Times New Roman, Consolas,
 * System (FW_ENUM_TRUETYPE_ONLY keeps the TrueType ones). Returns the last
 * value proc returned (1 if it was never called). */
FW_EXPORT int FW_API fw_enum_font_families(FW_FONTENUMPROC proc, FW_LPARAM lparam, FW_DWORD flags);

/* ---- timers (SetTimer / KillTimer / a message loop) ------------------------ */
#define FW_WM_TIMER 0x0113
/* No user-data slot: hwnd is NULL, msg FW_WM_TIMER, id the timer's id, time the
 * simulated clock in milliseconds. */
typedef void(FW_CALLBACK* FW_TIMERPROC)(FW_HWND hwnd, FW_UINT msg, FW_UINT_PTR id, FW_DWORD time);

/* Returns the timer's id (nonzero), 0 on failure (at most 16 timers). */
FW_EXPORT FW_UINT_PTR FW_API fw_set_timer(FW_UINT elapse_ms, FW_TIMERPROC proc);
FW_EXPORT FW_BOOL FW_API fw_kill_timer(FW_UINT_PTR id);
/* Runs the message loop for ms milliseconds of simulated time (deterministic:
 * a 100 ms timer fires exactly 10 times in 1000 ms) and returns how many timer
 * callbacks it made. */
FW_EXPORT unsigned FW_API fw_run_message_loop(FW_UINT ms);

/* ---- sorting (qsort: no user-data slot) ------------------------------------ */
typedef int(FW_CALLBACK* FW_COMPAREPROC)(const void* a, const void* b);
FW_EXPORT void FW_API fw_sort(void* base, size_t count, size_t size, FW_COMPAREPROC compare);

/* ---- a thread of the library's own ----------------------------------------- */
/* The user data is a void*, as CreateThread's LPVOID. (An int beside an
 * FW_LPARAM would be two pointer-sized integers on 32-bit targets.) */
typedef void(FW_CALLBACK* FW_WORKERPROC)(int step, void* context);
typedef void(FW_CALLBACK* FW_WORKERPROC_NOCTX)(int step);

/* Starts a thread that calls proc(1, context) ... proc(steps, context), then
 * ends. Returns NULL if the thread could not be started. */
FW_EXPORT FW_WORKER FW_API fw_start_worker(FW_WORKERPROC proc, void* context, int steps);
/* The same without a user-data slot: proc(1) ... proc(steps). */
FW_EXPORT FW_WORKER FW_API fw_start_worker_noctx(FW_WORKERPROC_NOCTX proc, int steps);
/* Waits for the worker's thread to end and frees the worker. */
FW_EXPORT void FW_API fw_join_worker(FW_WORKER worker);

#ifdef __cplusplus
}
#endif

#endif /* FAKEWIN_H */
