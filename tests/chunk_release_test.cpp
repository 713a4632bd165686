// thunk/detail/slot_pool.hpp (chunk side): after a burst of closures is
// destroyed, the chunks that hold no live, quarantined or cached slot are
// returned to the system; a steady create/destroy loop maps and unmaps
// nothing.
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <string>
#include <thunk/closure.hpp>
#include <vector>

#include "catch.hpp"

#if THUNK_HAS_CLOSURE

namespace {
using fn = long (*)(long, long);
constexpr int kind = thunk::detail::register_kind<thunk::default_cc, long, long, long>::value;

std::size_t chunks() { return thunk::detail::pool_of(kind).chunk_count(); }

#  if defined(__linux__)
std::size_t mappings() {
  std::ifstream in("/proc/self/maps");
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}
#  endif

std::vector<thunk::closure<fn>> make(std::size_t n) {
  std::vector<thunk::closure<fn>> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const long k = static_cast<long>(i);
    v.emplace_back([k](long a, long b) { return a + b + k; });
  }
  return v;
}
}  // namespace

TEST_CASE("chunks come back after a burst of closures is destroyed", "[closure][memory]") {
  const std::size_t before = chunks();
  auto burst = make(200000);
  for (std::size_t i = 0; i < burst.size(); i += 997) CHECK(burst[i].get()(1, 2) == static_cast<long>(i) + 3);
  const std::size_t at_peak = chunks();
#  if defined(__linux__)
  const std::size_t maps_at_peak = mappings();
#  endif
  CHECK(at_peak >= before + 200000 / 4096);
  burst.clear();
  burst.shrink_to_fit();
  const std::size_t after = chunks();
  INFO("chunks: " << before << " before, " << at_peak << " at 200,000 live, " << after << " after");
  // This thread's caches and quarantine keep a few chunks' worth of slots,
  // the pool keeps two free chunks for the next burst.
  CHECK(after <= before + 6);
#  if defined(__linux__)
  INFO("mappings at the peak: " << maps_at_peak << ", after: " << mappings());
  CHECK(mappings() + (at_peak - after) / 2 <= maps_at_peak);
#  endif
  // The slots still work after the chunks around them went.
  auto again = make(10000);
  for (std::size_t i = 0; i < again.size(); i += 101) CHECK(again[i].get()(2, 2) == static_cast<long>(i) + 4);
}

TEST_CASE("a steady create/destroy loop maps and unmaps no chunk after its first rounds", "[closure][memory]") {
  // Two rounds teach the pool the loop's working set (docs/how-it-works.md).
  for (int round = 0; round < 2; ++round) {
    auto warm = make(20000);
    CHECK(warm.back().get()(0, 0) == 19999);
  }
  const std::size_t start = chunks();
  const std::size_t mapped = thunk::detail::pool_of(kind).chunks_mapped();
  for (int round = 0; round < 50; ++round) {
    auto batch = make(20000);
    CHECK(batch.back().get()(0, 0) == 19999);
  }
  CHECK(chunks() == start);
  CHECK(thunk::detail::pool_of(kind).chunks_mapped() == mapped);
}

#endif

#if THUNK_HAS_CLOSURE
TEST_CASE("a loop of large bursts maps nothing after its first two rounds", "[closure][memory]") {
  std::size_t mapped = 0;
  for (int round = 0; round < 5; ++round) {
    auto batch = make(200000);
    CHECK(batch[123456].get()(1, 1) == 123458);
    batch.clear();
    batch.shrink_to_fit();
    if (round == 1) mapped = thunk::detail::pool_of(kind).chunks_mapped();
  }
  CHECK(thunk::detail::pool_of(kind).chunks_mapped() == mapped);
}
#endif
