// RISC-V 64 thunks (LP64D, Linux).
//
// Register contract. Every closure takes the general path here (the
// register-path classification — floats spilling into integer registers,
// structs split across registers — is not done for RISC-V yet). A slot is 16
// bytes of code beside 16 bytes of data (context word, entry); t0-t3 are
// temporaries the caller does not expect to survive a call. Code and data
// slots have the same size, so every slot reaches its data at the same
// distance and every slot is the same words but the jump to the stub (what a
// pre-built table needs, code_table.hpp).
//     auipc t1, %pcrel_hi(data)
//     addi  t1, t1, %pcrel_lo(data)   ; t1 = context
//     jal   zero, stub
//     ebreak
// Stub (per-thread stack at a fixed offset from tp, the offset read from the
// chunk's first data slot):
//     auipc t2, %hi(data0)
//     ld    t2, %lo(data0)(t2)        ; offset of the stack from tp
//     add   t2, tp, t2                ; &stack.depth
//     ld    t3, 0(t2)
//     addi  t3, t3, 1
//     sd    t3, 0(t2)                 ; reserve (not atomic; signal nesting is LIFO)
//     andi  t3, t3, 63
//     slli  t3, t3, 3
//     add   t3, t3, t2
//     sd    t1, 8(t3)                 ; write the reserved slot
//     ld    t0, 8(t1)                 ; entry
//     jalr  zero, 0(t0)
#ifndef THUNK_DETAIL_ABI_RISCV64_HPP
#define THUNK_DETAIL_ABI_RISCV64_HPP

#include <cstdint>
#include <cstring>

#include "../../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace riscv64 {

constexpr std::size_t slot_size = 16;
constexpr std::size_t stub_slots = 4;
enum kind : int { general, kind_count };

constexpr unsigned t1 = 6;

constexpr std::uint32_t auipc(unsigned rd, std::uint32_t hi20) { return (hi20 << 12) | (rd << 7) | 0x17u; }
constexpr std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm12) {
  return ((static_cast<std::uint32_t>(imm12) & 0xFFFu) << 20) | (rs1 << 15) | (rd << 7) | 0x13u;
}
constexpr std::uint32_t jal_zero(std::int64_t off) {
  const auto o = static_cast<std::uint32_t>(off);
  return (((o >> 20) & 1u) << 31) | (((o >> 1) & 0x3FFu) << 21) | (((o >> 11) & 1u) << 20) |
         (((o >> 12) & 0xFFu) << 12) | 0x6Fu;
}
constexpr std::uint32_t ebreak = 0x00100073u;

inline void put(std::uint8_t* p, std::uint32_t w) { std::memcpy(p, &w, 4); }

inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int) {
  const std::int64_t off = static_cast<std::int64_t>(data) - static_cast<std::int64_t>(at);
  const std::int64_t hi = (off + 0x800) >> 12;
  const std::int64_t lo = off - (hi << 12);
  put(out + 0, auipc(t1, static_cast<std::uint32_t>(hi) & 0xFFFFFu));                           // auipc t1, hi
  put(out + 4, addi(t1, t1, static_cast<std::int32_t>(lo)));                                    // addi t1, t1, lo
  put(out + 8, jal_zero(static_cast<std::int64_t>(stub) - static_cast<std::int64_t>(at + 8)));  // j stub
  put(out + 12, ebreak);
}

constexpr std::uint32_t ld(unsigned rd, unsigned rs1, std::int32_t imm12) {
  return ((static_cast<std::uint32_t>(imm12) & 0xFFFu) << 20) | (rs1 << 15) | (3u << 12) | (rd << 7) | 0x03u;
}

/// The stub at the start of a chunk whose first data slot lies `to_data`
/// bytes after it and holds the context stack's offset from tp.
inline void write_linux_stub(std::uint8_t* out, std::int64_t to_data) {
  const std::int64_t hi = (to_data + 0x800) >> 12;
  const std::int64_t lo = to_data - (hi << 12);
  const std::uint32_t code[] = {
      auipc(7, static_cast<std::uint32_t>(hi) & 0xFFFFFu),  // auipc t2, hi(data0)
      ld(7, 7, static_cast<std::int32_t>(lo)),              // ld    t2, lo(data0)(t2)
      0x007203B3u,                                          // add   t2, tp, t2
      0x0003BE03u,                                          // ld    t3, 0(t2)
      0x001E0E13u,                                          // addi  t3, t3, 1
      0x01C3B023u,                                          // sd    t3, 0(t2)
      0x03FE7E13u,                                          // andi  t3, t3, 63
      0x003E1E13u,                                          // slli  t3, t3, 3
      0x007E0E33u,                                          // add   t3, t3, t2
      0x006E3423u,                                          // sd    t1, 8(t3)
      0x00833283u,                                          // ld    t0, 8(t1)
      0x00028067u,                                          // jalr  zero, 0(t0)
  };
  std::memcpy(out, code, sizeof code);
  for (std::size_t i = sizeof code; i < stub_slots * slot_size; i += 4) put(out + i, ebreak);
}

}  // namespace riscv64
}  // namespace detail
THUNK_END_NAMESPACE

#endif
