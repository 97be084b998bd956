#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/expr_sql.h"
#include "store/sqlite_store.h"
#include "store/test_fixtures.h"

namespace ballast::store {
namespace {

using testing::kT0;
using testing::TempDir;

constexpr int64_t kDay = 24LL * 3600 * 1000;

Actor User(EpochMillis at = kT0) { return {"tok_user", at, false}; }
Actor Admin(EpochMillis at = kT0) { return {"tok_admin", at, true}; }

RegisteredModel Model(std::string name, std::string owner = "team-a") {
  RegisteredModel m;
  m.name = std::move(name);
  m.description = "a model";
  m.owner = std::move(owner);
  m.provider = "openai";
  return m;
}

ModelVersion Version(std::string model, std::string source = "gpt-4o-2024-08-06") {
  ModelVersion v;
  v.model = std::move(model);
  v.source = std::move(source);
  return v;
}

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

TEST(RegistryNamesTest, EnumNamesRoundTrip) {
  for (Stage s : {Stage::kNone, Stage::kStaging, Stage::kProduction, Stage::kArchived}) {
    EXPECT_EQ(ParseStage(StageName(s)), s);
  }
  EXPECT_EQ(ParseStage("production"), Stage::kProduction);  // MLflow accepts any case
  EXPECT_EQ(ParseStage("STAGING"), Stage::kStaging);
  EXPECT_FALSE(ParseStage("prod"));
  EXPECT_EQ(ParseVersionStatus("FAILED_REGISTRATION"), VersionStatus::kFailedRegistration);
  EXPECT_FALSE(ParseVersionStatus("ready"));
  EXPECT_EQ(ParseLifecycle(LifecycleName(Lifecycle::kDeprecated)), Lifecycle::kDeprecated);
  EXPECT_FALSE(ParseLifecycle("Active"));
}

TEST(RegistryNamesTest, AliasValidationTable) {
  for (std::string ok : {"production", "champion", "a.b-c_d", "v2", "1a", "0.1", "x"}) {
    EXPECT_TRUE(ValidateAliasName(ok).ok()) << ok << ": " << ValidateAliasName(ok).ToString();
  }
  struct Bad {
    std::string alias;
    std::string says;
  };
  for (const Bad& b : std::vector<Bad>{{"", "empty"},
                                       {"Production", "character 'P' at position 0"},
                                       {"a b", "character ' ' at position 1"},
                                       {"a@b", "character '@'"},
                                       {"prod/x", "character '/'"},
                                       {"123", "all digits"},
                                       {"0", "all digits"},
                                       {"latest", "reserved"},
                                       {std::string(129, 'a'), "longer than 128"},
                                       {"caf\xc3\xa9", "position 3"}}) {
    Status st = ValidateAliasName(b.alias);
    ASSERT_EQ(st.code(), StatusCode::kInvalidArgument) << b.alias;
    EXPECT_EQ(st.field(), "alias");
    EXPECT_NE(st.message().find(b.says), std::string::npos) << st.message();
  }
  EXPECT_TRUE(ValidateAliasName(std::string(128, 'a')).ok());
}

TEST_F(RegistryStoreTest, CreateGetAndDuplicateModel) {
  RegisteredModel in = Model("support-bot");
  in.tags = {{"team", "core"}, {"tier", "1"}};
  auto m = R().CreateModel(in, User());
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_GT(m->id, 0);
  EXPECT_EQ(m->created_at, kT0);
  EXPECT_EQ(m->updated_at, kT0);
  EXPECT_EQ(m->created_by, "tok_user");
  EXPECT_EQ(m->last_version, 0);
  EXPECT_FALSE(m->etag.empty());
  EXPECT_FALSE(m->deleted_at);

  auto got = R().GetModel("support-bot");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->description, "a model");
  EXPECT_EQ(got->owner, "team-a");
  EXPECT_EQ(got->provider, "openai");
  EXPECT_EQ(got->tags, in.tags);
  EXPECT_EQ(got->etag, m->etag);

  EXPECT_CODE(R().CreateModel(in, User()), kAlreadyExists);
  EXPECT_CODE(R().GetModel("nope"), kNotFound);
  for (const std::string& bad :
       std::vector<std::string>{"", "a@b", "tab\there", std::string(257, 'n')}) {
    auto r = R().CreateModel(Model(bad), User());
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().field(), "name");
  }
  RegisteredModel bad_tag = Model("x");
  bad_tag.tags[""] = "v";
  EXPECT_EQ(R().CreateModel(bad_tag, User()).error().field(), "tags.key");
  RegisteredModel bad_protected = Model("x");
  bad_protected.protected_aliases = {"Prod"};
  EXPECT_EQ(R().CreateModel(bad_protected, User()).error().field(), "protected_aliases");
  EXPECT_CODE(R().GetModel("x"), kNotFound);  // nothing half-created
}

