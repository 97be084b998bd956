#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/expr_sql.h"
#include "store/registry_test_fixtures.h"

namespace ballast::store {
namespace {

using registry_testing::Admin;
using registry_testing::kDay;
using registry_testing::kT0;
using registry_testing::Model;
using registry_testing::RegistryStoreTest;
using registry_testing::User;
using registry_testing::Version;

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
  ASSERT_TRUE(R().DeleteVersion("m", 3, "", User()).ok());
  ASSERT_TRUE(R().DeleteVersion("m", 2, "", User()).ok());
  auto v4 = R().CreateVersion(Version("m"), User());
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->version, 4);
  ASSERT_TRUE(R().DeleteVersion("m", 4, "", User()).ok());
  EXPECT_CODE(R().GetVersion("m", 4), kNotFound);
  EXPECT_CODE(R().DeleteVersion("m", 4, "", User()), kNotFound);
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

TEST_F(RegistryStoreTest, DeleteVersionChecksTheEtagInTheSameWrite) {
  Seed("m", 2);
  ModelVersion v = *R().GetVersion("m", 1);
  ASSERT_TRUE(R().SetVersionTag("m", 1, "eval", "passed", User()));  // bumps the etag
  EXPECT_CODE(R().DeleteVersion("m", 1, v.etag, User()), kFailedPrecondition);
  EXPECT_TRUE(R().GetVersion("m", 1)) << "a stale delete must delete nothing";
  ModelVersion fresh = *R().GetVersion("m", 1);
  ASSERT_TRUE(R().DeleteVersion("m", 1, fresh.etag, User()).ok());
  EXPECT_CODE(R().GetVersion("m", 1), kNotFound);
  ASSERT_TRUE(R().DeleteVersion("m", 2, "", User()).ok());  // "" skips the check
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
  ASSERT_TRUE(R().DeleteVersion("m", 3, "", User(kT0 + 6)).ok());
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
  EXPECT_CODE(R().DeleteVersion("m", 1, "", User()), kPermissionDenied);
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

  ASSERT_TRUE(R().DeleteVersion("m", 1, "", Admin()).ok());
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
  ASSERT_TRUE(R().DeleteVersion("m", 3, "", User()).ok());
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

}  // namespace
}  // namespace ballast::store

namespace ballast::store {
namespace {

using registry_testing::RegistryStoreTest;
using registry_testing::User;
using registry_testing::Version;

// Resolution is cached in memory (store/ref_cache.h): each kind of write must be seen by the
// very next resolve of a ref it affects, after the same ref was resolved (and cached) before it.
TEST_F(RegistryStoreTest, ResolveSeesEveryWriteThatAffectsIt) {
  Seed("m", 2);
  ASSERT_TRUE(R().SetAlias("m", "production", 1, "", User()));
  auto resolve = [&](const char* ref) { return R().ResolveRef(ref); };
  ASSERT_EQ(resolve("m@production")->version, 1);
  ASSERT_EQ(resolve("m@production")->version, 1);  // now from the cache

  ASSERT_TRUE(R().SetAlias("m", "production", 2, "promote", User()));
  EXPECT_EQ(resolve("m@production")->version, 2);

  ASSERT_TRUE(R().SetVersionTag("m", 2, "eval", "passed", User()));
  EXPECT_EQ(resolve("m@production")->tags.at("eval"), "passed");

  ModelVersion desired = *R().GetVersion("m", 2);
  desired.description = "second";
  ASSERT_TRUE(R().UpdateVersion("m", 2, desired, desired.etag, User()));
  EXPECT_EQ(resolve("m@production")->description, "second");

  ASSERT_TRUE(R().TransitionStage("m", 2, Stage::kStaging, false, User()));
  EXPECT_EQ(resolve("m@production")->stage, Stage::kStaging);

  EXPECT_EQ(resolve("m@latest")->version, 2);
  ASSERT_TRUE(R().CreateVersion(Version("m"), User()));
  EXPECT_EQ(resolve("m@latest")->version, 3);
  ASSERT_EQ(resolve("m@3")->version, 3);
  ASSERT_TRUE(R().DeleteVersion("m", 3, "", User()).ok());
  EXPECT_CODE(resolve("m@3"), kNotFound);
  EXPECT_EQ(resolve("m@latest")->version, 2);

  ASSERT_TRUE(R().DeleteAlias("m", "production", "", User()));
  EXPECT_CODE(resolve("m@production"), kNotFound);

  ASSERT_EQ(resolve("m@1")->model, "m");
  ASSERT_TRUE(R().RenameModel("m", "n", User()));
  EXPECT_CODE(resolve("m@1"), kNotFound);
  EXPECT_EQ(resolve("n@1")->model, "n");
  ASSERT_TRUE(R().DeleteModel("n", "", User()).ok());
  EXPECT_CODE(resolve("n@1"), kNotFound);
}

}  // namespace
}  // namespace ballast::store
