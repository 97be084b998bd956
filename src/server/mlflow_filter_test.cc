// MLflow filter, order_by and page-token translation (mlflow_filter.h): the SQL shape and
// parameters, refusals with their messages, injection attempts, and what the translated
// filters select from a real registry store.
#include "server/mlflow_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <set>

#include "store/store.h"

namespace ballast::server::mlflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr SearchKind kModels = SearchKind::kRegisteredModels;
constexpr SearchKind kVersions = SearchKind::kModelVersions;

std::string ErrorOf(std::string_view filter, SearchKind kind) {
  auto r = TranslateFilter(filter, kind);
  if (r) return "";
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().field(), "filter");
  return r.error().message();
}

TEST(MlflowFilterTest, EmptyFilterSelectsEverything) {
  auto r = TranslateFilter("  ", kModels);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->sql, "");
  EXPECT_TRUE(r->params.empty());
}

TEST(MlflowFilterTest, ValuesAndTagKeysAreBoundParameters) {
  auto r = TranslateFilter("name = 'support-bot' AND tags.team = 'core'", kModels);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_THAT(r->sql, HasSubstr("m.name"));
  EXPECT_THAT(r->sql, HasSubstr("model_tags"));
  EXPECT_THAT(r->sql, Not(HasSubstr("support-bot")));
  EXPECT_THAT(r->sql, Not(HasSubstr("core")));
  std::set<std::string> texts;
  for (const auto& p : r->params) {
    if (auto* s = std::get_if<std::string>(&p)) texts.insert(*s);
  }
  EXPECT_TRUE(texts.count("support-bot"));
  EXPECT_TRUE(texts.count("team"));
  EXPECT_TRUE(texts.count("core"));
}

TEST(MlflowFilterTest, InjectionAttemptsStayInsideParameters) {
  for (const char* f :
       {"name = 'x''; DROP TABLE registered_models; --'",
        "name = \"x\\\"; DELETE FROM model_versions\"",
        "tags.`k'); DROP TABLE model_tags; --` = 'v'", "name LIKE '%' OR 1=1 --'"}) {
    auto r = TranslateFilter(f, kModels);
    if (!r) continue;  // refused is fine; what must never happen is SQL built from the text
    EXPECT_THAT(r->sql, Not(HasSubstr("DROP"))) << f;
    EXPECT_THAT(r->sql, Not(HasSubstr("DELETE"))) << f;
    EXPECT_THAT(r->sql, Not(HasSubstr(";"))) << f;
  }
  // The OR smuggled into the last one is refused rather than compiled.
  EXPECT_NE(ErrorOf("name LIKE '%' OR 1=1 --'", kModels), "");
}

TEST(MlflowFilterTest, RefusesWhatMlflowRefusesNamingTheProblem) {
  EXPECT_THAT(ErrorOf("name = 'a' OR name = 'b'", kModels), HasSubstr("OR is not supported"));
  EXPECT_THAT(ErrorOf("NOT name = 'a'", kModels), HasSubstr("NOT is not supported"));
  EXPECT_THAT(ErrorOf("owner = 'a'", kModels), HasSubstr("Invalid attribute key 'owner'"));
  EXPECT_THAT(ErrorOf("run_id = 'a'", kModels), HasSubstr("Invalid attribute key 'run_id'"));
  EXPECT_THAT(ErrorOf("metrics.acc > 1", kVersions), HasSubstr("Invalid entity type 'metrics'"));
  EXPECT_THAT(ErrorOf("name > 'a'", kModels), HasSubstr("Invalid comparator '>'"));
  EXPECT_THAT(ErrorOf("tags.team > 'a'", kModels), HasSubstr("tags support"));
  EXPECT_THAT(ErrorOf("tags.team = 3", kModels), HasSubstr("Expected a quoted string value"));
  EXPECT_THAT(ErrorOf("name = 3", kVersions), HasSubstr("Expected a quoted string value"));
  EXPECT_THAT(ErrorOf("name IN ('a', 'b')", kVersions), HasSubstr("Only the 'run_id'"));
  EXPECT_THAT(ErrorOf("version_number = 'abc'", kVersions), HasSubstr("Expected an integer"));
  EXPECT_THAT(ErrorOf("version_number LIKE '1%'", kVersions),
              HasSubstr("Invalid comparator 'LIKE' for version_number"));
  EXPECT_THAT(ErrorOf("run_id NOT IN ('a')", kVersions), HasSubstr("Invalid comparator"));
  // Syntax errors keep the parser's position.
  EXPECT_THAT(ErrorOf("name = ", kModels), HasSubstr("position"));
  EXPECT_THAT(ErrorOf("name = 'unterminated", kModels), HasSubstr("Invalid filter"));
  EXPECT_THAT(ErrorOf("name 'a'", kModels), HasSubstr("Invalid filter"));
  EXPECT_THAT(ErrorOf("(name = 'a'", kModels), HasSubstr("Invalid filter"));
}