TEST_F(RegistryStoreTest, UpdateWithEtagRefusesStaleWrites) {
  RegisteredModel m = Seed("m", 0);
  RegisteredModel desired = m;
  desired.description = "v2";
  desired.tags = {{"k", "v"}};
  auto updated = R().UpdateModel("m", desired, m.etag, User(kT0 + 5));
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ(updated->description, "v2");
  EXPECT_EQ(updated->tags, desired.tags);
  EXPECT_EQ(updated->updated_at, kT0 + 5);
  EXPECT_EQ(updated->created_at, kT0);
  EXPECT_NE(updated->etag, m.etag);

  desired.description = "lost?";
  auto stale = R().UpdateModel("m", desired, m.etag, User());
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(R().GetModel("m")->description, "v2");
  EXPECT_CODE(R().UpdateModel("nope", desired, m.etag, User()), kNotFound);
  desired.owner = std::string(300, 'o');
  EXPECT_EQ(R().UpdateModel("m", desired, updated->etag, User()).error().field(), "owner");
}

TEST_F(RegistryStoreTest, ModelTagsBumpTheEtag) {
  RegisteredModel m = Seed("m", 0);
  auto tagged = R().SetModelTag("m", "team", "core", User());
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->tags.at("team"), "core");
  EXPECT_NE(tagged->etag, m.etag);
  auto replaced = R().SetModelTag("m", "team", "edge", User());
  EXPECT_EQ(replaced->tags.at("team"), "edge");
  EXPECT_CODE(R().SetModelTag("m", "", "v", User()), kInvalidArgument);
  EXPECT_CODE(R().SetModelTag("m", "k", std::string(5001, 'v'), User()), kInvalidArgument);
  EXPECT_CODE(R().SetModelTag("nope", "k", "v", User()), kNotFound);
  auto removed = R().DeleteModelTag("m", "team", User());
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->tags.empty());
  EXPECT_CODE(R().DeleteModelTag("m", "team", User()), kNotFound);
  // The old etag is stale after tag changes.
  EXPECT_CODE(R().UpdateModel("m", m, m.etag, User()), kFailedPrecondition);
}

TEST_F(RegistryStoreTest, RenameCarriesVersionsAndAliases) {
  Seed("old", 2);
  ASSERT_TRUE(R().SetAlias("old", "champion", 2, "best", User()));
  Seed("taken", 0);
  EXPECT_CODE(R().RenameModel("old", "taken", User()), kAlreadyExists);
  EXPECT_CODE(R().RenameModel("missing", "new", User()), kNotFound);
  EXPECT_CODE(R().RenameModel("old", "bad@name", User()), kInvalidArgument);
  auto renamed = R().RenameModel("old", "new", User());
  ASSERT_TRUE(renamed) << renamed.error().ToString();
  EXPECT_EQ(renamed->name, "new");
  EXPECT_CODE(R().GetModel("old"), kNotFound);
  auto v = R().ResolveRef("new@champion");
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->version, 2);
  EXPECT_EQ(v->model, "new");
  EXPECT_EQ(R().AliasHistory("new", "champion")->size(), 1u);
}

TEST_F(RegistryStoreTest, VersionNumbersAreNeverReused) {
  Seed("m", 3);
  ASSERT_TRUE(R().DeleteVersion("m", 3, User()).ok());
  ASSERT_TRUE(R().DeleteVersion("m", 2, User()).ok());
  auto v4 = R().CreateVersion(Version("m"), User());
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->version, 4);
  ASSERT_TRUE(R().DeleteVersion("m", 4, User()).ok());
  EXPECT_CODE(R().GetVersion("m", 4), kNotFound);
  EXPECT_CODE(R().DeleteVersion("m", 4, User()), kNotFound);
  EXPECT_EQ(R().GetModel("m")->last_version, 4);
  Open();  // the counter is stored, not derived from the live versions
  auto v5 = R().CreateVersion(Version("m"), User());
  ASSERT_TRUE(v5);
  EXPECT_EQ(v5->version, 5);
  auto live = R().ListVersions("m", {.order_by = {{"version", false}}});
  ASSERT_TRUE(live);
  ASSERT_EQ(live->items.size(), 2u);
  EXPECT_EQ(live->items[0].version, 1);
  EXPECT_EQ(live->items[1].version, 5);
}

