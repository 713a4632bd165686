// ARMv7 thunks (AAPCS with VFP, Linux), written in ARM state; the typed
// entries are usually Thumb-2, reached by `ldr pc`, which interworks.
//
// Register contract. Every closure takes the general path here (the core
// argument registers r0-r3 are also where 64-bit values pair up, so no
// register is provably free without a full classification). ip (r12) is the
// intra-procedure scratch register; the stub needs two more and borrows r0
// and r1 on the stack for the few instructions that need them — the
// caller's stack arguments above them are untouched. A slot is 16 bytes of
// code beside 8 bytes of data (context word, entry); slot i's data lies
// 64 KiB - 8i after it, reached pc-relatively (pc reads 8 ahead), so the
// code holds no address (what a pre-built table needs, code_table.hpp):
//     add  ip, pc, #0x10000
//     sub  ip, ip, #(v & 0xFF00)      ; v = 0x10000 - (data - (slot + 8))
//     sub  ip, ip, #(v & 0xFF)
//     b    stub
// Stub (per-thread stack at a fixed offset from TPIDRURO):
//     push {r0, r1}
//     mrc  p15, 0, r0, c13, c0, 3     ; thread pointer
//     add  r1, pc, #0x10000
//     ldr  r1, [r1, #-16]             ; the chunk's first data slot: the offset
//     add  r0, r0, r1                 ; &stack.depth
//     ldr  r1, [r0]
//     add  r1, r1, #1
//     str  r1, [r0]                   ; reserve (signal nesting is LIFO)
//     and  r1, r1, #63
//     add  r1, r0, r1, lsl #2
//     str  ip, [r1, #4]               ; write the reserved slot
//     pop  {r0, r1}
//     ldr  pc, [ip, #4]               ; entry
#ifndef THUNK_DETAIL_ABI_ARM32_HPP
#define THUNK_DETAIL_ABI_ARM32_HPP

#include <cstdint>
#include <cstring>

#include "../../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace arm32 {

constexpr std::size_t slot_size = 16;
constexpr std::size_t stub_slots = 4;
enum kind : int { general, kind_count };

/// The immediate field of an ARM data-processing instruction for v, when v
/// is 8 bits rotated right by an even amount (only the forms used here).
constexpr std::uint32_t low_byte(std::uint32_t v) { return v & 0xFFu; }                       // rot 0
constexpr std::uint32_t second_byte(std::uint32_t v) { return 0xC00u | ((v >> 8) & 0xFFu); }  // ror 24
constexpr std::uint32_t add_ip_pc_64k = 0xE28FC801u;  // add ip, pc, #0x10000 (1 ror 16)
constexpr std::uint32_t sub_ip_ip = 0xE24CC000u;      // sub ip, ip, #imm
constexpr std::uint32_t b(std::int64_t off) {
  return 0xEA000000u | (static_cast<std::uint32_t>((off - 8) >> 2) & 0xFFFFFFu);
}
constexpr std::uint32_t udf0 = 0xE7F000F0u;

inline void put(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }

/// `data` must lie between 0x10000 - 0xFFFF and 0x10000 bytes after at + 8.
inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int) {
  const auto v =
      static_cast<std::uint32_t>(0x10000 - (static_cast<std::int64_t>(data) - static_cast<std::int64_t>(at + 8)));
  put(out + 0, add_ip_pc_64k);                                                             // add ip, pc, #0x10000
  put(out + 4, sub_ip_ip | second_byte(v));                                                // sub ip, ip, #(v & 0xFF00)
  put(out + 8, sub_ip_ip | low_byte(v));                                                   // sub ip, ip, #(v & 0xFF)
  put(out + 12, b(static_cast<std::int64_t>(stub) - static_cast<std::int64_t>(at + 12)));  // b   stub
}

/// The stub at the start of a chunk whose first data slot lies `to_data`
/// (0x10000: one add immediate) bytes after it and holds the context stack's
/// offset from the thread pointer.
inline void write_linux_stub(std::uint8_t* out, std::int64_t to_data) {
  (void)to_data;  // 0x10000, asserted where chunks are made
  const std::uint32_t code[] = {
      0xE92D0003u,  // push {r0, r1}
      0xEE1D0F70u,  // mrc  p15, 0, r0, c13, c0, 3
      0xE28F1801u,  // add  r1, pc, #0x10000
      0xE5111010u,  // ldr  r1, [r1, #-16]
      0xE0800001u,  // add  r0, r0, r1
      0xE5901000u,  // ldr  r1, [r0]
      0xE2811001u,  // add  r1, r1, #1
      0xE5801000u,  // str  r1, [r0]
      0xE201103Fu,  // and  r1, r1, #63
      0xE0801101u,  // add  r1, r0, r1, lsl #2
      0xE581C004u,  // str  ip, [r1, #4]
      0xE8BD0003u,  // pop  {r0, r1}
      0xE59CF004u,  // ldr  pc, [ip, #4]
  };
  std::memcpy(out, code, sizeof code);
  for (std::size_t i = sizeof code; i < stub_slots * slot_size; i += 4) put(out + i, udf0);
}

}  // namespace arm32
}  // namespace detail
THUNK_END_NAMESPACE

#endif
