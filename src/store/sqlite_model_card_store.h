// SqliteModelCardStore: ModelCardStore over SQLite (internal; callers get it through
// Store::ModelCards()). Tables model_cards (one row per model_versions row) and
// lifecycle_alert_state (one row) of the "model cards" migration. Writes run on the writer, so
// the etag check and the update commit together; reads use the pool.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include "store/model_card_store.h"
#include "store/reader_pool.h"
#include "store/writer.h"

namespace ballast::store {

class SqliteModelCardStore final : public ModelCardStore {
 public:
  SqliteModelCardStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<StoredModelCard> GetCard(std::string_view model, int64_t version) override;
  Result<StoredModelCard> PutCard(std::string_view model, int64_t version, std::string card_json,
                                  std::string_view expected_etag, const Actor& actor) override;
  Result<std::optional<std::string>> LoadLifecycleAlertState() override;
  Status SaveLifecycleAlertState(std::string state, EpochMillis at) override;

 private:
  Writer& writer_;
  ReaderPool& readers_;
};

}  // namespace ballast::store
