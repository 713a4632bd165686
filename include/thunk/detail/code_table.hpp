// Pre-built trampoline tables: the thunk code of each kind, assembled into
// the user's own binary (or shared library), so that no page of code is ever
// written at run time.
//
// A table is one chunk's code (64 KiB: a whole number of pages for 4, 16 and
// 64 KiB pages), 64 KiB-aligned, in its own section of a COMDAT group
// (`.text.thunk_table.<abi namespace>.<kind>`): any number of TUs give one
// copy per binary, and only the kinds a program uses are emitted, because the
// table is assembled by the inline function that returns its address.
//
// Every slot of a kind is the same bytes (code and data slots have the same
// size, so each slot reaches its data at the same distance: the code size),
// and the general path's stub reads the per-thread stack's offset from the
// chunk's first data slot: the table holds no address and no relocation. It
// is never executed where the linker put it (there is nothing writable at
// that distance); chunk_source.hpp maps it read+execute from the binary's
// file, as often as needed, each copy next to fresh private read+write pages.
//
// The bytes below are the ones abi/x86_64.hpp and abi/aarch64.hpp write
// (tests/code_table_test.cpp compares them slot by slot).
#ifndef THUNK_DETAIL_CODE_TABLE_HPP
#define THUNK_DETAIL_CODE_TABLE_HPP

#include "../config.hpp"

#if !defined(THUNK_NO_CODE_TABLES) && defined(THUNK_HAS_CLOSURE) && THUNK_HAS_CLOSURE && defined(THUNK_OS_LINUX) && \
    (defined(__GNUC__) || defined(__clang__)) && defined(__ELF__) &&                                                \
    (defined(THUNK_ARCH_X86_64) || defined(THUNK_ARCH_AARCH64) || defined(THUNK_ARCH_RISCV64) ||                    \
     defined(THUNK_ARCH_ARM32))
#  define THUNK_DETAIL_HAS_CODE_TABLES 1
#else
#  define THUNK_DETAIL_HAS_CODE_TABLES 0
#endif

#if THUNK_DETAIL_HAS_CODE_TABLES

#  include <cstddef>

#  include "abi.hpp"

#  define THUNK_DETAIL_TABLE_SYMBOL(kind) "thunk_table_" THUNK_DETAIL_STR(THUNK_ABI_NAMESPACE) "_" #  kind

// The section, the group and the hidden symbol (one per binary: a shared
// library maps its own table) that opens a table of kind `kind`.
#  define THUNK_DETAIL_TABLE_BEGIN(kind) \
    ".pushsection .text.thunk_table." THUNK_DETAIL_STR(THUNK_ABI_NAMESPACE) "." #kind ",\"axG\",%progbits," \
        THUNK_DETAIL_TABLE_SYMBOL(kind) ",comdat\n"                                                          \
        ".balign 65536\n"                                                                                    \
        ".weak " THUNK_DETAIL_TABLE_SYMBOL(kind) "\n"                                                        \
        ".hidden " THUNK_DETAIL_TABLE_SYMBOL(kind) "\n"                                                      \
        ".type " THUNK_DETAIL_TABLE_SYMBOL(kind) ",%object\n"                                                \
        THUNK_DETAIL_TABLE_SYMBOL(kind) ":\n"                                                                \
        "0:\n"
#  define THUNK_DETAIL_TABLE_END(kind) ".size " THUNK_DETAIL_TABLE_SYMBOL(kind) ",65536\n.popsection\n"