TEST_F(RegistryStoreTest, DeletingAModelFreesItsNameAndNumberingRestarts) {
  RegisteredModel first = Seed("m", 3, {"production"});
  ASSERT_TRUE(R().SetAlias("m", "champion", 2, "", User()));
  EXPECT_CODE(R().DeleteModel("m", "stale-etag", Admin()), kFailedPrecondition);
  ASSERT_TRUE(R().DeleteModel("m", first.etag, User()).ok());  // no protected alias is set
  EXPECT_CODE(R().GetModel("m"), kNotFound);
  EXPECT_CODE(R().ResolveRef("m@1"), kNotFound);
  EXPECT_CODE(R().DeleteModel("m", "", User()), kNotFound);

  auto second = R().CreateModel(Model("m"), User());
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_NE(second->id, first.id);
  EXPECT_TRUE(second->aliases.empty());
  auto v = R().CreateVersion(Version("m"), User());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->version, 1);  // a new model starts over, as in MLflow
  EXPECT_TRUE(R().AliasHistory("m", "champion")->empty());

  // The deleted model and its versions stay visible to audits.
  auto all = R().ListModels({.include_deleted = true});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->items.size(), 2u);
  int deleted = 0;
  for (const RegisteredModel& m : all->items) deleted += m.deleted_at.has_value();
  EXPECT_EQ(deleted, 1);
  auto versions = R().ListVersions("", {.include_deleted = true});
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->items.size(), 4u);
  EXPECT_EQ(R().ListVersions("", {})->items.size(), 1u);
}

TEST_F(RegistryStoreTest, VersionFieldsAndLineageRoundTrip) {
  Seed("m", 0);
  ModelVersion in = Version("m", "s3://bucket/model");
  in.run_id = "run-1";
  in.status = VersionStatus::kPendingRegistration;
  in.description = "fine-tuned";
  in.tags = {{"k", "v"}};
  in.lifecycle = Lifecycle::kDeprecated;
  in.deprecated_at = kT0;
  in.retires_at = kT0 + 30 * kDay;
  in.replacement = "m@2";
  in.lineage = {"base@3", {"support-cases@2", "faq@1"}, "abc123", R"({"lr":0.001})"};
  auto v = R().CreateVersion(in, User(kT0 + 1));
  ASSERT_TRUE(v) << v.error().ToString();
  Open();
  auto got = R().GetVersion("m", 1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->model, "m");
  EXPECT_EQ(got->source, "s3://bucket/model");
  EXPECT_EQ(got->run_id, "run-1");
  EXPECT_EQ(got->status, VersionStatus::kPendingRegistration);
  EXPECT_EQ(got->stage, Stage::kNone);
  EXPECT_EQ(got->tags, in.tags);
  EXPECT_EQ(got->lifecycle, Lifecycle::kDeprecated);
  EXPECT_EQ(got->deprecated_at, kT0);
  EXPECT_EQ(got->retires_at, kT0 + 30 * kDay);
  EXPECT_EQ(got->replacement, "m@2");
  EXPECT_EQ(got->lineage.base_model, "base@3");
  EXPECT_EQ(got->lineage.dataset_refs, (std::vector<std::string>{"support-cases@2", "faq@1"}));
  EXPECT_EQ(got->lineage.code_commit, "abc123");
  EXPECT_EQ(got->lineage.hyperparameters_json, R"({"lr":0.001})");
  EXPECT_EQ(got->created_at, kT0 + 1);
  EXPECT_EQ(got->etag, v->etag);

  ModelVersion bad = Version("m");
  bad.lineage.hyperparameters_json = "{lr: 1";
  EXPECT_EQ(R().CreateVersion(bad, User()).error().field(), "lineage.hyperparameters_json");
  EXPECT_EQ(R().CreateVersion(Version("m", ""), User()).error().field(), "source");
  bad = Version("m");
  bad.lineage.dataset_refs = {"ok@1", ""};
  EXPECT_EQ(R().CreateVersion(bad, User()).error().field(), "lineage.dataset_refs[1]");
  bad = Version("m");
  bad.deprecated_at = kT0;
  bad.retires_at = kT0 - 1;
  EXPECT_EQ(R().CreateVersion(bad, User()).error().field(), "retires_at");
  EXPECT_CODE(R().CreateVersion(Version("nope"), User()), kNotFound);
  // Failed creates consumed no number.
  EXPECT_EQ(R().CreateVersion(Version("m"), User())->version, 2);
}

TEST_F(RegistryStoreTest, UpdateVersionAndTags) {
  Seed("m", 1);
  ModelVersion v = *R().GetVersion("m", 1);
  ModelVersion desired = v;
  desired.description = "now deprecated";
  desired.lifecycle = Lifecycle::kDeprecated;
  desired.retires_at = kT0 + kDay;
  desired.status = VersionStatus::kFailedRegistration;
  desired.source = "ignored";  // immutable
  auto updated = R().UpdateVersion("m", 1, desired, v.etag, User(kT0 + 9));
  ASSERT_TRUE(updated) << updated.error().ToString();
  EXPECT_EQ(updated->description, "now deprecated");
  EXPECT_EQ(updated->lifecycle, Lifecycle::kDeprecated);
  EXPECT_EQ(updated->retires_at, kT0 + kDay);
  EXPECT_EQ(updated->status, VersionStatus::kFailedRegistration);
  EXPECT_EQ(updated->source, v.source);
  EXPECT_EQ(updated->updated_at, kT0 + 9);
  EXPECT_NE(updated->etag, v.etag);
  EXPECT_CODE(R().UpdateVersion("m", 1, desired, v.etag, User()), kFailedPrecondition);
  EXPECT_CODE(R().UpdateVersion("m", 7, desired, v.etag, User()), kNotFound);

  auto tagged = R().SetVersionTag("m", 1, "eval", "passed", User());
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->tags.at("eval"), "passed");
  EXPECT_NE(tagged->etag, updated->etag);
  EXPECT_CODE(R().SetVersionTag("m", 2, "eval", "x", User()), kNotFound);
  EXPECT_TRUE(R().DeleteVersionTag("m", 1, "eval", User())->tags.empty());
  EXPECT_CODE(R().DeleteVersionTag("m", 1, "eval", User()), kNotFound);
}

