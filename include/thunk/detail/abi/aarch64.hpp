// AArch64 thunks (AAPCS64, Linux).
//
// Register contract. A slot is 16 bytes of code (4 instructions) beside 16
// bytes of data (the context word, then the typed entry's address); the
// context is the data slot's address. Code and data slots have the same size,
// so every slot's data lies at the same distance from its code and the slots
// of a kind are identical words (what a pre-built table needs,
// code_table.hpp). x16/x17 (IP0/IP1) and x9-x15 are scratch at a call
// boundary; x8 (indirect result) is never touched, so struct returns keep
// working.
//
// Every slot begins with `bti c` (a hint, a no-op without BTI): where the page
// is mapped with PROT_BTI an indirect call may only land on it. The slots jump
// through x16/x17, which a `bti c` (or paciasp) at the entry accepts, and
// never call, so a guarded control stack (GCS) sees nothing.
// Register path (context in x<n>, the next free integer argument register):
//     bti  c
//     adr  x<n>, data
//     ldr  x16, [x<n>, #8]
//     br   x16
// General path:
//     bti  c
//     adr  x16, data
//     b    stub
// Stub (per-thread stack at a fixed offset from tpidr_el0, the offset read
// from the chunk's first data slot, so the stub is the same in every process):
//     mrs  x17, tpidr_el0
//     ldr  x9, data0               ; pc-relative literal in the data page
//     add  x17, x17, x9            ; x17 = &stack.depth
//     ldr  x9, [x17]
//     add  x9, x9, #1
//     str  x9, [x17]               ; reserve (not atomic; signal nesting is LIFO)
//     and  x9, x9, #63
//     add  x10, x17, #8            ; &stack.slots[0]
//     str  x16, [x10, x9, lsl #3]  ; write the reserved slot
//     ldr  x17, [x16, #8]
//     br   x17
#ifndef THUNK_DETAIL_ABI_AARCH64_HPP
#define THUNK_DETAIL_ABI_AARCH64_HPP

#include <cstdint>
#include <cstring>

#include "../../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace aarch64 {

constexpr std::size_t slot_size = 16;
constexpr std::size_t stub_slots = THUNK_TLS_DYNAMIC ? 7 : 4;  // shared libraries: thread_context.hpp
/// x0..x7 then the general path.
enum kind : int { x0, x1, x2, x3, x4, x5, x6, x7, general, kind_count };

constexpr std::uint32_t adr(unsigned rd, std::int64_t offset) {
  return 0x10000000u | ((static_cast<std::uint32_t>(offset) & 3u) << 29) |
         (((static_cast<std::uint32_t>(offset >> 2)) & 0x7FFFFu) << 5) | rd;
}
constexpr std::uint32_t ldr_x16_plus8(unsigned rn) { return (0xF9400470u & ~(31u << 5)) | (rn << 5); }
constexpr std::uint32_t br_x16 = 0xD61F0200u;
constexpr std::uint32_t b(std::int64_t offset) {
  return 0x14000000u | (static_cast<std::uint32_t>(offset >> 2) & 0x3FFFFFFu);
}
constexpr std::uint32_t brk0 = 0xD4200000u;
constexpr std::uint32_t bti_c = 0xD503245Fu;
/// ldr x<rt>, <pc + offset> (literal; offset a multiple of 4 within 1 MiB)
constexpr std::uint32_t ldr_literal(unsigned rt, std::int64_t offset) {
  return 0x58000000u | ((static_cast<std::uint32_t>(offset >> 2) & 0x7FFFFu) << 5) | rt;
}

inline void put(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }

inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int k) {
  const std::int64_t to_data = static_cast<std::int64_t>(data) - static_cast<std::int64_t>(at + 4);
  put(out + 0, bti_c);  // bti  c
  if (k != general) {
    put(out + 4, adr(static_cast<unsigned>(k), to_data));   // adr  x<k>, data
    put(out + 8, ldr_x16_plus8(static_cast<unsigned>(k)));  // ldr  x16, [x<k>, #8]
    put(out + 12, br_x16);                                  // br   x16
  } else {
    put(out + 4, adr(16, to_data));                                                        // adr x16, data
    put(out + 8, b(static_cast<std::int64_t>(stub) - static_cast<std::int64_t>(at + 8)));  // b   stub
    put(out + 12, brk0);                                                                   // brk #0
  }
}

/// The stub at the start of a chunk whose first data slot lies `to_data`
/// bytes after it and holds the context stack's offset from tpidr_el0.
inline void write_linux_stub(std::uint8_t* out, std::int64_t to_data) {
  const std::uint32_t code[] = {
      0xD53BD051u,                  // mrs  x17, tpidr_el0
      ldr_literal(9, to_data - 4),  // ldr  x9, data0
      0x8B090231u,                  // add  x17, x17, x9
      0xF9400229u,                  // ldr  x9, [x17]
      0x91000529u,                  // add  x9, x9, #1
      0xF9000229u,                  // str  x9, [x17]
      0x92401529u,                  // and  x9, x9, #63
      0x9100222Au,                  // add  x10, x17, #8
      0xF8297950u,                  // str  x16, [x10, x9, lsl #3]
      0xF9400611u,                  // ldr  x17, [x16, #8]
      0xD61F0220u,                  // br   x17
      0xD4200000u,                  // brk  #0
  };
  static_assert(sizeof code <= stub_slots * slot_size, "stub fits its slots");
  std::memset(out, 0, stub_slots * slot_size);
  for (std::size_t i = 0; i < stub_slots * slot_size / 4; ++i) put(out + 4 * i, brk0);
  std::memcpy(out, code, sizeof code);
}

}  // namespace aarch64
}  // namespace detail
THUNK_END_NAMESPACE

#endif
