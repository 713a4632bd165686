// i386 thunks (cdecl, stdcall, fastcall, thiscall; Linux and Windows).
//
// Register contract. Every i386 convention here passes at least some
// arguments on the stack and fastcall/thiscall use ecx/edx, so there is no
// register path: every closure takes the general path. eax is free at a call
// in all four conventions; the thunk puts the context (the data slot's
// absolute address) there:
//     mov  eax, data                  ; B8 imm32
//     jmp  stub                       ; E9 rel32
// Linux stub (per-thread stack at fixed offsets from the gs base; ecx is
// saved on the stack for the two instructions that need a second register —
// the caller's arguments above it are untouched):
//     push ecx
//     inc  dword ptr gs:[depth]
//     mov  ecx, dword ptr gs:[depth]
//     and  ecx, 63
//     mov  dword ptr gs:[slots + ecx*4], eax
//     pop  ecx
//     jmp  dword ptr [eax + 4]
// Windows stub (TEB TlsSlots[index] at fs:[0xE10 + 4*index]):
//     mov  dword ptr fs:[teb_offset], eax
//     jmp  dword ptr [eax + 4]
#ifndef THUNK_DETAIL_ABI_X86_32_HPP
#define THUNK_DETAIL_ABI_X86_32_HPP

#include <cstdint>
#include <cstring>
#include "../../config.hpp"

THUNK_BEGIN_NAMESPACE
namespace detail {
namespace x86_32 {

constexpr std::size_t slot_size = 16;
constexpr std::size_t stub_slots = 2;
enum kind : int { general, kind_count };

constexpr std::size_t mov_imm_offset = 1;   // imm32 of mov eax, imm32
constexpr std::size_t jmp_rel_offset = 6;   // rel32 of jmp
constexpr std::size_t slot_end = 10;        // eip after jmp rel32

inline void put32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }

inline void write_slot(std::uint8_t* out, std::uintptr_t at, std::uintptr_t data, std::uintptr_t stub, int) {
  std::memset(out, 0xCC, slot_size);
  out[0] = 0xB8;  // mov eax, imm32
  put32(out + mov_imm_offset, static_cast<std::uint32_t>(data));
  out[5] = 0xE9;  // jmp rel32
  put32(out + jmp_rel_offset, static_cast<std::uint32_t>(stub - (at + slot_end)));
}

inline void write_linux_stub(std::uint8_t* out, std::int32_t depth, std::int32_t slots) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0x51,                                // push ecx
      0x65, 0xFF, 0x05, 0, 0, 0, 0,        // inc dword ptr gs:[depth]
      0x65, 0x8B, 0x0D, 0, 0, 0, 0,        // mov ecx, dword ptr gs:[depth]
      0x83, 0xE1, 0x3F,                    // and ecx, 63
      0x65, 0x89, 0x04, 0x8D, 0, 0, 0, 0,  // mov dword ptr gs:[slots + ecx*4], eax
      0x59,                                // pop ecx
      0xFF, 0x60, 0x04,                    // jmp dword ptr [eax + 4]
  };
  static_assert(sizeof code <= stub_slots * slot_size, "stub fits its slots");
  std::memcpy(out, code, sizeof code);
  put32(out + 4, static_cast<std::uint32_t>(depth));
  put32(out + 11, static_cast<std::uint32_t>(depth));
  put32(out + 22, static_cast<std::uint32_t>(slots));
}

inline void write_windows_stub(std::uint8_t* out, std::uint32_t teb_offset) {
  std::memset(out, 0xCC, stub_slots * slot_size);
  const std::uint8_t code[] = {
      0x64, 0xA3, 0, 0, 0, 0,  // mov dword ptr fs:[teb_offset], eax
      0xFF, 0x60, 0x04,        // jmp dword ptr [eax + 4]
  };
  std::memcpy(out, code, sizeof code);
  put32(out + 2, teb_offset);
}

}  // namespace x86_32
}  // namespace detail
THUNK_END_NAMESPACE

#endif