TEST_F(RegistryStoreTest, AliasMovesAreRecordedInOrder) {
  Seed("m", 3);
  auto set = R().SetAlias("m", "champion", 1, "first eval", User(kT0 + 1));
  ASSERT_TRUE(set) << set.error().ToString();
  EXPECT_EQ(set->from_version, std::nullopt);
  EXPECT_EQ(set->to_version, 1);
  auto moved = R().SetAlias("m", "champion", 2, "beat v1", Admin(kT0 + 2));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->from_version, 1);
  auto same = R().SetAlias("m", "champion", 2, "again", User(kT0 + 3));  // not a move
  ASSERT_TRUE(same);
  EXPECT_EQ(same->from_version, 2);
  EXPECT_CODE(R().SetAlias("m", "champion", 9, "", User()), kNotFound);
  EXPECT_CODE(R().SetAlias("m", "Champion", 1, "", User()), kInvalidArgument);
  EXPECT_CODE(R().SetAlias("m", "latest", 1, "", User()), kInvalidArgument);
  EXPECT_CODE(R().SetAlias("m", "champion", 0, "", User()), kInvalidArgument);
  EXPECT_CODE(R().SetAlias("nope", "champion", 1, "", User()), kNotFound);

  ASSERT_TRUE(R().SetAlias("m", "canary", 3, "", User(kT0 + 4)));
  EXPECT_EQ(R().GetModel("m")->aliases,
            (std::map<std::string, int64_t>{{"canary", 3}, {"champion", 2}}));
  EXPECT_EQ(R().GetVersion("m", 2)->aliases, std::vector<std::string>{"champion"});

  auto removed = R().DeleteAlias("m", "champion", "rollback", User(kT0 + 5));
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->from_version, 2);
  EXPECT_EQ(removed->to_version, std::nullopt);
  EXPECT_CODE(R().DeleteAlias("m", "champion", "", User()), kNotFound);
  EXPECT_CODE(R().GetVersionByRef("m", "champion"), kNotFound);

  // Deleting a version removes the aliases pointing at it, recorded as moves.
  ASSERT_TRUE(R().DeleteVersion("m", 3, User(kT0 + 6)).ok());
  EXPECT_TRUE(R().GetModel("m")->aliases.empty());
  EXPECT_CODE(R().SetAlias("m", "canary", 3, "", User()), kNotFound);

  auto history = R().AliasHistory("m", "champion");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  const auto& h = *history;
  EXPECT_EQ(h[0].from_version, std::nullopt);
  EXPECT_EQ(h[0].to_version, 1);
  EXPECT_EQ(h[0].by, "tok_user");
  EXPECT_EQ(h[0].reason, "first eval");
  EXPECT_EQ(h[0].at, kT0 + 1);
  EXPECT_EQ(h[1].from_version, 1);
  EXPECT_EQ(h[1].to_version, 2);
  EXPECT_EQ(h[1].by, "tok_admin");
  EXPECT_EQ(h[1].at, kT0 + 2);
  EXPECT_EQ(h[2].from_version, 2);
  EXPECT_EQ(h[2].to_version, std::nullopt);
  EXPECT_EQ(h[2].reason, "rollback");
  EXPECT_EQ(h[2].model, "m");
  auto canary = R().AliasHistory("m", "canary");
  ASSERT_EQ(canary->size(), 2u);
  EXPECT_EQ((*canary)[1].from_version, 3);
  EXPECT_EQ((*canary)[1].to_version, std::nullopt);
  EXPECT_EQ((*canary)[1].reason, "version 3 deleted");
  EXPECT_EQ((*canary)[1].at, kT0 + 6);
  EXPECT_TRUE(R().AliasHistory("m", "never")->empty());
  EXPECT_CODE(R().AliasHistory("m", "BAD"), kInvalidArgument);
  EXPECT_CODE(R().AliasHistory("nope", "champion"), kNotFound);
}

