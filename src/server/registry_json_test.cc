// The registry's JSON mapping (registry_json.h) and search parameters (registry_search.h):
// shapes out, strict decoding in (every refusal names its field), merge-patch semantics.
#include "server/registry_json.h"

#include <gtest/gtest.h>

#include "server/registry_search.h"

namespace ballast::server {
namespace {

using nlohmann::json;

constexpr EpochMillis kT = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

json J(const char* text) { return json::parse(text); }

// The field an error names, or "(ok)".
template <typename T>
std::string FieldOf(const Result<T>& r) {
  return r ? "(ok)" : r.error().field();
}
std::string FieldOf(const Status& s) { return s.ok() ? "(ok)" : s.field(); }

TEST(RegistryJsonTest, ModelShape) {
  store::RegisteredModel m;
  m.id = 7;
  m.name = "support-bot";
  m.owner = "team-a";
  m.provider = "openai";
  m.tags = {{"team", "core"}};
  m.protected_aliases = {"production"};
  m.aliases = {{"champion", 3}};
  m.created_at = kT;
  m.updated_at = kT + 1500;
  m.created_by = "token:abc";
  m.etag = "e1";
  m.last_version = 4;
  json j = ModelToJson(m);
  EXPECT_EQ(j["name"], "support-bot");
  EXPECT_EQ(j["tags"], J(R"({"team": "core"})"));
  EXPECT_EQ(j["protected_aliases"], J(R"(["production"])"));
  EXPECT_EQ(j["aliases"], J(R"({"champion": 3})"));
  EXPECT_TRUE(j["aliases"]["champion"].is_number_integer());
  EXPECT_EQ(j["last_version"], 4);
  EXPECT_EQ(j["created_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["updated_at"], "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(j["etag"], "e1");
  EXPECT_TRUE(j["deleted_at"].is_null());
}

TEST(RegistryJsonTest, VersionShape) {
  store::ModelVersion v;
  v.model = "support-bot";
  v.version = 3;
  v.source = "gpt-4o-2024-08-06";
  v.stage = store::Stage::kProduction;
  v.lifecycle = store::Lifecycle::kDeprecated;
  v.retires_at = kT;
  v.aliases = {"champion"};
  v.lineage.base_model = "base@2";
  v.lineage.dataset_refs = {"faq@1", "chats@4"};
  v.lineage.hyperparameters_json = R"({"lr": 0.001})";
  json j = VersionToJson(v);
  EXPECT_EQ(j["version"], 3);
  EXPECT_TRUE(j["version"].is_number_integer());
  EXPECT_TRUE(j["run_id"].is_null());
  EXPECT_EQ(j["status"], "READY");
  EXPECT_EQ(j["stage"], "Production");
  EXPECT_EQ(j["lifecycle"], "deprecated");
  EXPECT_TRUE(j["deprecated_at"].is_null());
  EXPECT_EQ(j["retires_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["aliases"], J(R"(["champion"])"));
  EXPECT_EQ(j["lineage"]["datasets"], J(R"(["faq@1", "chats@4"])"));
  EXPECT_EQ(j["lineage"]["hyperparameters"], J(R"({"lr": 0.001})"));
  v.lineage.hyperparameters_json.clear();
  EXPECT_TRUE(VersionToJson(v)["lineage"]["hyperparameters"].is_null());
}

TEST(RegistryJsonTest, AliasMoveShape) {
  store::AliasMove created{.model = "m", .alias = "champion", .from_version = std::nullopt,
                           .to_version = 2, .at = kT, .by = "token:x", .reason = "eval ok"};
  json j = AliasMoveToJson(created);
  EXPECT_TRUE(j["from_version"].is_null());
  EXPECT_EQ(j["to_version"], 2);
  EXPECT_EQ(j["at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["by"], "token:x");
  EXPECT_EQ(j["reason"], "eval ok");
  created.from_version = 2;
  created.to_version.reset();
  EXPECT_TRUE(AliasMoveToJson(created)["to_version"].is_null());
}

TEST(RegistryJsonTest, ModelCreateDecodesAndNamesBadFields) {
  auto m = ModelFromCreateJson(J(R"({"name": "a", "owner": "o", "tags": {"team": "core"},
                                     "protected_aliases": ["production"]})"));
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ(m->name, "a");
  EXPECT_EQ(m->owner, "o");
  EXPECT_EQ(m->tags.at("team"), "core");
  EXPECT_EQ(m->protected_aliases, std::set<std::string>{"production"});

  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"owner": "o"})"))), "name");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": 3})"))), "name");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "ownr": "o"})"))), "ownr");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "etag": "x"})"))), "etag");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "tags": {"team": 1}})"))),
            "tags.team");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "tags": {"team": null}})"))),
            "tags.team");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "tags": ["x"]})"))), "tags");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(
                J(R"({"name": "a", "protected_aliases": ["ok", "Bad Alias"]})"))),
            "protected_aliases[1]");
  EXPECT_EQ(FieldOf(ModelFromCreateJson(J(R"({"name": "a", "protected_aliases": ["12"]})"))),
            "protected_aliases[0]");
}

