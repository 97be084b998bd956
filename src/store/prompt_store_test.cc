#include "store/prompt_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/sha256.h"
#include "store/expr_sql.h"
#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::kT0;
using testing::TempDir;

// Canonical spec JSON, as registry::CanonicalSpecJson writes it (sorted keys, no whitespace).
std::string TextSpec(const std::string& text) {
  return R"({"template":")" + text + R"(","variables":{"name":{"required":true}}})";
}
const char* kChatSpec = R"({"description":"d","messages":[{"content":"hi {{ q }}","role":"user"}],)"
                        R"("model":{"model":"gpt-4o@production","temperature":0.2},)"
                        R"("variables":{"q":{"required":true}}})";

Actor Ci(EpochMillis at = kT0) { return {"token:ci", at, false}; }

template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}
Status StatusOf(const Status& s) { return s; }

// Expects `expr` (a Status or Result) to fail with StatusCode::WANT.
#define EXPECT_CODE(expr, WANT)                                                 \
  do {                                                                          \
    Status _st = StatusOf(expr);                                                \
    EXPECT_EQ(_st.code(), StatusCode::WANT) << #expr << ": " << _st.ToString(); \
  } while (0)

class PromptStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override {
    if (store_) store_->Close();
  }
  void Open() {
    if (store_) store_->Close();
    auto s = OpenSqliteStore({.data_dir = dir_.path(), .durable = false});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  PromptStore& P() { return store_->Prompts(); }

  PushResult MustPush(const std::string& name, const std::string& spec, EpochMillis at = kT0,
                      const std::string& message = "") {
    auto r = P().Push({name, spec, message}, Ci(at));
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : PushResult{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(PromptStoreTest, PushCreatesOnlyWhenContentDiffersFromLatest) {
  PushResult a = MustPush("greet", TextSpec("Hello {{ name }}"), kT0, "first");
  EXPECT_TRUE(a.created);
  EXPECT_EQ(a.version.version, 1);
  EXPECT_EQ(a.version.content_hash, Sha256Hex(TextSpec("Hello {{ name }}")));
  EXPECT_EQ(a.version.message, "first");
  EXPECT_EQ(a.version.created_by, "token:ci");
  EXPECT_EQ(a.version.template_kind, TemplateKind::kText);
  EXPECT_EQ(a.version.variables, std::vector<std::string>{"name"});
  EXPECT_EQ(a.version.labels, std::vector<std::string>{"latest"});

  PushResult same = MustPush("greet", TextSpec("Hello {{ name }}"), kT0 + 1, "again");
  EXPECT_FALSE(same.created);
  EXPECT_EQ(same.version.version, 1);
  EXPECT_EQ(same.version.message, "first");  // nothing new was written

  PushResult b = MustPush("greet", TextSpec("Hi {{ name }}"), kT0 + 2);
  EXPECT_TRUE(b.created);
  EXPECT_EQ(b.version.version, 2);
  // Going back to old content is a change relative to the latest: a new number.
  PushResult back = MustPush("greet", TextSpec("Hello {{ name }}"), kT0 + 3);
  EXPECT_TRUE(back.created);
  EXPECT_EQ(back.version.version, 3);

  auto p = P().GetPrompt("greet");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->latest_version, 3);
  EXPECT_EQ(p->last_version, 3);
  EXPECT_EQ(p->created_at, kT0);
  EXPECT_EQ(p->updated_at, kT0 + 3);
  EXPECT_EQ(p->labels.at("latest"), 3);
}

TEST_F(PromptStoreTest, ChatSpecFactsAreIndexed) {
  PushResult r = MustPush("support", kChatSpec);
  EXPECT_EQ(r.version.template_kind, TemplateKind::kChat);
  EXPECT_EQ(r.version.model, "gpt-4o@production");
  EXPECT_EQ(r.version.model_parameters_json, R"({"model":"gpt-4o@production","temperature":0.2})");
  EXPECT_EQ(r.version.spec_json, kChatSpec);
  auto p = P().GetPrompt("support");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->description, "d");
}

TEST_F(PromptStoreTest, RefusesBadPushes) {
  auto spaced = P().Push({"p", R"({"template": "x"})", ""}, Ci());
  ASSERT_FALSE(spaced);
  EXPECT_CODE(spaced, kInvalidArgument);
  EXPECT_EQ(spaced.error().field(), "spec");
  auto unsorted = P().Push({"p", R"({"variables":{},"template":"x"})", ""}, Ci());
  EXPECT_CODE(unsorted, kInvalidArgument);
  EXPECT_CODE(P().Push({"p", R"({"description":"x"})", ""}, Ci()), kInvalidArgument);
  EXPECT_CODE(P().Push({"p", "[1]", ""}, Ci()), kInvalidArgument);
  EXPECT_CODE(P().Push({"p", "{", ""}, Ci()), kInvalidArgument);
  auto bad_name = P().Push({"Bad_Name", R"({"template":"x"})", ""}, Ci());
  ASSERT_FALSE(bad_name);
  EXPECT_CODE(bad_name, kInvalidArgument);
  EXPECT_EQ(bad_name.error().field(), "name");
  EXPECT_CODE(P().Push({"p", R"({"template":"x"})", std::string(5000, 'm')}, Ci()),
              kInvalidArgument);
  EXPECT_CODE(P().GetPrompt("p"), kNotFound);  // nothing was created
}

TEST_F(PromptStoreTest, NumbersAreNeverReusedAfterDeletes) {
  for (int i = 1; i <= 3; ++i) MustPush("p", TextSpec("v" + std::to_string(i)), kT0 + i);
  ASSERT_TRUE(P().DeleteVersion("p", 3, Ci(kT0 + 10)).ok());
  auto p = P().GetPrompt("p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->latest_version, 2);  // latest moved back to the highest live version
  EXPECT_CODE(P().GetVersion("p", 3), kNotFound);
  EXPECT_EQ(MustPush("p", TextSpec("v4")).version.version, 4);

  // The same content as a deleted version is still new content relative to the latest.
  EXPECT_EQ(MustPush("p", TextSpec("v3")).version.version, 5);

  auto etag = P().GetPrompt("p")->etag;
  EXPECT_CODE(P().DeletePrompt("p", "stale", Ci()), kFailedPrecondition);
  ASSERT_TRUE(P().DeletePrompt("p", etag, Ci(kT0 + 20)).ok());
  EXPECT_CODE(P().GetPrompt("p"), kNotFound);
  EXPECT_CODE(P().ResolveRef("p@latest"), kNotFound);
  EXPECT_CODE(P().ResolveRef("p@1"), kNotFound);
  auto list = P().ListPrompts({});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->items.empty());

  // Pushing the name again revives the prompt; numbering continues.
  PushResult revived = MustPush("p", TextSpec("v3"), kT0 + 30);
  EXPECT_TRUE(revived.created);
  EXPECT_EQ(revived.version.version, 6);
  auto versions = P().ListVersions("p", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->items.size(), 1u);
  EXPECT_EQ(versions->items[0].version, 6);
}

TEST_F(PromptStoreTest, LabelsMoveWithHistory) {
  MustPush("p", TextSpec("a"), kT0);
  MustPush("p", TextSpec("b"), kT0 + 1);
  auto set = P().SetLabel("p", "production", 1, "canary ok", {"alice", kT0 + 5, false});
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_EQ(set->from_version, std::nullopt);
  EXPECT_EQ(set->to_version, 1);
  auto again = P().SetLabel("p", "production", 1, "no-op", Ci());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->from_version, 1);  // a no-op is not recorded
  ASSERT_TRUE(P().SetLabel("p", "production", 2, "promote", {"bob", kT0 + 6, false}));
  EXPECT_EQ(P().ResolveRef("p@production")->version, 2);

  EXPECT_CODE(P().SetLabel("p", "latest", 1, "", Ci()), kInvalidArgument);
  EXPECT_CODE(P().DeleteLabel("p", "latest", "", Ci()), kInvalidArgument);
  EXPECT_CODE(P().SetLabel("p", "123", 1, "", Ci()), kInvalidArgument);
  EXPECT_CODE(P().SetLabel("p", "Prod", 1, "", Ci()), kInvalidArgument);
  EXPECT_CODE(P().SetLabel("p", "prod", 9, "", Ci()), kNotFound);
  EXPECT_CODE(P().SetLabel("nope", "prod", 1, "", Ci()), kNotFound);
  EXPECT_CODE(P().DeleteLabel("p", "staging", "", Ci()), kNotFound);

  ASSERT_TRUE(P().SetLabel("p", "staging", 2, "try", Ci()));
  ASSERT_TRUE(P().DeleteLabel("p", "staging", "done", {"carol", kT0 + 7, false}));
  EXPECT_CODE(P().ResolveRef("p@staging"), kNotFound);

  // Deleting the version a label points at removes the label, recorded.
  ASSERT_TRUE(P().DeleteVersion("p", 2, {"dave", kT0 + 8, false}).ok());
  auto history = P().LabelHistory("p", "production");
  ASSERT_TRUE(history) << history.error().ToString();
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].to_version, 1);
  EXPECT_EQ((*history)[0].by, "alice");
  EXPECT_EQ((*history)[0].reason, "canary ok");
  EXPECT_EQ((*history)[1].from_version, 1);
  EXPECT_EQ((*history)[1].to_version, 2);
  EXPECT_EQ((*history)[1].at, kT0 + 6);
  EXPECT_EQ((*history)[2].from_version, 2);
  EXPECT_EQ((*history)[2].to_version, std::nullopt);
  EXPECT_EQ((*history)[2].reason, "version 2 deleted");

  auto latest = P().LabelHistory("p", "latest");
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->size(), 3u);  // push 1, push 2, back to 1 on delete
  EXPECT_EQ((*latest)[1].to_version, 2);
  EXPECT_EQ((*latest)[2].from_version, 2);
  EXPECT_EQ((*latest)[2].to_version, 1);
  EXPECT_EQ(P().ResolveRef("p")->version, 1);
}

