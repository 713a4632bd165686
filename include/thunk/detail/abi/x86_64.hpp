// x86-64 thunks (System V and Microsoft x64; Linux and Windows).
//
// Register contract. A slot is 16 bytes of code beside 16 bytes of data
// (data: the context word, then the typed entry's address). The context the
// entry receives is the address of the data slot.
//
// Register path (kind = one integer argument register): the entry is declared
// with one extra trailing pointer parameter, which the ABI places in exactly
// that register, so the thunk loads it and jumps:
//     lea  <reg>, [rip + data]        ; context -> the next free argument register
//     jmp  qword ptr [rip + data + 8] ; -> typed entry
// General path: the context goes through a small per-thread stack instead:
//     lea  r10, [rip + data]
//     jmp  stub                        ; shared, once per chunk
// Linux stub (r10, r11: scratch at a call boundary in both ABIs):
//     inc  qword ptr fs:[depth]                 ; reserve a slot first...
//     mov  r11, qword ptr fs:[depth]
//     and  r11d, 63
//     mov  qword ptr fs:[slots + r11*8], r10    ; ...then write it: a signal
//     jmp  qword ptr [r10 + 8]                  ; handler nesting here is LIFO
// Windows stub (no asynchronous signals: one TEB TLS slot is enough):
//     mov  qword ptr gs:[0x1480 + 8*index], r10
//     jmp  qword ptr [r10 + 8]
#ifndef THUNK_DETAIL_ABI_X86_64_HPP
#define THUNK_DETAIL_ABI_X86_64_HPP

#include <cstdint>
#include <cstring>
#include "../../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace x86_64 {

constexpr std::size_t slot_size = 16;
/// The stub occupies the first slots of a chunk's code (the stubs that may
/// call a helper, thread_context.hpp, are longer).
#if THUNK_TLS_DYNAMIC
constexpr std::size_t stub_slots = 8;
#elif defined(THUNK_OS_WINDOWS)
constexpr std::size_t stub_slots = 10;
#else
constexpr std::size_t stub_slots = 3;
#endif

/// Kinds: which register receives the context. Numbered by register, so the
/// System V and Microsoft conventions share pages for rcx, rdx, r8, r9.
enum kind : int { rdi, rsi, rdx, rcx, r8, r9, general, kind_count };

struct lea_encoding {
  std::uint8_t rex, modrm;
};
/// lea <reg>, [rip + disp32] = REX.W(+R) 8D modrm(00 reg 101) disp32
constexpr lea_encoding lea_rip[kind_count] = {
    {0x48, 0x3D},  // lea rdi, [rip+disp32]
    {0x48, 0x35},  // lea rsi, [rip+disp32]
    {0x48, 0x15},  // lea rdx, [rip+disp32]
    {0x48, 0x0D},  // lea rcx, [rip+disp32]
    {0x4C, 0x05},  // lea r8,  [rip+disp32]
    {0x4C, 0x0D},  // lea r9,  [rip+disp32]
    {0x4C, 0x15},  // lea r10, [rip+disp32]   (general path)
};

// Offsets inside a slot, named for the patch step and the encoding tests.
constexpr std::size_t lea_disp_offset = 3;   // disp32 of the lea
constexpr std::size_t lea_end = 7;           // rip after the lea
constexpr std::size_t jmp_disp_offset = 9;   // disp32 of jmp [rip+disp32] / rel32 of jmp rel32
constexpr std::size_t reg_jmp_end = 13;      // rip after jmp qword ptr [rip+disp32]
constexpr std::size_t gen_jmp_end = 12;      // rip after jmp rel32

inline void put32(std::uint8_t* p, std::int64_t v) {
  std::int32_t x = static_cast<std::int32_t>(v);
  std::memcpy(p, &x, 4);
}

/// Writes one slot's code at `out` (its final address is `at`).
inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int k) {
  std::memset(out, 0xCC, slot_size);  // int3 padding
  const auto a = static_cast<std::int64_t>(at), d = static_cast<std::int64_t>(data);
  out[0] = lea_rip[k].rex;  // lea <reg>, [rip + disp32]
  out[1] = 0x8D;
  out[2] = lea_rip[k].modrm;
  put32(out + lea_disp_offset, d - (a + static_cast<std::int64_t>(lea_end)));
  if (k != general) {
    out[7] = 0xFF;  // jmp qword ptr [rip + disp32]
    out[8] = 0x25;
    put32(out + jmp_disp_offset, d + 8 - (a + static_cast<std::int64_t>(reg_jmp_end)));
  } else {
    out[7] = 0xE9;  // jmp rel32 -> stub
    put32(out + 8, static_cast<std::int64_t>(stub) - (a + static_cast<std::int64_t>(gen_jmp_end)));
  }
}

/// Offsets of the general path's stub fields (for the encoding tests).
constexpr std::size_t linux_stub_size = 41;

/// Linux stub: depth and slots are offsets from the thread pointer (fs base).
inline void write_linux_stub(std::uint8_t* out, std::int64_t depth, std::int64_t slots) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0x64, 0x48, 0xFF, 0x04, 0x25, 0, 0, 0, 0,  // inc qword ptr fs:[depth]
      0x64, 0x4C, 0x8B, 0x1C, 0x25, 0, 0, 0, 0,  // mov r11, qword ptr fs:[depth]
      0x41, 0x83, 0xE3, 0x3F,                    // and r11d, 63
      0x64, 0x4E, 0x89, 0x14, 0xDD, 0, 0, 0, 0,  // mov qword ptr fs:[slots + r11*8], r10
      0x41, 0xFF, 0x62, 0x08,                    // jmp qword ptr [r10 + 8]
  };
  static_assert(sizeof code <= stub_slots * slot_size, "stub fits its slots");
  std::memcpy(out, code, sizeof code);
  put32(out + 5, depth);
  put32(out + 14, depth);
  put32(out + 27, slots);
}

/// Windows stub: the TEB's TlsSlots[index] (gs:[0x1480 + 8*index], index < 64).
inline void write_windows_stub(std::uint8_t* out, std::uint32_t teb_offset) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0x65, 0x4C, 0x89, 0x14, 0x25, 0, 0, 0, 0,  // mov qword ptr gs:[teb_offset], r10
      0x41, 0xFF, 0x62, 0x08,                    // jmp qword ptr [r10 + 8]
  };
  std::memcpy(out, code, sizeof code);
  put32(out + 5, static_cast<std::int64_t>(teb_offset));
}

}  // namespace x86_64
}  // namespace detail
THUNK_END_NAMESPACE

#endif
