// Where a new chunk of thunks comes from: the process decides once, in order
// (code_source.hpp): the pre-built table in the binary's own file, then pages
// written and sealed by mprotect, then the memfd dual map, then a clear
// error. Each refusal is recorded with its reason and never retried.
//
// A table is found in its file with dl_iterate_phdr: the PT_LOAD segment
// holding the table's address gives the file offset, the object's name the
// path (the main program: /proc/self/exe, which opens even when the file was
// deleted or replaced). Each copy is mapped read+execute over the first half
// of a fresh aligned read+write chunk (the data half stays private
// read+write), and compared with the table in memory before use, so a file
// replaced on disk is refused, not run.
#ifndef THUNK_DETAIL_CHUNK_SOURCE_HPP
#define THUNK_DETAIL_CHUNK_SOURCE_HPP

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "../code_source.hpp"
#include "../config.hpp"
#include "../error.hpp"
#include "code_table.hpp"
#include "executable_memory.hpp"

#if THUNK_DETAIL_HAS_CODE_TABLES
#  include <link.h>
#  if defined(THUNK_ARCH_AARCH64)
#    include <sys/auxv.h>
#  endif
#endif

THUNK_BEGIN_NAMESPACE
namespace detail {

/// Appends s to the NUL-terminated text in buf (truncating); no format
/// string, so no truncation warnings to silence.
inline void text_append(char* buf, std::size_t size, const char* s) noexcept {
  std::size_t n = std::strlen(buf);
  while (*s && n + 1 < size) buf[n++] = *s++;
  buf[n] = '\0';
}

class code_source_lock {
 public:
  explicit code_source_lock(code_source_record& r) noexcept : r_(r) {
    while (r_.lock.exchange(1, std::memory_order_acquire) != 0) {
    }
  }
  ~code_source_lock() { r_.lock.store(0, std::memory_order_release); }
  code_source_lock(const code_source_lock&) = delete;
  code_source_lock& operator=(const code_source_lock&) = delete;

 private:
  code_source_record& r_;
};

#if THUNK_DETAIL_HAS_CODE_TABLES

/// Where a table lives in its file.
struct table_location {
  const unsigned char* table = nullptr;
  std::size_t bytes = 0;
  char path[256] = {};
  std::uint64_t offset = 0;
  int error = 0;  // errno-like reason when not found
};

inline int find_table_in_object(dl_phdr_info* info, std::size_t, void* arg) noexcept {
  auto* loc = static_cast<table_location*>(arg);
  const auto at = reinterpret_cast<std::uintptr_t>(loc->table);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (at < start || at >= start + ph.p_memsz) continue;
    if (at + loc->bytes > start + ph.p_filesz) {
      loc->error = ENOEXEC;  // not backed by the file
      return 1;
    }
    const char* name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
    if (std::strlen(name) >= sizeof loc->path) {
      loc->error = ENAMETOOLONG;
      return 1;
    }
    std::memcpy(loc->path, name, std::strlen(name) + 1);
    loc->offset = ph.p_offset + (at - start);
    loc->error = 0;
    return 1;
  }
  return 0;
}

inline int table_extra_prot() noexcept {
#  if defined(THUNK_ARCH_AARCH64)
  // Every slot begins with `bti c`: guard the copies where the CPU has BTI.
  return (getauxval(AT_HWCAP2) & (1ul << 17) /* HWCAP2_BTI */) ? 0x10 /* PROT_BTI */ : 0;
#  else
  return 0;
#  endif
}

/// Tables already found and checked: where they are, and the file they were
/// checked against (written under the code-source lock).
struct verified_table {
  const unsigned char* table;
  table_location loc;
  file_identity id;
};
constexpr std::size_t verified_table_count = 16;
struct verified_tables {
  verified_table entries[verified_table_count];
  std::size_t count;
};
inline verified_tables& table_cache() noexcept {
  static verified_tables cache;  // zero-initialised: no guard, no destructor
  return cache;
}

/// Maps a copy of `table` read+execute over the code half of the chunk at p;
/// 0 or an errno-like reason (`where` names the file for the report). The
/// first copy from a file is compared with the table in memory byte for
/// byte; later copies from the very same file (device, inode, mtime) are not.
inline int map_table_copy(void* p, const chunk_geometry& g, const unsigned char* table, char* where,
                          std::size_t where_size) noexcept {
  verified_tables& cache = table_cache();
  verified_table* known = nullptr;
  for (std::size_t i = 0; i < cache.count; ++i)
    if (cache.entries[i].table == table) known = &cache.entries[i];
  table_location found;
  if (!known) {
    found.table = table;
    found.bytes = g.code_bytes;
    found.error = ENOENT;
    dl_iterate_phdr(&find_table_in_object, &found);
    if (found.error) return found.error;
  }
  const table_location& loc = known ? known->loc : found;
  std::snprintf(where, where_size, "%s at offset 0x%llx", loc.path, static_cast<unsigned long long>(loc.offset));
  if (loc.offset % system_page_size() != 0) return EINVAL;
  file_identity id;
  if (const int e = map_code_from_file(p, g.code_bytes, loc.path, loc.offset, table_extra_prot(), id)) return e;
  if (known && known->id == id) return 0;
  // The file on disk must hold these very bytes.
  if (std::memcmp(p, table, g.code_bytes) != 0) return ESTALE;
  if (known) {
    known->id = id;
  } else if (cache.count < verified_table_count) {
    cache.entries[cache.count++] = verified_table{table, found, id};
  }
  return 0;
}

#endif

