// ModelCardStore: the model card of each live model version (issue 4, "Models"), stored as the
// JSON of registry::ModelCard with an etag and who changed it last, plus the lifecycle alert
// state (server/lifecycle_alerting.h), saved whenever an alert changes so that a restart never
// notifies a threshold twice.
//
//   Actor bob{.by = "token:bob", .at = clock.NowMillis()};
//   BALLAST_ASSIGN_OR_RETURN(StoredModelCard c, cards.PutCard("support-bot", 3, json, "", bob));
//   BALLAST_ASSIGN_OR_RETURN(StoredModelCard again, cards.GetCard("support-bot", 3));
//
// Rules the store enforces:
//   - A card belongs to one version row: deleting the version (or its model) makes the card
//     unreachable, and a model re-created under the same name starts without cards.
//   - PutCard with a non-empty `expected_etag` replaces the card only while its etag still
//     equals it; a stale etag, or an etag for a version that has no card yet, is
//     FAILED_PRECONDITION and changes nothing. "" writes unconditionally.
//   - The store keeps the JSON as given; the caller validates it (registry/model_card.h).
//
// Error codes: NOT_FOUND (model, version or card), FAILED_PRECONDITION (stale etag),
// INVALID_ARGUMENT (card JSON empty or over 1 MiB).
//
// Thread safety: every method from any thread except the writer thread; writes are durable when
// they return.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "store/registry_store.h"

namespace ballast::store {

struct StoredModelCard {
  std::string model;
  int64_t version = 0;
  std::string card_json;
  std::string etag;
  EpochMillis created_at = 0;
  EpochMillis updated_at = 0;
  std::string updated_by;
};

class ModelCardStore {
 public:
  virtual ~ModelCardStore() = default;

  // The card of version `version` of the live model `model`. NOT_FOUND names what is missing:
  // the model, the version, or the card.
  virtual Result<StoredModelCard> GetCard(std::string_view model, int64_t version) = 0;
  // Creates or replaces the card (see the etag rule above).
  virtual Result<StoredModelCard> PutCard(std::string_view model, int64_t version,
                                          std::string card_json, std::string_view expected_etag,
                                          const Actor& actor) = 0;

  // The lifecycle alert state document; nullopt before the first save.
  virtual Result<std::optional<std::string>> LoadLifecycleAlertState() = 0;
  virtual Status SaveLifecycleAlertState(std::string state, EpochMillis at) = 0;
};

}  // namespace ballast::store