TEST_F(RegistryStoreTest, ProtectedAliasesNeedAnAdmin) {
  RegisteredModel m = Seed("m", 2, {"production"});
  EXPECT_EQ(m.protected_aliases, std::set<std::string>{"production"});
  EXPECT_CODE(R().SetAlias("m", "production", 1, "", User()), kPermissionDenied);
  EXPECT_TRUE(R().AliasHistory("m", "production")->empty());
  ASSERT_TRUE(R().SetAlias("m", "production", 1, "launch", Admin()));
  EXPECT_CODE(R().SetAlias("m", "production", 2, "", User()), kPermissionDenied);
  EXPECT_CODE(R().DeleteAlias("m", "production", "", User()), kPermissionDenied);
  EXPECT_CODE(R().DeleteVersion("m", 1, User()), kPermissionDenied);
  EXPECT_TRUE(R().GetVersion("m", 1));
  EXPECT_EQ(R().ResolveRef("m@production")->version, 1);
  // "canary" sorts before "production": its removal is rolled back with the refused delete.
  ASSERT_TRUE(R().SetAlias("m", "canary", 2, "", User()));
  EXPECT_CODE(R().DeleteModel("m", "", User()), kPermissionDenied);
  EXPECT_TRUE(R().GetModel("m"));
  EXPECT_EQ(R().ResolveRef("m@canary")->version, 2);
  EXPECT_EQ(R().AliasHistory("m", "canary")->size(), 1u);
  // Unprotected aliases stay free for everyone.
  EXPECT_TRUE(R().SetAlias("m", "staging", 2, "", User()));

  // Only an admin changes the protected set.
  RegisteredModel desired = *R().GetModel("m");
  desired.protected_aliases = {};
  EXPECT_CODE(R().UpdateModel("m", desired, desired.etag, User()), kPermissionDenied);
  desired.description = "other fields are fine";
  desired.protected_aliases = {"production"};
  ASSERT_TRUE(R().UpdateModel("m", desired, desired.etag, User()));
  desired = *R().GetModel("m");
  desired.protected_aliases = {"production", "staging"};
  ASSERT_TRUE(R().UpdateModel("m", desired, desired.etag, Admin()));
  EXPECT_CODE(R().SetAlias("m", "staging", 1, "", User()), kPermissionDenied);

  ASSERT_TRUE(R().DeleteVersion("m", 1, Admin()).ok());
  auto history = R().AliasHistory("m", "production");
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].reason, "version 1 deleted");
  EXPECT_EQ((*history)[1].by, "tok_admin");
}

TEST_F(RegistryStoreTest, ResolveRefForms) {
  Seed("m", 3);
  ASSERT_TRUE(R().SetAlias("m", "champion", 2, "", User()));
  EXPECT_EQ(R().ResolveRef("m@champion")->version, 2);
  EXPECT_EQ(R().ResolveRef("m@3")->version, 3);
  EXPECT_EQ(R().ResolveRef("m@latest")->version, 3);
  ASSERT_TRUE(R().DeleteVersion("m", 3, User()).ok());
  EXPECT_EQ(R().ResolveRef("m@latest")->version, 2);  // the highest LIVE version
  EXPECT_CODE(R().ResolveRef("m@3"), kNotFound);
  EXPECT_EQ(R().GetVersionByRef("m", "1")->version, 1);

  struct Bad {
    std::string ref;
    StatusCode code;
  };
  for (const Bad& b : std::vector<Bad>{{"m", StatusCode::kInvalidArgument},
                                       {"@champion", StatusCode::kInvalidArgument},
                                       {"m@", StatusCode::kInvalidArgument},
                                       {"m@1@2", StatusCode::kInvalidArgument},
                                       {"m@0", StatusCode::kInvalidArgument},
                                       {"m@99999999999999999999", StatusCode::kInvalidArgument},
                                       {"m@Champion", StatusCode::kInvalidArgument},
                                       {"m@nosuch", StatusCode::kNotFound},
                                       {"m@9", StatusCode::kNotFound},
                                       {"missing@1", StatusCode::kNotFound}}) {
    auto r = R().ResolveRef(b.ref);
    ASSERT_FALSE(r) << b.ref;
    EXPECT_EQ(r.error().code(), b.code) << b.ref << ": " << r.error().ToString();
  }
  Seed("empty", 0);
  EXPECT_CODE(R().ResolveRef("empty@latest"), kNotFound);
}