TEST(MlflowFilterTest, OrderByMapsToStoreColumnsWithMlflowTieBreaks) {
  auto m = TranslateOrderBy({"last_updated_timestamp DESC"}, kModels);
  ASSERT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].column, "updated_at");
  EXPECT_TRUE((*m)[0].descending);
  EXPECT_EQ((*m)[1].column, "name");
  EXPECT_FALSE((*m)[1].descending);

  auto t = TranslateOrderBy({"timestamp asc", "name desc"}, kModels);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].column, "created_at");
  EXPECT_TRUE((*t)[1].descending);

  auto v = TranslateOrderBy({}, kVersions);
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].column, "name");
  EXPECT_EQ((*v)[1].column, "version");
  EXPECT_TRUE((*v)[1].descending);

  auto n = TranslateOrderBy({"version_number"}, kVersions);
  ASSERT_TRUE(n);
  EXPECT_EQ((*n)[0].column, "version");
  EXPECT_FALSE((*n)[0].descending);

  auto bad = TranslateOrderBy({"owner ASC"}, kModels);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "order_by");
  EXPECT_THAT(bad.error().message(), HasSubstr("Invalid order_by key 'owner'"));
  EXPECT_FALSE(TranslateOrderBy({"version_number ASC"}, kModels));
  auto dir = TranslateOrderBy({"name SIDEWAYS"}, kModels);
  ASSERT_FALSE(dir);
  EXPECT_THAT(dir.error().message(), HasSubstr("ASC"));
}

TEST(MlflowFilterTest, Base64MatchesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},        {"f", "Zg=="},        {"fo", "Zm8="},
      {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string back;
    ASSERT_TRUE(Base64Decode(encoded, back)) << encoded;
    EXPECT_EQ(back, plain);
  }
  std::string out;
  for (const char* bad : {"Zg=", "Z===", "Zm9v!A==", "Zg==Zg==", "=Zg=", "Zm=v"}) {
    EXPECT_FALSE(Base64Decode(bad, out)) << bad;
  }
}

TEST(MlflowFilterTest, PageTokensRoundTripAndRefuseTampering) {
  const std::string fp = SearchFingerprint(kModels, "name LIKE 'a%'", {"name ASC"});
  const std::string token = EncodePageToken(200, fp);
  auto offset = DecodePageToken(token, fp);
  ASSERT_TRUE(offset) << offset.error().ToString();
  EXPECT_EQ(*offset, 200);

  // Another search's token.
  const std::string other = SearchFingerprint(kModels, "name LIKE 'b%'", {"name ASC"});
  EXPECT_FALSE(DecodePageToken(token, other));
  EXPECT_NE(SearchFingerprint(kVersions, "name LIKE 'a%'", {"name ASC"}), fp);

  // The offset rewritten by hand, keeping the old check.
  std::string plain;
  ASSERT_TRUE(Base64Decode(token, plain));
  std::string edited = plain;
  edited.replace(edited.find("200"), 3, "900");
  auto forged = DecodePageToken(Base64Encode(edited), fp);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().field(), "page_token");
  EXPECT_THAT(forged.error().message(), HasSubstr("altered"));

  for (const std::string& bad :
       {std::string("not base64!"), Base64Encode("{\"offset\": 5}"), Base64Encode("[1,2]"),
        Base64Encode("{\"offset\": -1, \"search\": \"x\"}"), Base64Encode("garbage"),
        std::string("")}) {
    auto r = DecodePageToken(bad, fp);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_THAT(r.error().message(), HasSubstr("Invalid page token"));
    }
  }
}

