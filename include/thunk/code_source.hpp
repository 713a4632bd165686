// Where thunk::closure's code comes from in this process, and why.
//
// The first closure chunk a process needs decides, once, in this order:
//  1. table:          pre-built trampoline tables in the program's own file
//                     (or shared library), mapped read+execute: no code is
//                     written at run time (x86-64 and AArch64 Linux).
//  2. sealed_pages:   code written into fresh pages, then mprotect'ed
//                     read+execute (never writable and executable at once).
//  3. memfd_dual_map: code written through a memfd's read+write view, then
//                     the memfd mapped read+execute (where mprotect is refused,
//                     e.g. under PR_SET_MDWE).
//  4. refused:        none works: closures fail with
//                     thunk::errc::executable_memory_refused.
// A source that is refused once is not tried again. Built with
// THUNK_NO_RUNTIME_CODE=1, sources 2 and 3 are never tried (tables only).
// docs/code-sources.md lists which policies each source survives.
#ifndef THUNK_CODE_SOURCE_HPP
#define THUNK_CODE_SOURCE_HPP

#include <atomic>
#include <cstddef>

#include "config.hpp"

THUNK_BEGIN_NAMESPACE

enum class code_source : int {
  undecided,  // no closure chunk has been needed yet
  table,
  sealed_pages,
  memfd_dual_map,
  refused,
};

namespace detail {

/// The process's decision and the reasons it records (chunk_source.hpp
/// writes it under `lock`; `text` is complete before `chosen` is published).
struct code_source_record {
  std::atomic<int> chosen{static_cast<int>(code_source::undecided)};
  std::atomic<int> lock{0};  // (int: byte atomics need libatomic on RISC-V)
  bool table_refused = false, mprotect_refused = false, memfd_refused = false;
  char why_table[320] = {};
  char why_mprotect[96] = {};
  char why_memfd[96] = {};
  char text[640] = {};
};

inline code_source_record& code_source_state() noexcept {
  static code_source_record record;
  return record;
}

}  // namespace detail

/// The source closures' code comes from in this process (undecided until the
/// first closure is made).
inline code_source closure_code_source() noexcept {
  return static_cast<code_source>(detail::code_source_state().chosen.load(std::memory_order_acquire));
}

/// One line: the source in use and why each one before it was refused, e.g.
/// "sealed_pages (table: not built for this target)".
inline const char* describe_closure_code_source() noexcept {
  const detail::code_source_record& r = detail::code_source_state();
  if (r.chosen.load(std::memory_order_acquire) == static_cast<int>(code_source::undecided)) {
    return "undecided (no closure made yet)";
  }
  return r.text;
}

THUNK_END_NAMESPACE

#endif
