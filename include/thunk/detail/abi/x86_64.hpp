// x86-64 thunks (System V and Microsoft x64; Linux and Windows).
//
// Register contract. A slot is 16 bytes of code beside 16 bytes of data
// (data: the context word, then the typed entry's address). The context the
// entry receives is the address of the data slot. Code and data slots have
// the same size, so every slot's data lies at the same distance (the chunk's
// code size) from its code: the slots of a kind are identical bytes, which is
// what lets a pre-built table in the program's own file serve
// (code_table.hpp).
//
// Every entry begins with endbr64 (a no-op without CET; with indirect-branch
// tracking enforced, an indirect call may only land on it), and the thunks
// only jump, so a shadow stack sees nothing.
// Register path (kind = one integer argument register): the entry is declared
// with one extra trailing pointer parameter, which the ABI places in exactly
// that register, so the thunk loads it and jumps through it:
//     endbr64
//     lea  <reg>, [rip + data]        ; context -> the next free argument register
//     jmp  qword ptr [<reg> + 8]      ; -> typed entry
// General path: the context goes through a small per-thread stack instead:
//     endbr64
//     lea  r10, [rip + data]
//     jmp  stub                        ; shared, once per chunk
// Linux stub (r10, r11: scratch at a call boundary in both ABIs; rax is
// saved around its use). The stack's offset from the thread pointer is read
// from the chunk's first data slot, so the stub is the same bytes in every
// process:
//     endbr64
//     mov  r11, qword ptr fs:[0]                ; the thread pointer
//     add  r11, qword ptr [rip + data0]         ; + the stack's offset = &depth
//     inc  qword ptr [r11]                      ; reserve a slot first...
//     push rax
//     mov  rax, qword ptr [r11]
//     and  eax, 63
//     mov  qword ptr [r11 + rax*8 + 8], r10     ; ...then write it: a signal
//     pop  rax                                  ; handler nesting here is LIFO
//     jmp  qword ptr [r10 + 8]
// Windows stub (no asynchronous signals: one TEB TLS slot is enough):
//     endbr64
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

struct slot_encoding {
  std::uint8_t rex, modrm;  // lea <reg>, [rip + disp32] = REX.W(+R) 8D modrm(00 reg 101) disp32
  std::uint8_t jmp[4];      // jmp qword ptr [<reg> + 8] = (REX.B) FF modrm(01 100 reg) 08
  std::uint8_t jmp_size;
};
constexpr slot_encoding encodings[kind_count] = {
    {0x48, 0x3D, {0xFF, 0x67, 0x08, 0xCC}, 3},  // lea rdi, [rip+d]; jmp [rdi+8]
    {0x48, 0x35, {0xFF, 0x66, 0x08, 0xCC}, 3},  // lea rsi, [rip+d]; jmp [rsi+8]
    {0x48, 0x15, {0xFF, 0x62, 0x08, 0xCC}, 3},  // lea rdx, [rip+d]; jmp [rdx+8]
    {0x48, 0x0D, {0xFF, 0x61, 0x08, 0xCC}, 3},  // lea rcx, [rip+d]; jmp [rcx+8]
    {0x4C, 0x05, {0x41, 0xFF, 0x60, 0x08}, 4},  // lea r8,  [rip+d]; jmp [r8+8]
    {0x4C, 0x0D, {0x41, 0xFF, 0x61, 0x08}, 4},  // lea r9,  [rip+d]; jmp [r9+8]
    {0x4C, 0x15, {0xE9, 0x00, 0x00, 0x00}, 5},  // lea r10, [rip+d]; jmp rel32 stub (general)
};

// Offsets inside a slot, named for the patch step and the encoding tests.
constexpr std::size_t lea_disp_offset = 7;  // disp32 of the lea
constexpr std::size_t lea_end = 11;         // rip after the lea
constexpr std::size_t jmp_offset = 11;      // the jmp
constexpr std::size_t gen_rel_offset = 12;  // rel32 of jmp rel32 (general path)
constexpr std::size_t gen_jmp_end = 16;     // rip after jmp rel32

constexpr std::uint8_t endbr64[4] = {0xF3, 0x0F, 0x1E, 0xFA};

inline void put32(std::uint8_t* p, std::int64_t v) {
  std::int32_t x = static_cast<std::int32_t>(v);
  std::memcpy(p, &x, 4);
}

/// Writes one slot's code at `out` (its final address is `at`).
inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int k) {
  std::memset(out, 0xCC, slot_size);  // int3 padding
  const auto a = static_cast<std::int64_t>(at), d = static_cast<std::int64_t>(data);
  std::memcpy(out, endbr64, 4);  // endbr64
  out[4] = encodings[k].rex;     // lea <reg>, [rip + disp32]
  out[5] = 0x8D;
  out[6] = encodings[k].modrm;
  put32(out + lea_disp_offset, d - (a + static_cast<std::int64_t>(lea_end)));
  std::memcpy(out + jmp_offset, encodings[k].jmp, encodings[k].jmp_size);  // jmp [<reg> + 8] / jmp rel32
  if (k == general)
    put32(out + gen_rel_offset, static_cast<std::int64_t>(stub) - (a + static_cast<std::int64_t>(gen_jmp_end)));
}

constexpr std::size_t linux_stub_size = 40;
/// The add's disp32, and the rip it is relative to.
constexpr std::size_t stub_disp_offset = 16;
constexpr std::size_t stub_disp_end = 20;

/// Linux stub at the start of a chunk whose first data slot lies `to_data`
/// bytes after it and holds the context stack's offset from the thread pointer.
inline void write_linux_stub(std::uint8_t* out, std::int64_t to_data) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0xF3, 0x0F, 0x1E, 0xFA,                    // endbr64
      0x64, 0x4C, 0x8B, 0x1C, 0x25, 0, 0, 0, 0,  // mov r11, qword ptr fs:[0]
      0x4C, 0x03, 0x1D, 0,    0,    0, 0,        // add r11, qword ptr [rip + disp32]
      0x49, 0xFF, 0x03,                          // inc qword ptr [r11]
      0x50,                                      // push rax
      0x49, 0x8B, 0x03,                          // mov rax, qword ptr [r11]
      0x83, 0xE0, 0x3F,                          // and eax, 63
      0x4D, 0x89, 0x54, 0xC3, 0x08,              // mov qword ptr [r11 + rax*8 + 8], r10
      0x58,                                      // pop rax
      0x41, 0xFF, 0x62, 0x08,                    // jmp qword ptr [r10 + 8]
  };
  static_assert(sizeof code == linux_stub_size && sizeof code <= stub_slots * slot_size, "stub fits its slots");
  std::memcpy(out, code, sizeof code);
  put32(out + stub_disp_offset, to_data - static_cast<std::int64_t>(stub_disp_end));
}

/// Windows stub: the TEB's TlsSlots[index] (gs:[0x1480 + 8*index], index < 64).
inline void write_windows_stub(std::uint8_t* out, std::uint32_t teb_offset) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0xF3, 0x0F, 0x1E, 0xFA,                    // endbr64
      0x65, 0x4C, 0x89, 0x14, 0x25, 0, 0, 0, 0,  // mov qword ptr gs:[teb_offset], r10
      0x41, 0xFF, 0x62, 0x08,                    // jmp qword ptr [r10 + 8]
  };
  std::memcpy(out, code, sizeof code);
  put32(out + 9, static_cast<std::int64_t>(teb_offset));
}

}  // namespace x86_64
}  // namespace detail
THUNK_END_NAMESPACE

#endif
