// Fixtures shared by the registry store tests (registry_store_test.cc, registry_list_test.cc):
// a store on a temporary directory, model and version builders, and EXPECT_CODE. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store::registry_testing {

using ballast::store::testing::kT0;
using ballast::store::testing::TempDir;

inline constexpr int64_t kDay = 24LL * 3600 * 1000;

inline Actor User(EpochMillis at = kT0) { return {"tok_user", at, false}; }
inline Actor Admin(EpochMillis at = kT0) { return {"tok_admin", at, true}; }

inline RegisteredModel Model(std::string name, std::string owner = "team-a") {
  RegisteredModel m;
  m.name = std::move(name);
  m.description = "a model";
  m.owner = std::move(owner);
  m.provider = "openai";
  return m;
}

inline ModelVersion Version(std::string model, std::string source = "gpt-4o-2024-08-06") {
  ModelVersion v;
  v.model = std::move(model);
  v.source = std::move(source);
  return v;
}

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}
inline Status StatusOf(const Status& s) { return s; }

// Expects `expr` (a Status or Result) to fail with StatusCode::WANT.
#define EXPECT_CODE(expr, WANT)                                                 \
  do {                                                                          \
    Status _st = ::ballast::store::registry_testing::StatusOf(expr);            \
    EXPECT_EQ(_st.code(), StatusCode::WANT) << #expr << ": " << _st.ToString(); \
  } while (0)

class RegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    if (store_) store_->Close();
    auto s = OpenSqliteStore({.data_dir = dir_.path(), .durable = false});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (store_) store_->Close();
  }
  RegistryStore& R() { return store_->Registry(); }

  // Creates model `name` with `versions` versions.
  RegisteredModel Seed(const std::string& name, int versions,
                       std::set<std::string> protected_aliases = {}) {
    RegisteredModel m = Model(name);
    m.protected_aliases = std::move(protected_aliases);
    auto created = R().CreateModel(m, User());
    EXPECT_TRUE(created) << created.error().ToString();
    for (int i = 0; i < versions; ++i) {
      auto v = R().CreateVersion(Version(name), User(kT0 + i));
      EXPECT_TRUE(v) << v.error().ToString();
    }
    return created ? *created : RegisteredModel{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace ballast::store::registry_testing
