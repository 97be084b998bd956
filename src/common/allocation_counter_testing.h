// Test-only: counts heap allocations made on the current thread, for tests that prove a hot
// path never allocates.
//
//   if (!allocation_testing::AllocationCounterWorks()) GTEST_SKIP() << "replaced elsewhere";
//   allocation_testing::AllocationCount count;
//   predicate.Evaluate(record);
//   EXPECT_EQ(count.count(), 0u);
//
// Include it from exactly the test files that need it. It replaces the global operator new and
// delete (weak definitions, so a binary with its own replacement keeps that one and
// AllocationCounterWorks() reports false, making the proof skip rather than pass vacuously).
// Never include it in production code.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace ballast::allocation_testing {
inline thread_local bool t_counting = false;
inline thread_local std::size_t t_allocations = 0;
}  // namespace ballast::allocation_testing

__attribute__((weak)) void* operator new(std::size_t n) {
  if (ballast::allocation_testing::t_counting) ++ballast::allocation_testing::t_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
__attribute__((weak)) void* operator new[](std::size_t n) {
  if (ballast::allocation_testing::t_counting) ++ballast::allocation_testing::t_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// The nothrow forms too: a sanitizer runtime supplies its own, and memory from one family must
// not be released by the other.
__attribute__((weak)) void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (ballast::allocation_testing::t_counting) ++ballast::allocation_testing::t_allocations;
  return std::malloc(n ? n : 1);
}
__attribute__((weak)) void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  if (ballast::allocation_testing::t_counting) ++ballast::allocation_testing::t_allocations;
  return std::malloc(n ? n : 1);
}
__attribute__((weak)) void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
__attribute__((weak)) void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
__attribute__((weak)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((weak)) void operator delete[](void* p) noexcept { std::free(p); }
__attribute__((weak)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
__attribute__((weak)) void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace ballast::allocation_testing {

// Counts allocations on this thread from construction to destruction.
class AllocationCount {
 public:
  AllocationCount() {
    t_allocations = 0;
    t_counting = true;
  }
  ~AllocationCount() { t_counting = false; }
  AllocationCount(const AllocationCount&) = delete;
  AllocationCount& operator=(const AllocationCount&) = delete;
  std::size_t count() const { return t_allocations; }
};

// True when this header's operator new is the one in use.
inline bool AllocationCounterWorks() {
  AllocationCount c;
  void* p = ::operator new(16);  // a direct call: never elided, unlike a new-expression
  ::operator delete(p);
  return c.count() == 1;
}

}  // namespace ballast::allocation_testing