// ---- against a real store ----

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ballast-mlflow-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class MlflowFilterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenSqliteStore({.data_dir = dir_.path(), .durable = false});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
    store::Actor a{.by = "test", .at = 1'800'000'000'000};
    auto model = [&](std::string name, std::map<std::string, std::string> tags) {
      store::RegisteredModel m;
      m.name = std::move(name);
      m.tags = std::move(tags);
      ASSERT_TRUE(reg().CreateModel(m, a));
    };
    model("Support-Bot", {{"team", "core"}, {"my key", "spaced"}});
    model("support-mini", {{"team", "edge"}});
    model("summarizer", {{"team", "core"}});
    model("x'; DROP TABLE registered_models; --", {});
    auto version = [&](std::string model, std::string source, std::string run) {
      store::ModelVersion v;
      v.model = std::move(model);
      v.source = std::move(source);
      if (!run.empty()) v.run_id = std::move(run);
      auto made = reg().CreateVersion(v, a);
      ASSERT_TRUE(made) << made.error().ToString();
    };
    version("Support-Bot", "s3://bucket/a", "run-1");
    version("Support-Bot", "s3://bucket/b", "run-2");
    version("Support-Bot", "gpt-4o-2024-08-06", "");
    version("summarizer", "s3://bucket/c", "run-1");
    ASSERT_TRUE(reg().SetVersionTag("Support-Bot", 2, "stage", "canary", a));
  }
  void TearDown() override {
    if (store_) store_->Close();
  }
  store::RegistryStore& reg() { return store_->Registry(); }

  std::set<std::string> Models(std::string_view filter) {
    auto f = TranslateFilter(filter, kModels);
    EXPECT_TRUE(f) << filter << ": " << f.error().ToString();
    if (!f) return {};
    store::ListQuery q;
    q.filter = *f;
    auto page = reg().ListModels(q);
    EXPECT_TRUE(page) << filter << ": " << page.error().ToString();
    std::set<std::string> out;
    if (page)
      for (const auto& m : page->items) out.insert(m.name);
    return out;
  }
  std::set<std::string> Versions(std::string_view filter) {
    auto f = TranslateFilter(filter, kVersions);
    EXPECT_TRUE(f) << filter << ": " << f.error().ToString();
    if (!f) return {};
    store::ListQuery q;
    q.filter = *f;
    auto page = reg().ListVersions("", q);
    EXPECT_TRUE(page) << filter << ": " << page.error().ToString();
    std::set<std::string> out;
    if (page)
      for (const auto& v : page->items) out.insert(v.model + "/" + std::to_string(v.version));
    return out;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

using Names = std::set<std::string>;

TEST_F(MlflowFilterStoreTest, ModelFiltersSelectWhatMlflowWould) {
  EXPECT_EQ(Models("name = 'summarizer'"), Names({"summarizer"}));
  EXPECT_EQ(Models("name != 'summarizer' AND tags.team = 'core'"), Names({"Support-Bot"}));
  // LIKE is case-sensitive, ILIKE is not.
  EXPECT_EQ(Models("name LIKE 'support%'"), Names({"support-mini"}));
  EXPECT_EQ(Models("name ILIKE 'support%'"), Names({"Support-Bot", "support-mini"}));
  EXPECT_EQ(Models("name LIKE 's_mm%'"), Names({"summarizer"}));
  EXPECT_EQ(Models("tags.`my key` = 'spaced'"), Names({"Support-Bot"}));
  EXPECT_EQ(Models("tag.team LIKE 'ed%'"), Names({"support-mini"}));
  EXPECT_EQ(Models("attribute.name = \"summarizer\""), Names({"summarizer"}));
  // A tag != is false where the tag is absent, as in MLflow.
  EXPECT_EQ(Models("tags.team != 'core'"), Names({"support-mini"}));
  // The injection text is just a name.
  EXPECT_EQ(Models("name = 'x''; DROP TABLE registered_models; --'"),
            Names({"x'; DROP TABLE registered_models; --"}));
  EXPECT_EQ(Models("").size(), 4u);
}

TEST_F(MlflowFilterStoreTest, VersionFiltersSelectWhatMlflowWould) {
  EXPECT_EQ(Versions("name = 'Support-Bot'"),
            Names({"Support-Bot/1", "Support-Bot/2", "Support-Bot/3"}));
  EXPECT_EQ(Versions("run_id = 'run-1'"), Names({"Support-Bot/1", "summarizer/1"}));
  EXPECT_EQ(Versions("run_id IN ('run-2', 'run-9')"), Names({"Support-Bot/2"}));
  EXPECT_EQ(Versions("name = 'Support-Bot' AND version_number >= 2"),
            Names({"Support-Bot/2", "Support-Bot/3"}));
  EXPECT_EQ(Versions("version_number = '3'"), Names({"Support-Bot/3"}));
  EXPECT_EQ(Versions("source_path LIKE 's3://bucket/%' AND name = 'Support-Bot'"),
            Names({"Support-Bot/1", "Support-Bot/2"}));
  EXPECT_EQ(Versions("tags.stage = 'canary'"), Names({"Support-Bot/2"}));
  // A version without a run id never matches a run_id comparison.
  EXPECT_EQ(Versions("run_id != 'run-1' AND name = 'Support-Bot'"), Names({"Support-Bot/2"}));
}

}  // namespace
}  // namespace ballast::server::mlflow
