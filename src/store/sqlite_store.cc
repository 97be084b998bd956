#include "store/sqlite_store.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <utility>

#include "store/migrations.h"
#include "store/reader_pool.h"
#include "store/sqlite.h"
#include "store/sqlite_eval_store.h"
#include "store/sqlite_lineage_store.h"
#include "store/sqlite_model_card_store.h"
#include "store/sqlite_prompt_store.h"
#include "store/sqlite_registry_store.h"
#include "store/sqlite_slo_store.h"
#include "store/sqlite_telemetry_store.h"
#include "store/sqlite_token_store.h"
#include "store/writer.h"

namespace ballast::store {
namespace {

class SqliteStore final : public Store {
 public:
  SqliteStore(Connection write_db, std::unique_ptr<ReaderPool> readers, int schema_version,
              const StoreOptions& options, const SqliteStoreTuning& tuning)
      : readers_(std::move(readers)),
        writer_(std::move(write_db), WriterOptions{options.writer_queue_capacity,
                                                   options.max_group_size, options.observer}),
        telemetry_(writer_, *readers_, *options.clock, tuning.rollup_cache_rows),
        tokens_(writer_, *readers_),
        slos_(writer_, *readers_),
        registry_(writer_, *readers_),
        prompts_(writer_, *readers_),
        evals_(writer_, *readers_, registry_,
               [this](std::string_view ref) -> Result<std::pair<std::string, int64_t>> {
                 BALLAST_ASSIGN_OR_RETURN(PromptVersion v, prompts_.ResolveRef(ref));
                 return std::pair<std::string, int64_t>{v.name, v.version};
               }),
        lineage_(writer_, *readers_, &prompts_),
        model_cards_(writer_, *readers_),
        schema_version_(schema_version) {
    writer_.AddParticipant(&telemetry_);
    writer_.Start();
  }
  ~SqliteStore() override { Close(); }

  TelemetryStore& Telemetry() override { return telemetry_; }
  TokenStore& Tokens() override { return tokens_; }
  SloStore& Slos() override { return slos_; }
  RegistryStore& Registry() override { return registry_; }
  PromptStore& Prompts() override { return prompts_; }
  EvalStore& Evals() override { return evals_; }
  LineageStore& Lineage() override { return lineage_; }
  ModelCardStore& ModelCards() override { return model_cards_; }
  Status Ready() override {
    std::lock_guard lock(mu_);
    if (closed_) return Status::Unavailable("the store is closed");
    return Status::Ok();
  }
  int64_t WriterQueueDepth() const override { return writer_.QueueDepth(); }
  int SchemaVersion() const override { return schema_version_; }

  void Close() override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    writer_.Close();    // drains and commits everything accepted
    readers_->Close();  // waits for reads in progress
  }

 private:
  std::unique_ptr<ReaderPool> readers_;
  Writer writer_;
  SqliteTelemetryStore telemetry_;
  SqliteTokenStore tokens_;
  SqliteSloStore slos_;
  SqliteRegistryStore registry_;
  SqlitePromptStore prompts_;
  SqliteEvalStore evals_;
  SqliteLineageStore lineage_;
  SqliteModelCardStore model_cards_;
  const int schema_version_;
  std::mutex mu_;
  bool closed_ = false;  // guarded by mu_
};

Status ValidateOptions(const StoreOptions& o) {
  if (o.data_dir.empty()) return Status::InvalidArgument("data directory is empty", "data_dir");
  if (o.writer_queue_capacity < 1) {
    return Status::InvalidArgument("must be at least 1", "writer_queue_capacity");
  }
  if (o.max_group_size < 1) return Status::InvalidArgument("must be at least 1", "max_group_size");
  if (o.read_connections < 1) {
    return Status::InvalidArgument("must be at least 1", "read_connections");
  }
  if (o.clock == nullptr) return Status::InvalidArgument("clock is null", "clock");
  return Status::Ok();
}

}  // namespace

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "ballast.db").string();
}

Result<std::unique_ptr<Store>> OpenSqliteStoreTuned(const StoreOptions& options,
                                                    const SqliteStoreTuning& tuning) {
  BALLAST_RETURN_IF_ERROR(ValidateOptions(options));
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::Internal("creating data directory '" + options.data_dir + "': " + ec.message());
  }
  const std::string path = DatabasePath(options.data_dir);
  ConnectionOptions conn;
  conn.durable = options.durable;
  BALLAST_ASSIGN_OR_RETURN(Connection db, Connection::Open(path, conn));
  Result<int> version = ApplyMigrations(db, SchemaMigrations(), *options.clock);
  if (!version) return version.error().WithContext(path);
  BALLAST_ASSIGN_OR_RETURN(std::unique_ptr<ReaderPool> readers,
                           ReaderPool::Open(path, options.read_connections));
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(db), std::move(readers), *version, options, tuning));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const StoreOptions& options) {
  return OpenSqliteStoreTuned(options, SqliteStoreTuning{});
}

}  // namespace ballast::store