TEST_F(PromptStoreTest, ResolveRefForms) {
  MustPush("p", TextSpec("a"));
  MustPush("p", TextSpec("b"));
  ASSERT_TRUE(P().SetLabel("p", "production", 1, "", Ci()));
  EXPECT_EQ(P().ResolveRef("p@1")->version, 1);
  EXPECT_EQ(P().ResolveRef("p@production")->version, 1);
  EXPECT_EQ(P().ResolveRef("p@latest")->version, 2);
  EXPECT_EQ(P().ResolveRef("p")->version, 2);
  EXPECT_EQ(P().ResolveRef("p")->spec_json, TextSpec("b"));
  for (const char* bad : {"p@", "@1", "p@1@2", "p@0", "P@1", "p@Prod", ""}) {
    auto r = P().ResolveRef(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().field(), "ref") << bad;
  }
  EXPECT_CODE(P().ResolveRef("p@99"), kNotFound);
  EXPECT_CODE(P().ResolveRef("p@canary"), kNotFound);
  EXPECT_CODE(P().ResolveRef("q"), kNotFound);
}

TEST_F(PromptStoreTest, ConcurrentPushesOfTheSameContentCreateOneVersion) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0};
  std::vector<int64_t> numbers(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = P().Push({"race", TextSpec("same"), "t" + std::to_string(i)}, Ci(kT0 + i));
      if (!r) return;
      if (r->created) ++created;
      numbers[i] = r->version.version;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  for (int64_t n : numbers) EXPECT_EQ(n, 1);
  EXPECT_EQ(P().GetPrompt("race")->last_version, 1);
}