TEST_F(RegistryStoreTest, StageTransitionsAndLatestVersions) {
  Seed("m", 4);
  ASSERT_TRUE(R().TransitionStage("m", 1, Stage::kProduction, false, User()));
  ASSERT_TRUE(R().TransitionStage("m", 2, Stage::kProduction, false, User()));
  EXPECT_EQ(R().GetVersion("m", 1)->stage, Stage::kProduction);  // both in Production
  ModelVersion before = *R().GetVersion("m", 1);
  auto v3 = R().TransitionStage("m", 3, Stage::kProduction, true, User(kT0 + 7));
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->stage, Stage::kProduction);
  EXPECT_EQ(R().GetVersion("m", 1)->stage, Stage::kArchived);
  EXPECT_EQ(R().GetVersion("m", 2)->stage, Stage::kArchived);
  EXPECT_NE(R().GetVersion("m", 1)->etag, before.etag);
  ASSERT_TRUE(R().TransitionStage("m", 4, Stage::kStaging, true, User()));
  EXPECT_CODE(R().TransitionStage("m", 5, Stage::kStaging, true, User()), kNotFound);

  auto latest = R().LatestVersions("m", {});
  ASSERT_TRUE(latest);
  ASSERT_EQ(latest->size(), 3u);  // no version is left in None
  EXPECT_EQ((*latest)[0].version, 4);
  EXPECT_EQ((*latest)[0].stage, Stage::kStaging);
  EXPECT_EQ((*latest)[1].version, 3);
  EXPECT_EQ((*latest)[2].version, 2);
  EXPECT_EQ((*latest)[2].stage, Stage::kArchived);
  auto some = R().LatestVersions("m", {Stage::kArchived, Stage::kProduction});
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].version, 2);
  EXPECT_EQ((*some)[1].version, 3);
  EXPECT_CODE(R().LatestVersions("nope", {}), kNotFound);
}

TEST_F(RegistryStoreTest, ListModelsPagesOrdersAndFilters) {
  for (std::string n : {"e", "b", "d", "a", "c"}) {
    RegisteredModel m = Model("support-" + n, n < "c" ? "core" : "edge");
    m.tags["letter"] = n;
    ASSERT_TRUE(R().CreateModel(m, User()));
  }
  std::vector<std::string> names;
  ListQuery q{.limit = 2};
  while (true) {
    auto page = R().ListModels(q);
    ASSERT_TRUE(page) << page.error().ToString();
    for (const auto& m : page->items) names.push_back(m.name);
    if (!page->next_offset) break;
    q.offset = *page->next_offset;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"support-a", "support-b", "support-c", "support-d",
                                             "support-e"}));

  auto desc = R().ListModels({.order_by = {{"owner", true}, {"name", true}}, .limit = 3});
  ASSERT_TRUE(desc);
  ASSERT_EQ(desc->items.size(), 3u);
  EXPECT_EQ(desc->items[0].name, "support-e");
  EXPECT_EQ(desc->items[2].name, "support-c");
  EXPECT_EQ(desc->next_offset, 3);

  SqlFilter filter{
      "m.owner = ? AND EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = m.id "
      "AND t.key = ? AND t.value LIKE ?)",
      {std::string("core"), std::string("letter"), std::string("b%")}};
  auto filtered = R().ListModels({.filter = filter});
  ASSERT_TRUE(filtered) << filtered.error().ToString();
  ASSERT_EQ(filtered->items.size(), 1u);
  EXPECT_EQ(filtered->items[0].name, "support-b");
  EXPECT_EQ(filtered->items[0].tags.at("letter"), "b");
  // A quoted '?' is not a placeholder.
  auto literal = R().ListModels({.filter = {"m.name != '?' AND m.created_at >= ?", {kT0}}});
  ASSERT_TRUE(literal) << literal.error().ToString();
  EXPECT_EQ(literal->items.size(), 5u);

  auto bad_order = R().ListModels({.order_by = {{"name", false}, {"secret", false}}});
  ASSERT_FALSE(bad_order);
  EXPECT_EQ(bad_order.error().field(), "order_by[1]");
  EXPECT_EQ(R().ListModels({.filter = {"1; DROP TABLE registered_models", {}}}).error().field(),
            "filter");
  EXPECT_EQ(R().ListModels({.filter = {"m.name = ?", {}}}).error().field(), "filter");
  EXPECT_EQ(R().ListModels({.filter = {"m.name = 'x", {}}}).error().field(), "filter");
  EXPECT_EQ(R().ListModels({.limit = 0}).error().field(), "limit");
  EXPECT_EQ(R().ListModels({.offset = -1}).error().field(), "offset");
  EXPECT_EQ(R().ListModels({})->items.size(), 5u);  // the table survived
}

