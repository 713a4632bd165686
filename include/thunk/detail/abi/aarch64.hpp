// AArch64 thunks (AAPCS64, Linux).
//
// Register contract. A slot is 16 bytes of code (4 instructions) beside 16
// bytes of data (the context word, then the typed entry's address); the
// context is the data slot's address. x16/x17 (IP0/IP1) and x9-x15 are
// scratch at a call boundary; x8 (indirect result) is never touched, so
// struct returns keep working.
// Register path (context in x<n>, the next free integer argument register):
//     adr  x<n>, data
//     ldr  x16, [x<n>, #8]
//     br   x16
// General path:
//     adr  x16, data
//     b    stub
// Stub (per-thread stack at a fixed offset from tpidr_el0):
//     mrs  x17, tpidr_el0
//     ldr  x9, offset              ; literal after the code
//     add  x17, x17, x9            ; x17 = &stack.depth
//     ldr  x9, [x17]
//     add  x9, x9, #1
//     str  x9, [x17]               ; reserve (not atomic; signal nesting is LIFO)
//     and  x9, x9, #63
//     add  x10, x17, #8            ; &stack.slots[0]
//     str  x16, [x10, x9, lsl #3]  ; write the reserved slot
//     ldr  x17, [x16, #8]
//     br   x17
//     .quad offset
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

inline void put(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }

inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int k) {
  const std::int64_t to_data = static_cast<std::int64_t>(data) - static_cast<std::int64_t>(at);
  if (k != general) {
    put(out + 0, adr(static_cast<unsigned>(k), to_data));      // adr  x<k>, data
    put(out + 4, ldr_x16_plus8(static_cast<unsigned>(k)));     // ldr  x16, [x<k>, #8]
    put(out + 8, br_x16);                                      // br   x16
    put(out + 12, brk0);                                       // brk  #0
  } else {
    put(out + 0, adr(16, to_data));                                                         // adr x16, data
    put(out + 4, b(static_cast<std::int64_t>(stub) - static_cast<std::int64_t>(at + 4)));   // b   stub
    put(out + 8, brk0);
    put(out + 12, brk0);
  }
}

constexpr std::size_t stub_literal_offset = 48;

inline void write_linux_stub(std::uint8_t* out, std::int64_t depth) {
  const std::uint32_t code[] = {
      0xD53BD051u,  // mrs  x17, tpidr_el0
      0x58000169u,  // ldr  x9, literal (pc + 44: byte 48)
      0x8B090231u,  // add  x17, x17, x9
      0xF9400229u,  // ldr  x9, [x17]
      0x91000529u,  // add  x9, x9, #1
      0xF9000229u,  // str  x9, [x17]
      0x92401529u,  // and  x9, x9, #63
      0x9100222Au,  // add  x10, x17, #8
      0xF8297950u,  // str  x16, [x10, x9, lsl #3]
      0xF9400611u,  // ldr  x17, [x16, #8]
      0xD61F0220u,  // br   x17
      0xD4200000u,  // brk  #0
  };
  static_assert(sizeof code + 8 <= stub_slots * slot_size, "stub fits its slots");
  std::memcpy(out, code, sizeof code);
  std::memcpy(out + stub_literal_offset, &depth, 8);  // the literal the ldr reads
}

}  // namespace aarch64
}  // namespace detail
THUNK_END_NAMESPACE

#endif