TEST_F(PromptStoreTest, PushAllIsAllOrNothingAndCheckWritesNothing) {
  MustPush("a", TextSpec("a1"));
  std::vector<PromptPush> batch = {{"a", TextSpec("a2"), "m"}, {"b", TextSpec("b1"), "m"}};

  auto check = P().PushAll(batch, /*check_only=*/true, Ci());
  ASSERT_TRUE(check) << check.error().ToString();
  ASSERT_EQ(check->size(), 2u);
  EXPECT_TRUE((*check)[0].created);
  EXPECT_EQ((*check)[0].version.version, 2);
  EXPECT_TRUE((*check)[1].created);
  EXPECT_EQ((*check)[1].version.version, 1);
  EXPECT_EQ(P().GetPrompt("a")->last_version, 1);
  EXPECT_CODE(P().GetPrompt("b"), kNotFound);

  std::vector<PromptPush> broken = batch;
  broken.push_back({"c", R"({"template": "x"})", ""});
  auto failed = P().PushAll(broken, false, Ci());
  ASSERT_FALSE(failed);
  EXPECT_CODE(failed, kInvalidArgument);
  EXPECT_EQ(failed.error().field(), "prompts[2].spec");
  EXPECT_EQ(P().GetPrompt("a")->last_version, 1);
  EXPECT_CODE(P().GetPrompt("b"), kNotFound);

  auto dup = P().PushAll({batch[0], batch[0]}, false, Ci());
  ASSERT_FALSE(dup);
  EXPECT_CODE(dup, kInvalidArgument);
  EXPECT_EQ(dup.error().field(), "prompts[1].name");

  auto done = P().PushAll(batch, false, Ci());
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_TRUE((*done)[0].created);
  EXPECT_EQ((*done)[0].version.version, 2);
  auto idempotent = P().PushAll(batch, true, Ci());
  ASSERT_TRUE(idempotent);
  EXPECT_FALSE((*idempotent)[0].created);
  EXPECT_FALSE((*idempotent)[1].created);
  EXPECT_EQ((*idempotent)[1].version.version, 1);
}