TEST(RegistryJsonTest, ModelPatchIsAMerge) {
  store::RegisteredModel m;
  m.name = "a";
  m.owner = "o";
  m.description = "d";
  m.tags = {{"team", "core"}, {"tier", "1"}};
  m.protected_aliases = {"production"};
  ASSERT_TRUE(ApplyModelPatch(J(R"({"owner": "p", "tags": {"tier": null, "new": "x"}})"), m).ok());
  EXPECT_EQ(m.owner, "p");
  EXPECT_EQ(m.description, "d");  // not named: kept
  EXPECT_EQ(m.tags, (std::map<std::string, std::string>{{"team", "core"}, {"new", "x"}}));
  EXPECT_EQ(m.protected_aliases, std::set<std::string>{"production"});
  ASSERT_TRUE(ApplyModelPatch(J(R"({"protected_aliases": []})"), m).ok());
  EXPECT_TRUE(m.protected_aliases.empty());

  EXPECT_EQ(FieldOf(ApplyModelPatch(J(R"({"name": "b"})"), m)), "name");
  EXPECT_EQ(FieldOf(ApplyModelPatch(J(R"({"descripton": "b"})"), m)), "descripton");
  EXPECT_EQ(FieldOf(ApplyModelPatch(J(R"({"owner": null})"), m)), "owner");
  EXPECT_EQ(FieldOf(ApplyModelPatch(J(R"({"tags": {"k": 5}})"), m)), "tags.k");
}

TEST(RegistryJsonTest, VersionCreateDecodesLineageAndLifecycle) {
  auto v = VersionFromCreateJson(J(R"({
      "source": "gpt-4o-2024-08-06", "run_id": "r1", "description": "d",
      "tags": {"k": "v"}, "lifecycle": "deprecated", "retires_at": "2026-06-01T00:00:00Z",
      "replacement": "gpt-4.1", "status": "PENDING_REGISTRATION",
      "lineage": {"base_model": "base@2", "datasets": ["faq@1"], "code_commit": "abc",
                  "hyperparameters": {"epochs": 3}}})"),
                                 "m");
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(v->model, "m");
  EXPECT_EQ(v->source, "gpt-4o-2024-08-06");
  EXPECT_EQ(v->run_id, "r1");
  EXPECT_EQ(v->status, store::VersionStatus::kPendingRegistration);
  EXPECT_EQ(v->lifecycle, store::Lifecycle::kDeprecated);
  EXPECT_EQ(v->retires_at, 1'780'272'000'000);
  EXPECT_EQ(v->replacement, "gpt-4.1");
  EXPECT_EQ(v->lineage.base_model, "base@2");
  EXPECT_EQ(v->lineage.dataset_refs, std::vector<std::string>{"faq@1"});
  EXPECT_EQ(json::parse(v->lineage.hyperparameters_json), J(R"({"epochs": 3})"));

  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"run_id": "r"})"), "m")), "source");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": ""})"), "m")), "source");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "version": 3})"), "m")),
            "version");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "lifecycle": "old"})"), "m")),
            "lifecycle");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "status": "ready"})"), "m")),
            "status");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "retires_at": "soon"})"), "m")),
            "retires_at");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "retires_at": 5})"), "m")),
            "retires_at");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(J(R"({"source": "s", "lineage": {"base": "x"}})"),
                                          "m")),
            "lineage.base");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(
                J(R"({"source": "s", "lineage": {"datasets": ["a", 2]}})"), "m")),
            "lineage.datasets[1]");
  EXPECT_EQ(FieldOf(VersionFromCreateJson(
                J(R"({"source": "s", "lineage": {"hyperparameters": [1]}})"), "m")),
            "lineage.hyperparameters");
}