THUNK_BEGIN_NAMESPACE
namespace detail {

constexpr std::size_t code_table_bytes = 65536;

#  if defined(THUNK_ARCH_X86_64)

// The stub (abi/x86_64.hpp, write_linux_stub with to_data = 65536), 40 bytes
// then int3 to the end of its 3 slots.
#    define THUNK_DETAIL_TABLE_STUB                                           \
      ".byte 0xF3,0x0F,0x1E,0xFA\n"              /* endbr64 */                \
      ".byte 0x64,0x4C,0x8B,0x1C,0x25,0,0,0,0\n" /* mov r11, fs:[0] */        \
      ".byte 0x4C,0x03,0x1D\n .long 65536-20\n"  /* add r11, [rip+data0] */   \
      ".byte 0x49,0xFF,0x03\n"                   /* inc qword ptr [r11] */    \
      ".byte 0x50\n"                             /* push rax */               \
      ".byte 0x49,0x8B,0x03\n"                   /* mov rax, [r11] */         \
      ".byte 0x83,0xE0,0x3F\n"                   /* and eax, 63 */            \
      ".byte 0x4D,0x89,0x54,0xC3,0x08\n"         /* mov [r11+rax*8+8], r10 */ \
      ".byte 0x58\n"                             /* pop rax */                \
      ".byte 0x41,0xFF,0x62,0x08\n"              /* jmp [r10+8] */            \
      ".fill 8,1,0xCC\n"                         /* int3 */

// 4093 register slots: endbr64; lea <reg>, [rip + 65536-11]; jmp [<reg>+8];
// int3 padding.
#    define THUNK_DETAIL_X86_REGISTER_TABLE(kind, rex, modrm, jmp) \
      THUNK_DETAIL_TABLE_BEGIN(kind)                               \
      THUNK_DETAIL_TABLE_STUB                                      \
      ".rept 4093\n"                                               \
      ".byte 0xF3,0x0F,0x1E,0xFA\n"                                \
      ".byte " #rex ",0x8D," #modrm                                \
      "\n .long 65536-11\n"                                        \
      ".byte " jmp                                                 \
      "\n"                                                         \
      ".balign 16,0xCC\n"                                          \
      ".endr\n" THUNK_DETAIL_TABLE_END(kind)

// General slots: endbr64; lea r10, [rip + 65536-11]; jmp rel32 -> the stub.
#    define THUNK_DETAIL_X86_GENERAL_TABLE(kind) \
      THUNK_DETAIL_TABLE_BEGIN(kind)             \
      THUNK_DETAIL_TABLE_STUB                    \
      ".rept 4093\n"                             \
      ".byte 0xF3,0x0F,0x1E,0xFA\n"              \
      ".byte 0x4C,0x8D,0x15\n .long 65536-11\n"  \
      ".byte 0xE9\n .long 0b-.-4\n"              \
      ".endr\n" THUNK_DETAIL_TABLE_END(kind)

template <int Kind>
struct code_table;

// Each address() assembles its table (noinline: one body, so one table, per
// TU; the COMDAT group keeps one per binary).
#    define THUNK_DETAIL_DEFINE_TABLE(kind, text)                                               \
      extern "C" __attribute__((visibility("hidden")))                                          \
      const unsigned char thunk_detail_table_##kind[] __asm__(THUNK_DETAIL_TABLE_SYMBOL(kind)); \
      template <>                                                                               \
      struct code_table<x86_64::kind> {                                                         \
        THUNK_DETAIL_NOINLINE static const unsigned char* address() noexcept {                  \
          __asm__(text);                                                                        \
          return thunk_detail_table_##kind;                                                     \
        }                                                                                       \
      };

THUNK_DETAIL_DEFINE_TABLE(rdi, THUNK_DETAIL_X86_REGISTER_TABLE(rdi, 0x48, 0x3D, "0xFF,0x67,0x08"))
THUNK_DETAIL_DEFINE_TABLE(rsi, THUNK_DETAIL_X86_REGISTER_TABLE(rsi, 0x48, 0x35, "0xFF,0x66,0x08"))
THUNK_DETAIL_DEFINE_TABLE(rdx, THUNK_DETAIL_X86_REGISTER_TABLE(rdx, 0x48, 0x15, "0xFF,0x62,0x08"))
THUNK_DETAIL_DEFINE_TABLE(rcx, THUNK_DETAIL_X86_REGISTER_TABLE(rcx, 0x48, 0x0D, "0xFF,0x61,0x08"))
THUNK_DETAIL_DEFINE_TABLE(r8, THUNK_DETAIL_X86_REGISTER_TABLE(r8, 0x4C, 0x05, "0x41,0xFF,0x60,0x08"))
THUNK_DETAIL_DEFINE_TABLE(r9, THUNK_DETAIL_X86_REGISTER_TABLE(r9, 0x4C, 0x0D, "0x41,0xFF,0x61,0x08"))
THUNK_DETAIL_DEFINE_TABLE(general, THUNK_DETAIL_X86_GENERAL_TABLE(general))

#  elif defined(THUNK_ARCH_AARCH64)

// The stub (abi/aarch64.hpp, write_linux_stub with to_data = 65536), then
// brk #0 to the end of its 4 slots.
#    define THUNK_DETAIL_TABLE_STUB                                            \
      ".inst 0xD53BD051\n"                   /* mrs  x17, tpidr_el0 */         \
      ".inst 0x58000009|((65532/4)<<5)\n"    /* ldr  x9, data0 */              \
      ".inst 0x8B090231\n"                   /* add  x17, x17, x9 */           \
      ".inst 0xF9400229\n"                   /* ldr  x9, [x17] */              \
      ".inst 0x91000529\n"                   /* add  x9, x9, #1 */             \
      ".inst 0xF9000229\n"                   /* str  x9, [x17] */              \
      ".inst 0x92401529\n"                   /* and  x9, x9, #63 */            \
      ".inst 0x9100222A\n"                   /* add  x10, x17, #8 */           \
      ".inst 0xF8297950\n"                   /* str  x16, [x10, x9, lsl #3] */ \
      ".inst 0xF9400611\n"                   /* ldr  x17, [x16, #8] */         \
      ".inst 0xD61F0220\n"                   /* br   x17 */                    \
      ".rept 5\n .inst 0xD4200000\n .endr\n" /* brk  #0 */

// 4092 register slots: bti c; adr x<n>, .+65536-4 (immlo 0, immhi 16383);
// ldr x16, [x<n>, #8]; br x16.
#    define THUNK_DETAIL_A64_REGISTER_TABLE(kind, n) \
      THUNK_DETAIL_TABLE_BEGIN(kind)                 \
      THUNK_DETAIL_TABLE_STUB                        \
      ".rept 4092\n"                                 \
      ".inst 0xD503245F\n" /* bti c */               \
      ".inst 0x10000000|(16383<<5)|" #n              \
      "\n" /* adr x<n>, data */                      \
      ".inst 0xF9400410|(" #n                        \
      "<<5)\n"             /* ldr x16, [x<n>, #8] */ \
      ".inst 0xD61F0200\n" /* br  x16 */             \
      ".endr\n" THUNK_DETAIL_TABLE_END(kind)

// General slots: bti c; adr x16, data; b stub; brk #0.
#    define THUNK_DETAIL_A64_GENERAL_TABLE(kind)             \
      THUNK_DETAIL_TABLE_BEGIN(kind)                         \
      THUNK_DETAIL_TABLE_STUB                                \
      ".rept 4092\n"                                         \
      ".inst 0xD503245F\n"               /* bti c */         \
      ".inst 0x10000000|(16383<<5)|16\n" /* adr x16, data */ \
      "b 0b\n"                           /* b   stub */      \
      ".inst 0xD4200000\n"               /* brk #0 */        \
      ".endr\n" THUNK_DETAIL_TABLE_END(kind)

template <int Kind>
struct code_table;

#    define THUNK_DETAIL_DEFINE_TABLE(kind, text)                                               \
      extern "C" __attribute__((visibility("hidden")))                                          \
      const unsigned char thunk_detail_table_##kind[] __asm__(THUNK_DETAIL_TABLE_SYMBOL(kind)); \
      template <>                                                                               \
      struct code_table<aarch64::kind> {                                                        \
        THUNK_DETAIL_NOINLINE static const unsigned char* address() noexcept {                  \
          __asm__(text);                                                                        \
          return thunk_detail_table_##kind;                                                     \
        }                                                                                       \
      };

THUNK_DETAIL_DEFINE_TABLE(x0, THUNK_DETAIL_A64_REGISTER_TABLE(x0, 0))
THUNK_DETAIL_DEFINE_TABLE(x1, THUNK_DETAIL_A64_REGISTER_TABLE(x1, 1))
THUNK_DETAIL_DEFINE_TABLE(x2, THUNK_DETAIL_A64_REGISTER_TABLE(x2, 2))
THUNK_DETAIL_DEFINE_TABLE(x3, THUNK_DETAIL_A64_REGISTER_TABLE(x3, 3))
THUNK_DETAIL_DEFINE_TABLE(x4, THUNK_DETAIL_A64_REGISTER_TABLE(x4, 4))
THUNK_DETAIL_DEFINE_TABLE(x5, THUNK_DETAIL_A64_REGISTER_TABLE(x5, 5))
THUNK_DETAIL_DEFINE_TABLE(x6, THUNK_DETAIL_A64_REGISTER_TABLE(x6, 6))
THUNK_DETAIL_DEFINE_TABLE(x7, THUNK_DETAIL_A64_REGISTER_TABLE(x7, 7))
THUNK_DETAIL_DEFINE_TABLE(general, THUNK_DETAIL_A64_GENERAL_TABLE(general))

#  elif defined(THUNK_ARCH_RISCV64)

// The stub (abi/riscv64.hpp, write_linux_stub with to_data = 65536), then
// ebreak to the end of its 4 slots; 4092 general slots: auipc t1, 0x10
// (t1 = data, 64 KiB on); addi t1, t1, 0; jal zero, stub; ebreak. No linker
// relaxation in the table: its bytes are fixed.
template <int Kind>
struct code_table;

extern "C" __attribute__((visibility("hidden")))
const unsigned char thunk_detail_table_general[] __asm__(THUNK_DETAIL_TABLE_SYMBOL(general));
template <>
struct code_table<riscv64::general> {
  THUNK_DETAIL_NOINLINE static const unsigned char* address() noexcept {
    __asm__(THUNK_DETAIL_TABLE_BEGIN(general)  //
            ".option push\n.option norelax\n"
            ".word 0x00010397\n"                    // auipc t2, 0x10
            ".word 0x0003B383\n"                    // ld    t2, 0(t2)
            ".word 0x007203B3\n"                    // add   t2, tp, t2
            ".word 0x0003BE03\n"                    // ld    t3, 0(t2)
            ".word 0x001E0E13\n"                    // addi  t3, t3, 1
            ".word 0x01C3B023\n"                    // sd    t3, 0(t2)
            ".word 0x03FE7E13\n"                    // andi  t3, t3, 63
            ".word 0x003E1E13\n"                    // slli  t3, t3, 3
            ".word 0x007E0E33\n"                    // add   t3, t3, t2
            ".word 0x006E3423\n"                    // sd    t1, 8(t3)
            ".word 0x00833283\n"                    // ld    t0, 8(t1)
            ".word 0x00028067\n"                    // jalr  zero, 0(t0)
            ".rept 4\n .word 0x00100073\n .endr\n"  // ebreak
            ".rept 4092\n"
            ".word 0x00010317\n"  // auipc t1, 0x10
            ".word 0x00030313\n"  // addi  t1, t1, 0
            // jal zero, stub: the offset's bits 20|10:1|11|19:12 over 31..12
            "1: .word 0x6F | ((((0b-1b)>>20)&1)<<31) | ((((0b-1b)>>1)&0x3FF)<<21) | ((((0b-1b)>>11)&1)<<20) | "
            "((((0b-1b)>>12)&0xFF)<<12)\n"
            ".word 0x00100073\n"  // ebreak
            ".endr\n"
            ".option pop\n" THUNK_DETAIL_TABLE_END(general));
    return thunk_detail_table_general;
  }
};

#  elif defined(THUNK_ARCH_ARM32)

// The stub (abi/arm32.hpp, write_linux_stub), then udf to the end of its 4
// slots; 4092 general slots: add ip, pc, #0x10000; sub ip, ip, #(v & 0xFF00);
// sub ip, ip, #(v & 0xFF); b stub — v = 8i + 8 for slot i (its data is
// 0x10000 - 8i on, pc reads 8 ahead). Words only (ARM state), so the
// assembler's Thumb or ARM state around the table does not matter.
template <int Kind>
struct code_table;

extern "C" __attribute__((visibility("hidden")))
const unsigned char thunk_detail_table_general[] __asm__(THUNK_DETAIL_TABLE_SYMBOL(general));
template <>
struct code_table<arm32::general> {
  THUNK_DETAIL_NOINLINE static const unsigned char* address() noexcept {
    __asm__(THUNK_DETAIL_TABLE_BEGIN(general)       //
            ".word 0xE92D0003\n"                    // push {r0, r1}
            ".word 0xEE1D0F70\n"                    // mrc  p15, 0, r0, c13, c0, 3
            ".word 0xE28F1801\n"                    // add  r1, pc, #0x10000
            ".word 0xE5111010\n"                    // ldr  r1, [r1, #-16]
            ".word 0xE0800001\n"                    // add  r0, r0, r1
            ".word 0xE5901000\n"                    // ldr  r1, [r0]
            ".word 0xE2811001\n"                    // add  r1, r1, #1
            ".word 0xE5801000\n"                    // str  r1, [r0]
            ".word 0xE201103F\n"                    // and  r1, r1, #63
            ".word 0xE0801101\n"                    // add  r1, r0, r1, lsl #2
            ".word 0xE581C004\n"                    // str  ip, [r1, #4]
            ".word 0xE8BD0003\n"                    // pop  {r0, r1}
            ".word 0xE59CF004\n"                    // ldr  pc, [ip, #4]
            ".rept 3\n .word 0xE7F000F0\n .endr\n"  // udf #0
            ".rept 4092\n"
            "1: .word 0xE28FC801\n"                                    // add ip, pc, #0x10000
            ".word 0xE24CCC00 | (((((1b-0b)/2+8)) >> 8) & 0xFF)\n"     // sub ip, ip, #(v & 0xFF00)
            ".word 0xE24CC000 | ((((1b-0b)/2+8)) & 0xFF)\n"            // sub ip, ip, #(v & 0xFF)
            ".word 0xEA000000 | (((0b-(1b+12)-8) >> 2) & 0xFFFFFF)\n"  // b stub
            ".endr\n" THUNK_DETAIL_TABLE_END(general));
    return thunk_detail_table_general;
  }
};

#  endif

/// The table of kind Kind (assembled into this binary by this call).
template <int Kind>
inline const unsigned char* code_table_of() noexcept {
  return code_table<Kind>::address();
}

}  // namespace detail
THUNK_END_NAMESPACE

#endif

#endif
