// ARMv7 thunks (AAPCS with VFP, Linux), written in ARM state; the typed
// entries are usually Thumb-2, reached by `ldr pc`, which interworks.
//
// Register contract. Every closure takes the general path here (the core
// argument registers r0-r3 are also where 64-bit values pair up, so no
// register is provably free without a full classification). ip (r12) is the
// intra-procedure scratch register; the stub needs two more and borrows r0
// and r1 on the stack for the few instructions that need them — the
// caller's stack arguments above them are untouched. A slot is 16 bytes of
// code beside 8 bytes of data (context word, entry).
//     movw ip, #:lower16:data
//     movt ip, #:upper16:data
//     b    stub
//     udf  #0
// Stub (per-thread stack at a fixed offset from TPIDRURO):
//     push {r0, r1}
//     mrc  p15, 0, r0, c13, c0, 3     ; thread pointer
//     ldr  r1, [pc, #32]              ; the literal at byte 48
//     add  r0, r0, r1                 ; &stack.depth
//     ldr  r1, [r0]
//     add  r1, r1, #1
//     str  r1, [r0]                   ; reserve (signal nesting is LIFO)
//     and  r1, r1, #63
//     add  r1, r0, r1, lsl #2
//     str  ip, [r1, #4]               ; write the reserved slot
//     pop  {r0, r1}
//     ldr  pc, [ip, #4]               ; entry
//     .word offset
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
constexpr std::size_t stub_literal_offset = 48;
enum kind : int { general, kind_count };

constexpr std::uint32_t movw_ip(std::uint32_t v) { return 0xE300C000u | ((v >> 12 & 0xFu) << 16) | (v & 0xFFFu); }
constexpr std::uint32_t movt_ip(std::uint32_t v) {
  return 0xE340C000u | ((v >> 28 & 0xFu) << 16) | (v >> 16 & 0xFFFu);
}
constexpr std::uint32_t b(std::int64_t off) { return 0xEA000000u | (static_cast<std::uint32_t>((off - 8) >> 2) & 0xFFFFFFu); }
constexpr std::uint32_t udf0 = 0xE7F000F0u;

inline void put(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }

inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int) {
  const auto d = static_cast<std::uint32_t>(data);
  put(out + 0, movw_ip(d));                                                                  // movw ip, lo16
  put(out + 4, movt_ip(d));                                                                  // movt ip, hi16
  put(out + 8, b(static_cast<std::int64_t>(stub) - static_cast<std::int64_t>(at + 8)));      // b stub
  put(out + 12, udf0);
}

inline void write_linux_stub(std::uint8_t* out, std::int64_t depth) {
  const std::uint32_t code[] = {
      0xE92D0003u,  // push {r0, r1}
      0xEE1D0F70u,  // mrc  p15, 0, r0, c13, c0, 3
      0xE59F1020u,  // ldr  r1, [pc, #32]
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
  static_assert(sizeof code == stub_literal_offset, "the literal follows the code");
  std::memcpy(out, code, sizeof code);
  put(out + stub_literal_offset, static_cast<std::uint32_t>(depth));
  put(out + 52, udf0);
  put(out + 56, udf0);
  put(out + 60, udf0);
}

}  // namespace arm32
}  // namespace detail
THUNK_END_NAMESPACE

#endif