TEST_F(RegistryStoreTest, ListVersionsAcrossModelsWithFilters) {
  Seed("a", 3);
  Seed("b", 2);
  ASSERT_TRUE(R().SetVersionTag("a", 2, "eval", "passed", User()));
  ASSERT_TRUE(R().TransitionStage("b", 1, Stage::kProduction, false, User()));

  auto of_a = R().ListVersions("a", {});
  ASSERT_TRUE(of_a);
  ASSERT_EQ(of_a->items.size(), 3u);
  EXPECT_EQ(of_a->items[0].version, 3);  // default: newest first

  auto all = R().ListVersions("", {.order_by = {{"name", false}, {"version", false}}});
  ASSERT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->items[0].model, "a");
  EXPECT_EQ(all->items[4].model, "b");
  EXPECT_EQ(all->items[4].version, 2);

  auto by_name = R().ListVersions(
      "", {.filter = {"m.name = ? AND v.version >= ?", {std::string("a"), int64_t{2}}}});
  ASSERT_TRUE(by_name) << by_name.error().ToString();
  EXPECT_EQ(by_name->items.size(), 2u);
  auto tagged = R().ListVersions(
      "", {.filter = {"EXISTS (SELECT 1 FROM model_version_tags t WHERE t.version_id = v.id AND "
                      "t.key = ? AND t.value = ?)",
                      {std::string("eval"), std::string("passed")}}});
  ASSERT_EQ(tagged->items.size(), 1u);
  EXPECT_EQ(tagged->items[0].model, "a");
  EXPECT_EQ(tagged->items[0].version, 2);
  auto staged = R().ListVersions("", {.filter = {"v.stage = ?", {std::string("Production")}}});
  ASSERT_EQ(staged->items.size(), 1u);
  EXPECT_EQ(staged->items[0].model, "b");
  auto page = R().ListVersions("a", {.offset = 2, .limit = 2});
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_FALSE(page->next_offset);
  EXPECT_CODE(R().ListVersions("nope", {}), kNotFound);
  EXPECT_EQ(R().ListVersions("a", {.order_by = {{"owner", false}}}).error().field(), "order_by[0]");
}

// The fragments of the real expression compiler (store/expr_sql.h) over the documented columns
// and side tables.
TEST_F(RegistryStoreTest, FiltersFromTheExpressionCompiler) {
  for (auto [name, team] : std::vector<std::pair<std::string, std::string>>{
           {"support-a", "core"}, {"support-b", "edge"}, {"sales-a", "core"}}) {
    RegisteredModel m = Model(name);
    m.tags["team"] = team;
    ASSERT_TRUE(R().CreateModel(m, User()));
    ModelVersion v = Version(name);
    v.lineage.dataset_refs = {"faq@" + std::to_string(name.size())};
    ASSERT_TRUE(R().CreateVersion(v, User()));
    ASSERT_TRUE(R().CreateVersion(Version(name), User()));
  }
  SearchFields models;
  models.AddColumn("name", expr::ValueType::kString, "m.name", true)
      .AddColumn("owner", expr::ValueType::kString, "m.owner", true)
      .AddMap("tags", expr::ValueType::kString,
              {.table = "model_tags",
               .owner_column = "model_id",
               .owner_sql = "m.id",
               .key_column = "key",
               .value_column = "value"});
  auto where = CompileWhere("name LIKE 'support%' AND tags.team = 'core'", models);
  ASSERT_TRUE(where) << where.error().ToString();
  auto page = R().ListModels({.filter = {where->sql, where->params}});
  ASSERT_TRUE(page) << page.error().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].name, "support-a");

  SearchFields versions;
  versions.AddColumn("name", expr::ValueType::kString, "m.name", true)
      .AddColumn("version", expr::ValueType::kNumber, "v.version", true)
      .AddList("datasets", {.table = "model_version_datasets",
                            .owner_column = "version_id",
                            .owner_sql = "v.id",
                            .value_column = "ref"});
  auto vwhere = CompileWhere("has(datasets, 'faq@9') AND version = 1", versions);
  ASSERT_TRUE(vwhere) << vwhere.error().ToString();
  auto vpage = R().ListVersions("", {.filter = {vwhere->sql, vwhere->params}});
  ASSERT_TRUE(vpage) << vpage.error().ToString();
  ASSERT_EQ(vpage->items.size(), 2u);  // support-a and support-b (9 characters), not sales-a
  EXPECT_EQ(vpage->items[0].model, "support-a");
  EXPECT_EQ(vpage->items[1].model, "support-b");
}

// N threads update the same model with read-modify-write; each update appends the thread's
// token to the description. A stale etag must fail and be retried, so every token survives
// (no lost update) and every etag is won by exactly one writer.
TEST_F(RegistryStoreTest, ConcurrentUpdatesLoseNothing) {
  Seed("m", 0);
  constexpr int kThreads = 8;
  constexpr int kUpdatesEach = 10;
  std::mutex mu;
  std::vector<std::string> won_etags;
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUpdatesEach; ++i) {
        while (true) {
          auto current = R().GetModel("m");
          if (!current) {
            ++errors;
            return;
          }
          RegisteredModel desired = *current;
          desired.description += "[" + std::to_string(t) + "." + std::to_string(i) + "]";
          auto r = R().UpdateModel("m", desired, current->etag, User());
          if (r) {
            std::lock_guard lock(mu);
            won_etags.push_back(current->etag);
            break;
          }
          if (r.error().code() != StatusCode::kFailedPrecondition) {
            ++errors;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  const std::string description = R().GetModel("m")->description;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kUpdatesEach; ++i) {
      std::string token = "[" + std::to_string(t) + "." + std::to_string(i) + "]";
      EXPECT_NE(description.find(token), std::string::npos) << token << " was lost";
    }
  }
  EXPECT_EQ(won_etags.size(), static_cast<size_t>(kThreads * kUpdatesEach));
  EXPECT_EQ(std::set<std::string>(won_etags.begin(), won_etags.end()).size(), won_etags.size())
      << "two updates won with the same etag";
  RecordProperty("etag_conflicts", conflicts.load());
}

