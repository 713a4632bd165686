// thunk/detail/abi/*.hpp: the hand-encoded thunks, byte by byte. The encoders
// are pure functions, so every ABI's encodings are checked on every target.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <thunk/detail/abi/aarch64.hpp>
#include <thunk/detail/abi/arm32.hpp>
#include <thunk/detail/abi/riscv64.hpp>
#include <thunk/detail/abi/x86_32.hpp>
#include <thunk/detail/abi/x86_64.hpp>

#include "catch.hpp"

namespace {
std::string hex(const std::uint8_t* p, std::size_t n) {
  std::string s;
  char b[4];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x ", p[i]);
    s += b;
  }
  if (!s.empty()) s.pop_back();
  return s;
}
std::int32_t read32(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint32_t word(const std::uint8_t* p, std::size_t i) {
  std::uint32_t v;
  std::memcpy(&v, p + 4 * i, 4);
  return v;
}
}  // namespace

TEST_CASE("x86-64 register thunks are endbr64; lea <reg>,[rip+d]; jmp [<reg>+8]", "[abi][sysv64][win64]") {
  namespace a = thunk::detail::x86_64;
  std::uint8_t s[16];
  const std::uintptr_t at = 0x100000, data = 0x110000;
  a::write_slot(s, at, data, 0, a::rdx);
  // endbr64 ; lea rdx, [rip+0xfff5] ; jmp qword ptr [rdx+8] ; int3 x2
  CHECK(hex(s, 16) == "f3 0f 1e fa 48 8d 15 f5 ff 00 00 ff 62 08 cc cc");
  a::write_slot(s, at, data, 0, a::rdi);
  CHECK(hex(s, 16) == "f3 0f 1e fa 48 8d 3d f5 ff 00 00 ff 67 08 cc cc");  // lea rdi; jmp [rdi+8]
  a::write_slot(s, at, data, 0, a::rsi);
  CHECK(hex(s, 16) == "f3 0f 1e fa 48 8d 35 f5 ff 00 00 ff 66 08 cc cc");  // lea rsi; jmp [rsi+8]
  a::write_slot(s, at, data, 0, a::rcx);
  CHECK(hex(s, 16) == "f3 0f 1e fa 48 8d 0d f5 ff 00 00 ff 61 08 cc cc");  // lea rcx; jmp [rcx+8]
  a::write_slot(s, at, data, 0, a::r8);
  CHECK(hex(s, 16) == "f3 0f 1e fa 4c 8d 05 f5 ff 00 00 41 ff 60 08 cc");  // lea r8; jmp [r8+8]
  a::write_slot(s, at, data, 0, a::r9);
  CHECK(hex(s, 16) == "f3 0f 1e fa 4c 8d 0d f5 ff 00 00 41 ff 61 08 cc");  // lea r9; jmp [r9+8]
}

TEST_CASE("every x86-64 thunk and stub begins with the endbr64 landing pad", "[abi][sysv64][win64][cet]") {
  namespace a = thunk::detail::x86_64;
  std::uint8_t s[a::stub_slots * a::slot_size];
  for (int k = 0; k < a::kind_count; ++k) {
    a::write_slot(s, 0x100030, 0x110030, 0x100000, k);
    CHECK(hex(s, 4) == "f3 0f 1e fa");  // endbr64
  }
  a::write_linux_stub(s, 0x10000);
  CHECK(hex(s, 4) == "f3 0f 1e fa");  // endbr64
  a::write_windows_stub(s, 0x1480);
  CHECK(hex(s, 4) == "f3 0f 1e fa");  // endbr64
}

TEST_CASE("x86-64 thunks reach their data and entry at the named offsets", "[abi][sysv64]") {
  namespace a = thunk::detail::x86_64;
  std::uint8_t s[16];
  const std::uintptr_t at = 0x70001230, data = 0x70011230, stub = 0x70001000;
  a::write_slot(s, at, data, stub, a::r8);
  CHECK(at + a::lea_end + static_cast<std::uintptr_t>(read32(s + a::lea_disp_offset)) == data);
  a::write_slot(s, at, data, stub, a::general);
  // endbr64 ; lea r10, [rip+d] ; jmp rel32 -> stub
  CHECK(hex(s, 7) == "f3 0f 1e fa 4c 8d 15");
  CHECK(s[a::jmp_offset] == 0xE9);
  CHECK(at + a::lea_end + static_cast<std::uintptr_t>(read32(s + a::lea_disp_offset)) == data);
  CHECK(at + a::gen_jmp_end + static_cast<std::uintptr_t>(static_cast<std::intptr_t>(read32(s + a::gen_rel_offset))) ==
        stub);
}