TEST(RegistryJsonTest, VersionPatchMergesAndKeepsSourceAndLineageFixed) {
  store::ModelVersion v;
  v.source = "s";
  v.run_id = "r";
  v.retires_at = kT;
  v.replacement = "x";
  v.tags = {{"a", "1"}};
  ASSERT_TRUE(ApplyVersionPatch(
                  J(R"({"retires_at": null, "replacement": null, "run_id": null,
                        "lifecycle": "legacy", "tags": {"b": "2"}})"),
                  v)
                  .ok());
  EXPECT_FALSE(v.retires_at.has_value());
  EXPECT_EQ(v.replacement, "");
  EXPECT_FALSE(v.run_id.has_value());
  EXPECT_EQ(v.lifecycle, store::Lifecycle::kLegacy);
  EXPECT_EQ(v.tags, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(FieldOf(ApplyVersionPatch(J(R"({"source": "t"})"), v)), "source");
  EXPECT_EQ(FieldOf(ApplyVersionPatch(J(R"({"lineage": {}})"), v)), "lineage");
  EXPECT_EQ(FieldOf(ApplyVersionPatch(J(R"({"stage": "Production"})"), v)), "stage");
  EXPECT_EQ(FieldOf(ApplyVersionPatch(J(R"({"description": false})"), v)), "description");
}

TEST(RegistryJsonTest, AliasBodies) {
  auto a = AliasAssignmentFromJson(J(R"({"version": 3, "reason": "eval ok"})"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->version, 3);
  EXPECT_EQ(a->reason, "eval ok");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"reason": "x"})"))), "version");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"version": "3"})"))), "version");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"version": 2.5})"))), "version");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"version": 0})"))), "version");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"version": 18446744073709551615})"))),
            "version");
  EXPECT_EQ(FieldOf(AliasAssignmentFromJson(J(R"({"version": 1, "why": "x"})"))), "why");
  EXPECT_EQ(*AliasRemovalReasonFromJson(json(nullptr)), "");
  EXPECT_EQ(*AliasRemovalReasonFromJson(J(R"({"reason": "retired"})")), "retired");
  EXPECT_EQ(FieldOf(AliasRemovalReasonFromJson(J(R"({"reason": 1})"))), "reason");
}

TEST(RegistrySearchTest, ListQueriesCompileFilterAndOrder) {
  ListParams p;
  p.filter = "name LIKE 'support%' AND tags.team = 'core'";
  p.order_by = "updated_at DESC, name";
  p.page = {.offset = 20, .size = 10};
  auto q = ModelListQuery(p);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->filter.params.size(), 3u);  // the pattern, the tag key and its value
  ASSERT_EQ(q->order_by.size(), 2u);
  EXPECT_EQ(q->order_by[0].column, "updated_at");
  EXPECT_TRUE(q->order_by[0].descending);
  EXPECT_EQ(q->offset, 20);
  EXPECT_EQ(q->limit, 10);

  p.filter = "owner = 3";  // a type error, with its position
  EXPECT_EQ(FieldOf(ModelListQuery(p)), "filter");
  p.filter = "colour = 'red'";
  EXPECT_EQ(FieldOf(ModelListQuery(p)), "filter");
  p.filter = "";
  p.order_by = "description";
  EXPECT_EQ(FieldOf(ModelListQuery(p)), "order_by");

  ListParams vp;
  vp.filter = "has(datasets, 'faq@1') AND lifecycle = 'deprecated' AND version >= 2 AND "
              "retires_at < '2027-01-01T00:00:00Z'";
  vp.order_by = "retires_at ASC";
  auto vq = VersionListQuery(vp);
  ASSERT_TRUE(vq) << vq.error().ToString();
  EXPECT_EQ(vq->filter.params.size(), 4u);
  vp.order_by = "owner";
  EXPECT_EQ(FieldOf(VersionListQuery(vp)), "order_by");
}

}  // namespace
}  // namespace ballast::server
