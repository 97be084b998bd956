#include "store/migrations.h"

#include <string>

namespace ballast::store {
namespace {

// All timestamps are epoch milliseconds, UTC (common/clock.h).
constexpr Migration kMigrations[] = {
    {1, "telemetry aggregate: series keys, minute rollups, idempotency keys",
     R"sql(
CREATE TABLE series_keys (
  id          INTEGER PRIMARY KEY,
  service     TEXT NOT NULL,
  variant     TEXT NOT NULL,
  model       TEXT NOT NULL,
  prompt      TEXT NOT NULL,
  -- first and last minute with data; NULL until the key's first rollup is written
  first_seen  INTEGER,
  last_seen   INTEGER,
  UNIQUE (service, variant, model, prompt)
);

CREATE TABLE rollups (
  key_id                INTEGER NOT NULL REFERENCES series_keys (id),
  minute                INTEGER NOT NULL,
  requests              INTEGER NOT NULL,
  outcome_ok            INTEGER NOT NULL,
  outcome_error         INTEGER NOT NULL,
  outcome_timeout       INTEGER NOT NULL,
  outcome_rate_limited  INTEGER NOT NULL,
  outcome_filtered      INTEGER NOT NULL,
  outcome_cancelled     INTEGER NOT NULL,
  input_tokens          INTEGER NOT NULL,
  output_tokens         INTEGER NOT NULL,
  cost_usd              REAL NOT NULL,
  latency_sketch        BLOB NOT NULL,  -- telemetry::DDSketch::Serialize()
  ttft_sketch           BLOB NOT NULL,
  PRIMARY KEY (key_id, minute)
) WITHOUT ROWID;
-- Retention deletes by minute across all keys.
CREATE INDEX rollups_by_minute ON rollups (minute);

CREATE TABLE idempotency_keys (
  key            TEXT PRIMARY KEY,
  body_hash      TEXT NOT NULL,
  response_json  TEXT NOT NULL,
  created_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_created_at ON idempotency_keys (created_at);
)sql"},
    {2, "API tokens",
     R"sql(
CREATE TABLE tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('viewer', 'ingest', 'operator', 'admin')),
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  created_by   TEXT NOT NULL,
  revoked_at   INTEGER
);
)sql"},
    {3, "applied objects with history; SLO evaluator series, count deltas and state",
     R"sql(
CREATE TABLE objects (
  kind          TEXT NOT NULL,
  name          TEXT NOT NULL,
  api_version   TEXT NOT NULL,
  content_json  TEXT NOT NULL,  -- canonical JSON (slo::CanonicalJson)
  content_hash  TEXT NOT NULL,
  etag          TEXT NOT NULL,
  generation    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  applied_at    INTEGER NOT NULL,
  applied_by    TEXT NOT NULL,
  PRIMARY KEY (kind, name)
) WITHOUT ROWID;

CREATE TABLE object_history (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  name          TEXT NOT NULL,
  action        TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
  content_hash  TEXT NOT NULL,
  at            INTEGER NOT NULL,
  by            TEXT NOT NULL
);
CREATE INDEX object_history_by_object ON object_history (kind, name, id);

CREATE TABLE slo_series (
  id          INTEGER PRIMARY KEY,
  series_key  TEXT NOT NULL UNIQUE,
  slo         TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  snapshot    BLOB NOT NULL DEFAULT x''
);
CREATE INDEX slo_series_by_slo ON slo_series (slo);

-- Append-only: a snapshot folds a prefix of it into slo_series.snapshot and deletes it.
CREATE TABLE slo_deltas (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  series_id  INTEGER NOT NULL,
  minute     INTEGER NOT NULL,
  good       INTEGER NOT NULL,
  total      INTEGER NOT NULL,
  sketch     BLOB NOT NULL DEFAULT x''
);

CREATE TABLE slo_state (
  name   TEXT PRIMARY KEY,
  value  BLOB NOT NULL
) WITHOUT ROWID;
)sql"},
    {4, "model registry: models, versions, tags, aliases with history, lineage inputs",
     R"sql(
-- A deleted model keeps its row (deleted_at) and frees its name for a new model (new id).
CREATE TABLE registered_models (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL,
  owner         TEXT NOT NULL,
  provider      TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  generation    INTEGER NOT NULL,  -- +1 per update; the etag derives from (id, generation)
  -- highest version number ever assigned; never decreases, so numbers are never reused
  last_version  INTEGER NOT NULL DEFAULT 0,
  deleted_at    INTEGER
);
CREATE UNIQUE INDEX registered_models_live_name ON registered_models (name)
  WHERE deleted_at IS NULL;

CREATE TABLE model_tags (
  model_id  INTEGER NOT NULL REFERENCES registered_models (id),
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;
CREATE INDEX model_tags_by_key ON model_tags (key, value);

CREATE TABLE model_protected_aliases (
  model_id  INTEGER NOT NULL REFERENCES registered_models (id),
  alias     TEXT NOT NULL,
  PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;

CREATE TABLE model_versions (
  id             INTEGER PRIMARY KEY,
  model_id       INTEGER NOT NULL REFERENCES registered_models (id),
  version        INTEGER NOT NULL,
  source         TEXT NOT NULL,
  run_id         TEXT,
  status         TEXT NOT NULL CHECK (status IN
                   ('PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION')),
  stage          TEXT NOT NULL CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
  description    TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  created_by     TEXT NOT NULL,
  updated_at     INTEGER NOT NULL,
  generation     INTEGER NOT NULL,  -- as registered_models.generation
  lifecycle      TEXT NOT NULL CHECK (lifecycle IN ('active', 'legacy', 'deprecated', 'retired')),
  deprecated_at  INTEGER,
  retires_at     INTEGER,
  replacement    TEXT NOT NULL,
  base_model     TEXT NOT NULL,
  code_commit    TEXT NOT NULL,
  hyperparameters_json  TEXT NOT NULL,
  deleted_at     INTEGER,
  UNIQUE (model_id, version)
);
CREATE INDEX model_versions_by_retires_at ON model_versions (retires_at)
  WHERE retires_at IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE model_version_tags (
  version_id  INTEGER NOT NULL REFERENCES model_versions (id),
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  PRIMARY KEY (version_id, key)
) WITHOUT ROWID;

CREATE TABLE model_version_datasets (
  version_id  INTEGER NOT NULL REFERENCES model_versions (id),
  position    INTEGER NOT NULL,
  ref         TEXT NOT NULL,
  PRIMARY KEY (version_id, position)
) WITHOUT ROWID;
CREATE INDEX model_version_datasets_by_ref ON model_version_datasets (ref);

-- Current alias targets; resolving name@alias is one lookup on the primary key.
CREATE TABLE model_aliases (
  model_id  INTEGER NOT NULL REFERENCES registered_models (id),
  alias     TEXT NOT NULL,
  version   INTEGER NOT NULL,
  PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;
CREATE INDEX model_aliases_by_version ON model_aliases (model_id, version);

-- Append-only audit of alias moves; NULL from/to = created/removed.
CREATE TABLE model_alias_history (
  id            INTEGER PRIMARY KEY,
  model_id      INTEGER NOT NULL REFERENCES registered_models (id),
  alias         TEXT NOT NULL,
  from_version  INTEGER,
  to_version    INTEGER,
  at            INTEGER NOT NULL,
  by            TEXT NOT NULL,
  reason        TEXT NOT NULL
);
CREATE INDEX model_alias_history_by_alias ON model_alias_history (model_id, alias, id);
)sql"},
    {5, "prompt registry: prompts, versions by content hash, labels with history",
     R"sql(
-- One row per name, ever: deleting a prompt is soft and pushing the name again revives the row,
-- so its version counter (last_version) never restarts and "name@3" never names two contents.
CREATE TABLE prompts (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  description   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  generation    INTEGER NOT NULL,
  last_version  INTEGER NOT NULL DEFAULT 0,
  deleted_at    INTEGER
);

-- Immutable once written; spec_json is canonical JSON and content_hash its SHA-256 hex.
CREATE TABLE prompt_versions (
  id                     INTEGER PRIMARY KEY,
  prompt_id              INTEGER NOT NULL REFERENCES prompts (id),
  version                INTEGER NOT NULL,
  spec_json              TEXT NOT NULL,
  template_kind          TEXT NOT NULL CHECK (template_kind IN ('text', 'chat')),
  model                  TEXT NOT NULL,
  model_parameters_json  TEXT NOT NULL,
  message                TEXT NOT NULL,
  content_hash           TEXT NOT NULL,
  created_at             INTEGER NOT NULL,
  created_by             TEXT NOT NULL,
  deleted_at             INTEGER,
  UNIQUE (prompt_id, version)
);
CREATE INDEX prompt_versions_by_hash ON prompt_versions (content_hash);

CREATE TABLE prompt_version_variables (
  version_id  INTEGER NOT NULL REFERENCES prompt_versions (id),
  name        TEXT NOT NULL,
  PRIMARY KEY (version_id, name)
) WITHOUT ROWID;

-- Current label targets, `latest` included (kept by the store).
CREATE TABLE prompt_labels (
  prompt_id  INTEGER NOT NULL REFERENCES prompts (id),
  label      TEXT NOT NULL,
  version    INTEGER NOT NULL,
  PRIMARY KEY (prompt_id, label)
) WITHOUT ROWID;
CREATE INDEX prompt_labels_by_version ON prompt_labels (prompt_id, version);

-- Append-only audit of label moves; NULL from/to = created/removed.
CREATE TABLE prompt_label_history (
  id            INTEGER PRIMARY KEY,
  prompt_id     INTEGER NOT NULL REFERENCES prompts (id),
  label         TEXT NOT NULL,
  from_version  INTEGER,
  to_version    INTEGER,
  at            INTEGER NOT NULL,
  by            TEXT NOT NULL,
  reason        TEXT NOT NULL
);
CREATE INDEX prompt_label_history_by_label ON prompt_label_history (prompt_id, label, id);
)sql"},
    {6, "eval datasets with versions and cases, eval runs with case results, lineage edges",
     R"sql(
-- A dataset's name is unique among live datasets; a deleted one frees it.
CREATE TABLE datasets (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  description   TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  generation    INTEGER NOT NULL,  -- bumped by every change; the etag is derived from it
  last_version  INTEGER NOT NULL,  -- highest version number assigned; only goes up
  deleted_at    INTEGER
);
CREATE UNIQUE INDEX datasets_live_name ON datasets (name) WHERE deleted_at IS NULL;

CREATE TABLE dataset_tags (
  dataset_id  INTEGER NOT NULL REFERENCES datasets (id),
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  PRIMARY KEY (dataset_id, key)
) WITHOUT ROWID;

-- Immutable once written.
CREATE TABLE dataset_versions (
  id            INTEGER PRIMARY KEY,
  dataset_id    INTEGER NOT NULL REFERENCES datasets (id),
  version       INTEGER NOT NULL,
  description   TEXT NOT NULL,
  content_hash  TEXT NOT NULL,  -- SHA-256 hex of the canonical case lines joined by '\n'
  case_count    INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  UNIQUE (dataset_id, version)
);

CREATE TABLE dataset_cases (
  version_id  INTEGER NOT NULL REFERENCES dataset_versions (id),
  position    INTEGER NOT NULL,  -- 1-based, dense
  case_json   TEXT NOT NULL,     -- canonical JSON: {"expected", "metadata", "vars"}
  PRIMARY KEY (version_id, position)
) WITHOUT ROWID;

-- The model version is pinned (model id + number) when the run is created.
CREATE TABLE eval_runs (
  id                  INTEGER PRIMARY KEY,
  model_id            INTEGER NOT NULL REFERENCES registered_models (id),
  model_version       INTEGER NOT NULL,
  model_ref           TEXT NOT NULL,
  prompt_ref          TEXT NOT NULL,  -- '' = none
  prompt              TEXT NOT NULL,  -- prompt name, '' = none
  prompt_version      INTEGER,        -- NULL when the ref could not be pinned
  dataset_version_id  INTEGER NOT NULL REFERENCES dataset_versions (id),
  description         TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  metrics_json        TEXT NOT NULL,  -- {"name": number}
  passed              INTEGER NOT NULL,
  failed              INTEGER NOT NULL,
  started_at          INTEGER,
  finished_at         INTEGER,
  created_at          INTEGER NOT NULL,
  created_by          TEXT NOT NULL
);
CREATE INDEX eval_runs_by_model ON eval_runs (model_id, model_version, id);
CREATE INDEX eval_runs_by_dataset ON eval_runs (dataset_version_id, id);
CREATE INDEX eval_runs_by_prompt ON eval_runs (prompt, prompt_version, id);

CREATE TABLE eval_case_results (
  run_id      INTEGER NOT NULL REFERENCES eval_runs (id),
  case_index  INTEGER NOT NULL,  -- position in the dataset version
  pass        INTEGER NOT NULL,
  score       REAL,
  output      TEXT NOT NULL,
  PRIMARY KEY (run_id, case_index)
) WITHOUT ROWID;

-- Explicit lineage edges ("TYPE:KEY" ends); derived edges are read from the registry tables.
CREATE TABLE lineage_edges (
  id          INTEGER PRIMARY KEY,
  from_node   TEXT NOT NULL,
  to_node     TEXT NOT NULL,
  type        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  UNIQUE (from_node, to_node, type)
);
CREATE INDEX lineage_edges_by_to ON lineage_edges (to_node);

-- Downward lineage walks look versions up by what they were built on.
CREATE INDEX model_versions_by_base_model ON model_versions (base_model) WHERE base_model != '';
CREATE INDEX model_versions_by_code_commit ON model_versions (code_commit)
  WHERE code_commit != '';
)sql"},
    {7, "model cards (one per model version) and the lifecycle alert state",
     R"sql(
-- The card of a model version, as the JSON of registry::ModelCard; keyed by the version's row,
-- so a deleted version's card is unreachable and a re-created model starts without cards.
CREATE TABLE model_cards (
  version_id  INTEGER PRIMARY KEY REFERENCES model_versions (id),
  card_json   TEXT NOT NULL,
  generation  INTEGER NOT NULL,  -- +1 per update; the etag derives from (version_id, generation)
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT NOT NULL
);

-- One row: the LifecycleAlerts state (registry/lifecycle_alerts.h), saved on every change.
CREATE TABLE lifecycle_alert_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  state     TEXT NOT NULL,
  saved_at  INTEGER NOT NULL
);
)sql"},
};

Status EnsureMigrationsTable(Connection& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
}

}  // namespace

std::span<const Migration> SchemaMigrations() { return kMigrations; }

Result<int> CurrentSchemaVersion(Connection& db) {
  BALLAST_RETURN_IF_ERROR(EnsureMigrationsTable(db));
  BALLAST_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Internal("schema_migrations: MAX(version) returned no row");
  return static_cast<int>(st.ColumnInt(0));
}

Result<int> ApplyMigrations(Connection& db, std::span<const Migration> migrations,
                            const Clock& clock) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Status::FailedPrecondition("migration at position " + std::to_string(i) +
                                        " has version " + std::to_string(migrations[i].version) +
                                        ", expected " + std::to_string(i + 1));
    }
  }
  const int known = static_cast<int>(migrations.size());
  BALLAST_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(db));
  if (current > known) {
    return Status::FailedPrecondition(
        "database schema version " + std::to_string(current) +
        " is newer than this binary supports (" + std::to_string(known) +
        "); run a newer ballast or point it at another data directory");
  }
  for (int v = current + 1; v <= known; ++v) {
    const Migration& m = migrations[v - 1];
    std::string context =
        "migration " + std::to_string(v) + " (" + std::string(m.description) + ")";
    BALLAST_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    Status st = db.Exec(m.sql);
    if (!st.ok()) return st.WithContext(context);
    BALLAST_ASSIGN_OR_RETURN(
        Statement record,
        db.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
    BALLAST_RETURN_IF_ERROR(record.BindAll(v, clock.NowMillis()));
    st = record.Run();
    if (!st.ok()) return st.WithContext(context);
    st = tx.Commit();
    if (!st.ok()) return st.WithContext(context);
  }
  return known;
}

}  // namespace ballast::store