TEST_F(RegistryStoreTest, ConcurrentCreatesGetDistinctNumbers) {
  Seed("m", 0);
  constexpr int kThreads = 6;
  constexpr int kEach = 10;
  std::mutex mu;
  std::vector<int64_t> numbers;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto v = R().CreateVersion(Version("m"), User());
        std::lock_guard lock(mu);
        numbers.push_back(v ? v->version : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> distinct(numbers.begin(), numbers.end());
  ASSERT_EQ(distinct.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kThreads * kEach);
}

TEST_F(RegistryStoreTest, EverythingSurvivesReopen) {
  RegisteredModel m = Model("m");
  m.tags = {{"team", "core"}};
  m.protected_aliases = {"production"};
  ASSERT_TRUE(R().CreateModel(m, User()));
  ASSERT_TRUE(R().CreateVersion(Version("m"), User()));
  ASSERT_TRUE(R().CreateVersion(Version("m", "gpt-4.1"), User()));
  ASSERT_TRUE(R().SetVersionTag("m", 2, "eval", "ok", User()));
  ASSERT_TRUE(R().SetAlias("m", "production", 2, "go", Admin()));
  ASSERT_TRUE(R().TransitionStage("m", 2, Stage::kStaging, false, User()));
  const std::string etag = R().GetModel("m")->etag;
  Open();
  auto got = R().GetModel("m");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tags, m.tags);
  EXPECT_EQ(got->protected_aliases, m.protected_aliases);
  EXPECT_EQ(got->aliases, (std::map<std::string, int64_t>{{"production", 2}}));
  EXPECT_EQ(got->etag, etag);
  auto v = R().ResolveRef("m@production");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->source, "gpt-4.1");
  EXPECT_EQ(v->stage, Stage::kStaging);
  EXPECT_EQ(v->tags.at("eval"), "ok");
  EXPECT_EQ(R().AliasHistory("m", "production")->size(), 1u);
  EXPECT_CODE(R().SetAlias("m", "production", 1, "", User()), kPermissionDenied);
}

TEST_F(RegistryStoreTest, RetiringListsAliasedVersionsInTheWindow) {
  const EpochMillis now = kT0;
  Seed("m", 5);
  Seed("n", 1);
  auto retire = [&](const std::string& model, int64_t version, EpochMillis at) {
    ModelVersion v = *R().GetVersion(model, version);
    v.lifecycle = Lifecycle::kDeprecated;
    v.retires_at = at;
    ASSERT_TRUE(R().UpdateVersion(model, version, v, v.etag, User()));
  };
  retire("m", 1, now - kDay);       // already retired, still aliased: exposed
  retire("m", 2, now + 10 * kDay);  // aliased twice
  retire("m", 3, now + 40 * kDay);  // aliased, outside 30 days
  retire("m", 4, now + 5 * kDay);   // not aliased: nobody exposed
  retire("n", 1, now + 20 * kDay);  // aliased, then deleted
  ASSERT_TRUE(R().SetAlias("m", "legacy", 1, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "production", 2, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "champion", 2, "", User()));
  ASSERT_TRUE(R().SetAlias("m", "canary", 3, "", User()));
  ASSERT_TRUE(R().SetAlias("n", "production", 1, "", User()));
  ASSERT_TRUE(R().DeleteVersion("n", 1, User()).ok());

  auto within30 = R().Retiring(30 * kDay, now);
  ASSERT_TRUE(within30) << within30.error().ToString();
  ASSERT_EQ(within30->size(), 2u);
  EXPECT_EQ((*within30)[0].version, 1);
  EXPECT_EQ((*within30)[1].version, 2);
  EXPECT_EQ((*within30)[1].aliases, (std::vector<std::string>{"champion", "production"}));
  auto within90 = R().Retiring(90 * kDay, now);
  ASSERT_EQ(within90->size(), 3u);
  EXPECT_EQ((*within90)[2].version, 3);
  EXPECT_EQ(R().Retiring(0, now)->size(), 1u);
  EXPECT_EQ(R().Retiring(std::numeric_limits<int64_t>::max(), now)->size(), 3u);  // no overflow
  EXPECT_CODE(R().Retiring(-1, now), kInvalidArgument);
}

}  // namespace
}  // namespace ballast::store
