#include "store/sqlite_model_card_store.h"

#include <memory>
#include <utility>

#include "common/sha256.h"
#include "store/sqlite.h"

namespace ballast::store {
namespace {

constexpr size_t kMaxCardBytes = 1 << 20;

std::string CardEtag(int64_t version_row, int64_t generation) {
  return Sha256Hex("card:" + std::to_string(version_row) + ":" + std::to_string(generation))
      .substr(0, 16);
}

std::string Ref(std::string_view model, int64_t version) {
  return std::string(model) + "@" + std::to_string(version);
}

// The row id of live version `version` of live model `model`; NOT_FOUND names which is missing.
Result<int64_t> VersionRowId(Connection& db, std::string_view model, int64_t version) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("SELECT v.id FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
                 "WHERE m.name = ? AND m.deleted_at IS NULL AND v.version = ? "
                 "AND v.deleted_at IS NULL"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(model, version));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row) return st.ColumnInt(0);
  BALLAST_ASSIGN_OR_RETURN(
      Statement m, db.Prepare("SELECT 1 FROM registered_models WHERE name = ? AND deleted_at IS NULL"));
  BALLAST_RETURN_IF_ERROR(m.BindAll(model));
  BALLAST_ASSIGN_OR_RETURN(bool exists, m.Step());
  if (!exists) {
    return Status::NotFound("registered model '" + std::string(model) + "' does not exist");
  }
  return Status::NotFound("model version '" + Ref(model, version) + "' does not exist");
}

// The card of version row `row`, or nullopt.
Result<std::optional<StoredModelCard>> LoadCard(Connection& db, int64_t row,
                                                std::string_view model, int64_t version) {
  BALLAST_ASSIGN_OR_RETURN(
      Statement st, db.Prepare("SELECT card_json, generation, created_at, updated_at, updated_by "
                               "FROM model_cards WHERE version_id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(row));
  BALLAST_ASSIGN_OR_RETURN(bool found, st.Step());
  if (!found) return std::optional<StoredModelCard>();
  StoredModelCard c;
  c.model = std::string(model);
  c.version = version;
  c.card_json = st.ColumnText(0);
  c.etag = CardEtag(row, st.ColumnInt(1));
  c.created_at = st.ColumnInt(2);
  c.updated_at = st.ColumnInt(3);
  c.updated_by = st.ColumnText(4);
  return std::optional<StoredModelCard>(std::move(c));
}

}  // namespace

Result<StoredModelCard> SqliteModelCardStore::GetCard(std::string_view model, int64_t version) {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_RETURN_IF_ERROR(db->Exec("BEGIN"));
  Result<std::optional<StoredModelCard>> card = [&]() -> Result<std::optional<StoredModelCard>> {
    BALLAST_ASSIGN_OR_RETURN(int64_t row, VersionRowId(*db, model, version));
    return LoadCard(*db, row, model, version);
  }();
  Status end = db->Exec("COMMIT");
  if (!card) return card.error();
  if (!end.ok()) return end;
  if (!card->has_value()) {
    return Status::NotFound("model version '" + Ref(model, version) + "' has no model card");
  }
  return std::move(**card);
}

Result<StoredModelCard> SqliteModelCardStore::PutCard(std::string_view model, int64_t version,
                                                      std::string card_json,
                                                      std::string_view expected_etag,
                                                      const Actor& actor) {
  if (card_json.empty()) return Status::InvalidArgument("the card is empty", "card");
  if (card_json.size() > kMaxCardBytes) {
    return Status::InvalidArgument("the card is larger than 1 MiB", "card");
  }
  auto out = std::make_shared<StoredModelCard>();
  Status st = writer_.SubmitAndWait([m = std::string(model), version, json = std::move(card_json),
                                     etag = std::string(expected_etag), actor,
                                     out](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(int64_t row, VersionRowId(db, m, version));
    BALLAST_ASSIGN_OR_RETURN(std::optional<StoredModelCard> current, LoadCard(db, row, m, version));
    if (!etag.empty()) {
      if (!current) {
        return Status::FailedPrecondition("model version '" + Ref(m, version) +
                                          "' has no model card yet; If-Match cannot hold");
      }
      if (current->etag != etag) {
        return Status::FailedPrecondition("the model card of '" + Ref(m, version) +
                                          "' changed (etag " + current->etag + ", not " + etag +
                                          ")");
      }
    }
    BALLAST_ASSIGN_OR_RETURN(
        Statement up,
        db.Prepare("INSERT INTO model_cards (version_id, card_json, generation, created_at, "
                   "updated_at, updated_by) VALUES (?, ?, 1, ?, ?, ?) "
                   "ON CONFLICT (version_id) DO UPDATE SET card_json = excluded.card_json, "
                   "generation = generation + 1, updated_at = excluded.updated_at, "
                   "updated_by = excluded.updated_by"));
    BALLAST_RETURN_IF_ERROR(up.BindAll(row, json, actor.at, actor.at, actor.by));
    BALLAST_RETURN_IF_ERROR(up.Run());
    BALLAST_ASSIGN_OR_RETURN(std::optional<StoredModelCard> after, LoadCard(db, row, m, version));
    if (!after) return Status::Internal("model card vanished after writing it");
    *out = std::move(*after);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return std::move(*out);
}

Result<std::optional<std::string>> SqliteModelCardStore::LoadLifecycleAlertState() {
  BALLAST_ASSIGN_OR_RETURN(ReaderPool::Lease db, readers_.Acquire());
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db->Prepare("SELECT state FROM lifecycle_alert_state WHERE id = 1"));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.ColumnText(0));
}

Status SqliteModelCardStore::SaveLifecycleAlertState(std::string state, EpochMillis at) {
  return writer_.SubmitAndWait([state = std::move(state), at](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st, db.Prepare("INSERT INTO lifecycle_alert_state (id, state, saved_at) "
                                 "VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                                 "state = excluded.state, saved_at = excluded.saved_at"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(state, at));
    return st.Run();
  });
}

}  // namespace ballast::store