/// A new chunk for slots of `kind` (table: that kind's pre-built table, or
/// null), its code from the source the process decided on; null and ec set
/// when every source is refused.
inline void* map_closure_chunk(const chunk_geometry& g, const unsigned char* table, fill_code_fn fill, void* arg,
                               std::error_code& ec) noexcept {
#if defined(THUNK_OS_WINDOWS)
  (void)table;
  code_source_record& r = code_source_state();
#  if THUNK_NO_RUNTIME_CODE
  (void)g, (void)fill, (void)arg;
  {
    code_source_lock lock(r);
    if (r.chosen.load(std::memory_order_relaxed) == static_cast<int>(code_source::undecided)) {
      std::snprintf(r.text, sizeof r.text,
                    "refused (table: not built for this target; run-time code: off (THUNK_NO_RUNTIME_CODE))");
      r.chosen.store(static_cast<int>(code_source::refused), std::memory_order_release);
    }
  }
  ec = make_error_code(errc::executable_memory_refused);
  return nullptr;
#  else
  void* w = map_chunk(g, fill, arg, ec);
  const bool refused = !w && ec == make_error_code(errc::executable_memory_refused);
  if (w || refused) {
    code_source_lock lock(r);
    if (r.chosen.load(std::memory_order_relaxed) == static_cast<int>(code_source::undecided)) {
      std::snprintf(r.text, sizeof r.text, "%s (table: not built for this target%s)", w ? "sealed_pages" : "refused",
                    w ? "" : "; VirtualProtect: refused");
      r.chosen.store(static_cast<int>(w ? code_source::sealed_pages : code_source::refused), std::memory_order_release);
    }
  }
  return w;
#  endif
#else
  if (g.code_bytes % system_page_size() != 0) {
    ec = make_error_code(errc::unsupported_target);
    return nullptr;
  }
  void* p = map_aligned(g);
  if (!p) {
    ec = make_error_code(errc::out_of_memory);
    return nullptr;
  }
  code_source_record& r = code_source_state();
  code_source_lock lock(r);
  const int chosen = r.chosen.load(std::memory_order_relaxed);
  auto decide = [&](code_source s, const char* detail_text) {
    if (chosen != static_cast<int>(code_source::undecided)) return;
    static const char* const names[] = {"undecided", "table", "sealed_pages", "memfd_dual_map", "refused"};
    r.text[0] = '\0';
    text_append(r.text, sizeof r.text, names[static_cast<int>(s)]);
    text_append(r.text, sizeof r.text, detail_text);
    const char* open = " (";
    for (const char* w : {r.why_table, r.why_mprotect, r.why_memfd}) {
      if (!w[0]) continue;
      text_append(r.text, sizeof r.text, open);
      text_append(r.text, sizeof r.text, w);
      open = "; ";
    }
    if (open[0] == ';') text_append(r.text, sizeof r.text, ")");
    r.chosen.store(static_cast<int>(s), std::memory_order_release);
  };
  auto refuse = [](bool& refused, char* why, std::size_t size, const char* what, const char* where, int e) {
    refused = true;
    why[0] = '\0';
    text_append(why, size, what);
    text_append(why, size, where);
    text_append(why, size, ": ");
    text_append(why, size, e ? std::strerror(e) : "refused");
  };

  // 1. The pre-built table.
#  if THUNK_DETAIL_HAS_CODE_TABLES
  if (!r.table_refused && table) {
    char where[300] = {};
    const int e = map_table_copy(p, g, table, where, sizeof where);
    if (e == 0) {
      char detail_text[304] = ": ";
      text_append(detail_text, sizeof detail_text, where);
      decide(code_source::table, detail_text);
      return p;
    }
    // (A table that worked before and fails now is not refused for good:
    // this chunk tries the next sources.)
    // The table's pages may be half-mapped: start from a fresh chunk.
    unmap_chunk(p, g);
    if (chosen != static_cast<int>(code_source::table))
      refuse(r.table_refused, r.why_table, sizeof r.why_table, "table ", where[0] ? where : "(not in a file)", e);
    p = map_aligned(g);
    if (!p) {
      ec = make_error_code(errc::out_of_memory);
      return nullptr;
    }
  }
#  else
  (void)table;
  if (!r.why_table[0]) {
    r.table_refused = true;
    std::snprintf(r.why_table, sizeof r.why_table, "table: not built for this target");
  }
#  endif

#  if THUNK_NO_RUNTIME_CODE
  (void)fill, (void)arg, (void)refuse;
  if (!r.why_mprotect[0]) {
    r.mprotect_refused = r.memfd_refused = true;
    std::snprintf(r.why_mprotect, sizeof r.why_mprotect, "run-time code: off (THUNK_NO_RUNTIME_CODE)");
  }
#  else
  // 2. Pages written, then sealed by mprotect.
  if (!r.mprotect_refused) {
    const int e = seal_with_mprotect(p, g, fill, arg);
    if (e == 0) {
      decide(code_source::sealed_pages, "");
      return p;
    }
    refuse(r.mprotect_refused, r.why_mprotect, sizeof r.why_mprotect, "mprotect", "", e);
  }
  // 3. The memfd dual map.
  if (!r.memfd_refused) {
    const int e = seal_with_memfd(p, g, fill, arg);
    if (e == 0) {
      decide(code_source::memfd_dual_map, "");
      return p;
    }
    refuse(r.memfd_refused, r.why_memfd, sizeof r.why_memfd, "memfd", "", e);
  }
#  endif
  unmap_chunk(p, g);
  decide(code_source::refused, "");
  ec = make_error_code(errc::executable_memory_refused);
  return nullptr;
#endif
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif
