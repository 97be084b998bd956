// SqliteRegistryStore: RegistryStore over SQLite (internal; callers get it through
// Store::Registry()). Tables are those of migration 4. Every write runs as one closure on the
// writer (so the etag check, the version counter and the alias history commit together or not
// at all, and concurrent writers are serialized); reads use the pool inside one read transaction
// so a model and its tags and aliases come from the same snapshot. What a `name@ref` resolves to
// is cached in memory (store/ref_cache.h) and dropped by any write of this store, so resolving an
// alias on a request path costs a hash lookup, not six statements.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include <functional>

#include "store/reader_pool.h"
#include "store/ref_cache.h"
#include "store/registry_store.h"
#include "store/writer.h"

namespace ballast::store {

class SqliteRegistryStore final : public RegistryStore {
 public:
  SqliteRegistryStore(Writer& writer, ReaderPool& readers) : writer_(writer), readers_(readers) {}

  Result<RegisteredModel> CreateModel(const RegisteredModel& model, const Actor& actor) override;
  Result<RegisteredModel> GetModel(std::string_view name) override;
  Result<RegisteredModel> UpdateModel(std::string_view name, const RegisteredModel& desired,
                                      std::string_view expected_etag, const Actor& actor) override;
  Result<RegisteredModel> RenameModel(std::string_view name, std::string_view new_name,
                                      const Actor& actor) override;
  Status DeleteModel(std::string_view name, std::string_view expected_etag,
                     const Actor& actor) override;
  Result<Page<RegisteredModel>> ListModels(const ListQuery& query) override;
  Result<RegisteredModel> SetModelTag(std::string_view name, std::string_view key,
                                      std::string_view value, const Actor& actor) override;
  Result<RegisteredModel> DeleteModelTag(std::string_view name, std::string_view key,
                                         const Actor& actor) override;

  Result<ModelVersion> CreateVersion(const ModelVersion& version, const Actor& actor) override;
  Result<ModelVersion> GetVersion(std::string_view model, int64_t version) override;
  Result<ModelVersion> GetVersionByRef(std::string_view model, std::string_view ref) override;
  Result<ModelVersion> UpdateVersion(std::string_view model, int64_t version,
                                     const ModelVersion& desired, std::string_view expected_etag,
                                     const Actor& actor) override;
  Status DeleteVersion(std::string_view model, int64_t version, std::string_view expected_etag,
                       const Actor& actor) override;
  Result<Page<ModelVersion>> ListVersions(std::string_view model, const ListQuery& query) override;
  Result<ModelVersion> SetVersionTag(std::string_view model, int64_t version, std::string_view key,
                                     std::string_view value, const Actor& actor) override;
  Result<ModelVersion> DeleteVersionTag(std::string_view model, int64_t version,
                                        std::string_view key, const Actor& actor) override;
  Result<ModelVersion> TransitionStage(std::string_view model, int64_t version, Stage stage,
                                       bool archive_existing, const Actor& actor) override;
  Result<std::vector<ModelVersion>> LatestVersions(std::string_view model,
                                                   const std::vector<Stage>& stages) override;

  Result<AliasMove> SetAlias(std::string_view model, std::string_view alias, int64_t version,
                             std::string_view reason, const Actor& actor) override;
  Result<AliasMove> DeleteAlias(std::string_view model, std::string_view alias,
                                std::string_view reason, const Actor& actor) override;
  Result<std::vector<AliasMove>> AliasHistory(std::string_view model,
                                              std::string_view alias) override;
  Result<ModelVersion> ResolveRef(std::string_view ref) override;
  Result<std::vector<ModelVersion>> Retiring(int64_t within_ms, EpochMillis now) override;

 private:
  // Runs `op` on the writer as one write of this store (so the resolve cache drops what it
  // held) and returns its value once the group committed.
  // (Defined in sqlite_registry_store.cc, its only user.)
  template <typename T>
  Result<T> Write(std::function<Result<T>(Connection&)> op);

  Writer& writer_;
  ReaderPool& readers_;
  RefCache<ModelVersion> resolved_;  // "model\0ref" -> the version it resolved to
};

}  // namespace ballast::store
