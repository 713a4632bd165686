// thunk/detail/code_table.hpp and chunk_source.hpp: the pre-built tables hold
// exactly the bytes the ABI's encoders write, and closures take their code
// from them (thunk/code_source.hpp reports it).
#include <cstdint>
#include <cstring>
#include <string>
#include <thunk/closure.hpp>
#include <thunk/code_source.hpp>
#include <thunk/detail/code_table.hpp>

#include "catch.hpp"

#if THUNK_DETAIL_HAS_CODE_TABLES

namespace {
namespace d = thunk::detail;

/// The table of kind K against a chunk written by the encoders at the same
/// address (the bytes do not depend on it: each slot reaches its data
/// pc-relatively).
template <int K>
void check_table() {
  const unsigned char* table = d::code_table_of<K>();
  REQUIRE(reinterpret_cast<std::uintptr_t>(table) % d::code_table_bytes == 0);
  static unsigned char expect[d::code_table_bytes];
  const auto at = reinterpret_cast<std::uintptr_t>(table);
  d::abi::write_linux_stub(expect, static_cast<std::int64_t>(d::code_table_bytes));
  for (std::size_t i = d::abi::stub_slots; i < d::code_table_bytes / d::abi::slot_size; ++i) {
    const std::uintptr_t code = at + i * d::abi::slot_size;
    const std::uintptr_t data = at + d::code_table_bytes + i * sizeof(d::slot_data);
    d::abi::write_slot(expect + i * d::abi::slot_size, code, data, at, K);
  }
  std::size_t first_difference = d::code_table_bytes;
  for (std::size_t i = 0; i < d::code_table_bytes && first_difference == d::code_table_bytes; ++i)
    if (table[i] != expect[i]) first_difference = i;
  INFO("kind " << K << ": first differing byte at offset " << first_difference);
  CHECK(first_difference == d::code_table_bytes);
}

template <int... K>
void check_tables(std::integer_sequence<int, K...>) {
  (check_table<K>(), ...);
}
}  // namespace

TEST_CASE("each pre-built table holds the encoders' bytes, slot by slot", "[code_table]") {
  check_tables(std::make_integer_sequence<int, d::abi::kind_count>());
}

TEST_CASE("closures take their code from the pre-built tables and say so", "[code_table][code_source]") {
  thunk::closure<int (*)(int)> add([](int x) { return x + 1; });
  CHECK(add.get()(41) == 42);
  CHECK(thunk::closure_code_source() == thunk::code_source::table);
  const std::string why = thunk::describe_closure_code_source();
  INFO(why);
  CHECK(why.rfind("table: ", 0) == 0);
  // The thunk is a copy of the table: its bytes are the table's slot.
  const auto code = reinterpret_cast<const unsigned char*>(add.get());
  const auto offset = reinterpret_cast<std::uintptr_t>(code) % d::code_table_bytes;
  constexpr int kind = d::register_kind<thunk::default_cc, int, int>::value;
  CHECK(std::memcmp(code, d::code_table_of<kind>() + offset, d::abi::slot_size) == 0);
}

#else

TEST_CASE("without pre-built tables, closures use run-time pages and say why", "[code_table][code_source]") {
  CHECK(thunk::closure_code_source() == thunk::code_source::undecided);
#  if THUNK_HAS_CLOSURE
#    if THUNK_NO_RUNTIME_CODE
  // Tables only, and none here: refused, with the reasons.
  std::error_code ec;
  auto add = thunk::make_closure<int (*)(int)>([](int x) { return x + 1; }, ec);
  CHECK(ec == thunk::errc::executable_memory_refused);
  CHECK(thunk::closure_code_source() == thunk::code_source::refused);
  const std::string why = thunk::describe_closure_code_source();
  INFO(why);
  CHECK(why.find("THUNK_NO_RUNTIME_CODE") != std::string::npos);
#    else
  thunk::closure<int (*)(int)> add([](int x) { return x + 1; });
  CHECK(add.get()(41) == 42);
  const thunk::code_source s = thunk::closure_code_source();
  CHECK((s == thunk::code_source::sealed_pages || s == thunk::code_source::memfd_dual_map));
  const std::string why = thunk::describe_closure_code_source();
  INFO(why);
  CHECK(why.find("table") != std::string::npos);
#    endif
#  endif
}

#endif