TEST_CASE("the x86-64 general-path stubs push the context per thread", "[abi][sysv64][win64]") {
  namespace a = thunk::detail::x86_64;
  std::uint8_t s[a::stub_slots * a::slot_size];
  a::write_linux_stub(s, 0x10000);
  // endbr64; mov r11, fs:[0]; add r11, [rip+0xffec]; inc qword [r11]; push rax; mov rax, [r11];
  // and eax, 63; mov [r11+rax*8+8], r10; pop rax; jmp [r10+8]
  CHECK(hex(s, a::linux_stub_size) ==
        "f3 0f 1e fa 64 4c 8b 1c 25 00 00 00 00 4c 03 1d ec ff 00 00 49 ff 03 50 49 8b 03 83 e0 3f 4d 89 54 c3 08 58 "
        "41 ff 62 08");
  // The add reads the first data slot: 0x10000 bytes after the stub.
  CHECK(a::stub_disp_end + static_cast<std::uintptr_t>(read32(s + a::stub_disp_offset)) == 0x10000);
  a::write_windows_stub(s, 0x1480 + 8 * 5);
  // endbr64 ; mov gs:[0x14a8], r10 ; jmp [r10+8]
  CHECK(hex(s, 17) == "f3 0f 1e fa 65 4c 89 14 25 a8 14 00 00 41 ff 62 08");
}

TEST_CASE("i386 thunks load the context into eax and jump to the stub", "[abi][x86-stdcall]") {
  namespace a = thunk::detail::x86_32;
  std::uint8_t s[16];
  a::write_slot(s, 0x08001000, 0x08011000, 0x08000ff0, a::general);
  // mov eax, 0x08011000 ; jmp 0x08000ff0
  CHECK(hex(s, 10) == "b8 00 10 01 08 e9 e6 ff ff ff");
  std::uint8_t stub[a::stub_slots * a::slot_size];
  a::write_linux_stub(stub, -0x80, -0x7C);
  // push ecx; inc gs:[-0x80]; mov ecx, gs:[-0x80]; and ecx,63; mov gs:[-0x7c+ecx*4], eax; pop ecx; jmp [eax+4]
  CHECK(hex(stub, 30) == "51 65 ff 05 80 ff ff ff 65 8b 0d 80 ff ff ff 83 e1 3f 65 89 04 8d 84 ff ff ff 59 ff 60 04");
  a::write_windows_stub(stub, 0xE10 + 4 * 3);
  // mov fs:[0xe1c], eax ; jmp [eax+4]
  CHECK(hex(stub, 9) == "64 a3 1c 0e 00 00 ff 60 04");
}

TEST_CASE("AArch64 thunks are bti c; adr x<n>; ldr x16,[x<n>,#8]; br x16", "[abi][aapcs64][bti]") {
  namespace a = thunk::detail::aarch64;
  std::uint8_t s[16];
  a::write_slot(s, 0x400000, 0x410000, 0, a::x0);
  CHECK(word(s, 0) == 0xD503245Fu);  // bti c
  CHECK(word(s, 1) == 0x1007FFE0u);  // adr x0, .+0xfffc
  CHECK(word(s, 2) == 0xF9400410u);  // ldr x16, [x0, #8]
  CHECK(word(s, 3) == 0xD61F0200u);  // br  x16
  a::write_slot(s, 0x400000, 0x410000, 0, a::x7);
  CHECK(word(s, 0) == 0xD503245Fu);  // bti c
  CHECK(word(s, 1) == 0x1007FFE7u);  // adr x7, .+0xfffc
  CHECK(word(s, 2) == 0xF94004F0u);  // ldr x16, [x7, #8]
  a::write_slot(s, 0x400010, 0x410010, 0x400000, a::general);
  CHECK(word(s, 0) == 0xD503245Fu);  // bti c
  CHECK(word(s, 1) == 0x1007FFF0u);  // adr x16, .+0xfffc
  CHECK(word(s, 2) == 0x17FFFFFAu);  // b   .-0x18 (the stub)
  std::uint8_t stub[a::stub_slots * a::slot_size];
  a::write_linux_stub(stub, 0x10000);
  CHECK(word(stub, 0) == 0xD53BD051u);   // mrs x17, tpidr_el0
  CHECK(word(stub, 1) == 0x5807FFE9u);   // ldr x9, .+0xfffc (the first data slot)
  CHECK(word(stub, 8) == 0xF8297950u);   // str x16, [x10, x9, lsl #3]
  CHECK(word(stub, 10) == 0xD61F0220u);  // br  x17
  CHECK(4 + ((word(stub, 1) >> 5) & 0x7FFFF) * 4 == 0x10000);
}