TEST_F(PromptStoreTest, ListsFilterOrderAndPage) {
  MustPush("alpha", TextSpec("a"), kT0 + 3);
  MustPush("beta", kChatSpec, kT0 + 1);
  MustPush("gamma", TextSpec("g"), kT0 + 2);
  MustPush("gamma", TextSpec("g2"), kT0 + 4);
  ASSERT_TRUE(P().SetLabel("gamma", "production", 1, "", Ci()));

  SearchFields fields;
  fields.AddColumn("name", expr::ValueType::kString, "p.name", true)
      .AddMap("labels", expr::ValueType::kNumber,
              {.table = "prompt_labels",
               .owner_column = "prompt_id",
               .owner_sql = "p.id",
               .key_column = "label",
               .value_column = "version"});
  auto where = CompileWhere("labels.production = 1 OR name = 'alpha'", fields);
  ASSERT_TRUE(where) << where.error().ToString();
  ListQuery q;
  q.filter = {where->sql, where->params};
  auto filtered = P().ListPrompts(q);
  ASSERT_TRUE(filtered) << filtered.error().ToString();
  ASSERT_EQ(filtered->items.size(), 2u);
  EXPECT_EQ(filtered->items[0].name, "alpha");
  EXPECT_EQ(filtered->items[1].name, "gamma");

  ListQuery paged;
  paged.order_by = {{"created_at", true}};
  paged.limit = 2;
  auto first = P().ListPrompts(paged);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].name, "alpha");
  EXPECT_EQ(first->items[1].name, "gamma");
  ASSERT_TRUE(first->next_offset);
  paged.offset = *first->next_offset;
  auto second = P().ListPrompts(paged);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].name, "beta");
  EXPECT_FALSE(second->next_offset);

  ListQuery bad;
  bad.order_by = {{"secret", false}};
  EXPECT_CODE(P().ListPrompts(bad), kInvalidArgument);

  auto versions = P().ListVersions("gamma", {});
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->items.size(), 2u);
  EXPECT_EQ(versions->items[0].version, 2);  // newest first by default
  EXPECT_EQ(versions->items[1].labels, std::vector<std::string>{"production"});
  EXPECT_CODE(P().ListVersions("nope", {}), kNotFound);
}

TEST_F(PromptStoreTest, SurvivesReopen) {
  MustPush("p", TextSpec("a"));
  ASSERT_TRUE(P().SetLabel("p", "production", 1, "ship", Ci()));
  Open();
  auto v = P().ResolveRef("p@production");
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->spec_json, TextSpec("a"));
  EXPECT_FALSE(MustPush("p", TextSpec("a")).created);
}

}  // namespace
}  // namespace ballast::store