TEST_CASE("RISC-V 64 thunks are auipc/addi t1; jal zero, stub", "[abi][riscv64]") {
  namespace a = thunk::detail::riscv64;
  std::uint8_t s[16];
  a::write_slot(s, 0x10000, 0x20010, 0x0FFF0, a::general);
  CHECK(word(s, 0) == 0x00010317u);                   // auipc t1, 0x10
  CHECK(word(s, 1) == 0x01030313u);                   // addi  t1, t1, 16
  CHECK(word(s, 2) == 0xFE9FF06Fu);                   // jal   zero, .-0x18
  a::write_slot(s, 0x10000, 0x10800, 0, a::general);  // lo12 = 0x800 wraps to -2048 with hi + 1
  CHECK(word(s, 0) == 0x00001317u);                   // auipc t1, 0x1
  CHECK(word(s, 1) == 0x80030313u);                   // addi  t1, t1, -2048
  std::uint8_t stub[a::stub_slots * a::slot_size];
  a::write_linux_stub(stub, 0x10000);
  CHECK(word(stub, 0) == 0x00010397u);   // auipc t2, 0x10 (the first data slot)
  CHECK(word(stub, 1) == 0x0003B383u);   // ld t2, 0(t2)
  CHECK(word(stub, 9) == 0x006E3423u);   // sd t1, 8(t3)
  CHECK(word(stub, 11) == 0x00028067u);  // jalr zero, 0(t0)
  CHECK(word(stub, 12) == 0x00100073u);  // ebreak
}

TEST_CASE("ARMv7 thunks are add ip, pc; sub; sub; b stub", "[abi][arm32]") {
  namespace a = thunk::detail::arm32;
  std::uint8_t s[16];
  // Slot 5 of a chunk at 0x40000000: its data is 0x10000 + 8 * 5 after the chunk.
  a::write_slot(s, 0x40000050, 0x40010028, 0x40000000, a::general);
  CHECK(word(s, 0) == 0xE28FC801u);  // add ip, pc, #0x10000
  CHECK(word(s, 1) == 0xE24CCC00u);  // sub ip, ip, #0     (v = 0x30: 0x40000058 + 0x10000 - 0x30)
  CHECK(word(s, 2) == 0xE24CC030u);  // sub ip, ip, #0x30
  CHECK(word(s, 3) == 0xEAFFFFE7u);  // b   .-0x5c (the stub)
  a::write_slot(s, 0x40000000 + 16 * 4095, 0x40010000 + 8 * 4095, 0x40000000, a::general);
  CHECK(word(s, 1) == 0xE24CCC80u);  // sub ip, ip, #0x8000  (v = 8 * 4095 + 8)
  CHECK(word(s, 2) == 0xE24CC000u);  // sub ip, ip, #0
  std::uint8_t stub[a::stub_slots * a::slot_size];
  a::write_linux_stub(stub, 0x10000);
  CHECK(word(stub, 1) == 0xEE1D0F70u);   // mrc p15, 0, r0, c13, c0, 3
  CHECK(word(stub, 2) == 0xE28F1801u);   // add r1, pc, #0x10000
  CHECK(word(stub, 3) == 0xE5111010u);   // ldr r1, [r1, #-16] -> byte 0x10000
  CHECK(word(stub, 12) == 0xE59CF004u);  // ldr pc, [ip, #4]
  CHECK(word(stub, 13) == 0xE7F000F0u);  // udf #0
}
