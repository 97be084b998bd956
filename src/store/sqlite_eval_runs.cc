// SqliteEvalStore, eval runs: creation (refs resolved and pinned), reads and the per-model-version
// query the model card uses.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <variant>

#include "store/eval_rows.h"
#include "store/registry_rows.h"
#include "store/sqlite_eval_store.h"

namespace ballast::store {

using eval_rows::DatasetVersionRow;
using eval_rows::LoadDatasetVersion;
using eval_rows::NameRef;
using eval_rows::SplitRef;
using registry_rows::CheckLength;
using registry_rows::EachRow;
using registry_rows::ParseVersionNumber;
using registry_rows::ReadSnapshot;
using registry_rows::WriteAndWait;

namespace {

constexpr const char* kRunSelect =
    "SELECT r.id, m.name, r.model_version, r.model_ref, r.prompt_ref, r.prompt, "
    "r.prompt_version, d.name, dv.version, r.description, r.status, r.metrics_json, r.passed, "
    "r.failed, r.started_at, r.finished_at, r.created_at, r.created_by FROM eval_runs r "
    "JOIN registered_models m ON m.id = r.model_id "
    "JOIN dataset_versions dv ON dv.id = r.dataset_version_id "
    "JOIN datasets d ON d.id = dv.dataset_id ";

EvalRun RunFromRow(const Statement& st) {
  EvalRun r;
  r.id = st.ColumnInt(0);
  r.model = st.ColumnText(1);
  r.model_version = st.ColumnInt(2);
  r.model_ref = st.ColumnText(3);
  r.prompt_ref = st.ColumnText(4);
  r.prompt = st.ColumnText(5);
  r.prompt_version = st.ColumnOptionalInt(6);
  r.dataset = st.ColumnText(7);
  r.dataset_version = st.ColumnInt(8);
  r.description = st.ColumnText(9);
  r.status = ParseEvalStatus(st.ColumnText(10)).value_or(EvalStatus::kCompleted);
  nlohmann::json metrics = nlohmann::json::parse(st.ColumnText(11), nullptr, false);
  if (metrics.is_object()) {
    for (const auto& [k, v] : metrics.items()) {
      if (v.is_number()) r.metrics[k] = v.get<double>();
    }
  }
  r.passed = st.ColumnInt(12);
  r.failed = st.ColumnInt(13);
  r.started_at = st.ColumnOptionalInt(14);
  r.finished_at = st.ColumnOptionalInt(15);
  r.created_at = st.ColumnInt(16);
  r.created_by = st.ColumnText(17);
  return r;
}

Result<EvalRun> LoadRun(Connection& db, int64_t id, bool with_results) {
  BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kRunSelect) + "WHERE r.id = ?"));
  BALLAST_RETURN_IF_ERROR(st.BindAll(id));
  BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("eval run " + std::to_string(id) + " does not exist");
  EvalRun run = RunFromRow(st);
  if (!with_results) return run;
  BALLAST_ASSIGN_OR_RETURN(
      Statement res, db.Prepare("SELECT case_index, pass, score, output FROM eval_case_results "
                                "WHERE run_id = ? ORDER BY case_index"));
  BALLAST_RETURN_IF_ERROR(res.BindAll(id));
  BALLAST_RETURN_IF_ERROR(EachRow(res, [&] {
    EvalCaseResult c;
    c.case_index = res.ColumnInt(0);
    c.pass = res.ColumnInt(1) != 0;
    if (!res.ColumnIsNull(2)) c.score = res.ColumnDouble(2);
    c.output = res.ColumnText(3);
    run.results.push_back(std::move(c));
  }));
  return run;
}

Status CheckRunInput(const EvalRunInput& in) {
  BALLAST_RETURN_IF_ERROR(CheckLength("model", in.model_ref, 1, 512));
  BALLAST_RETURN_IF_ERROR(CheckLength("dataset", in.dataset_ref, 1, 512));
  BALLAST_RETURN_IF_ERROR(CheckLength("prompt", in.prompt_ref, 0, 512));
  BALLAST_RETURN_IF_ERROR(CheckLength("description", in.description, 0, 16384));
  if (in.metrics.size() > kMaxEvalMetrics) {
    return Status::InvalidArgument(
        "more than " + std::to_string(kMaxEvalMetrics) + " metrics", "metrics");
  }
  for (const auto& [name, value] : in.metrics) {
    BALLAST_RETURN_IF_ERROR(CheckLength("metrics.name", name, 1, 128));
    if (!std::isfinite(value)) {
      return Status::InvalidArgument("metric '" + name + "' is not a finite number",
                                     "metrics." + name);
    }
  }
  if (static_cast<int64_t>(in.results.size()) > kMaxDatasetCases) {
    return Status::InvalidArgument("more results than a dataset version may have cases",
                                   "results");
  }
  std::set<int64_t> seen;
  for (size_t i = 0; i < in.results.size(); ++i) {
    const EvalCaseResult& c = in.results[i];
    const std::string field = "results[" + std::to_string(i) + "]";
    if (c.case_index < 1) {
      return Status::InvalidArgument("case must be a position from 1", field + ".case");
    }
    if (!seen.insert(c.case_index).second) {
      return Status::InvalidArgument("case " + std::to_string(c.case_index) + " appears twice",
                                     field + ".case");
    }
    if (c.score && !std::isfinite(*c.score)) {
      return Status::InvalidArgument("score is not a finite number", field + ".score");
    }
    BALLAST_RETURN_IF_ERROR(CheckLength(field + ".output", c.output, 0, 65536));
  }
  if (in.started_at && in.finished_at && *in.finished_at < *in.started_at) {
    return Status::InvalidArgument("finished_at is before started_at", "finished_at");
  }
  return Status::Ok();
}

// A status from resolving a ref, reworded so the caller sees which field it came from.
Status AboutField(const Status& st, const std::string& field, std::string_view ref) {
  if (st.code() == StatusCode::kInvalidArgument) return Status::InvalidArgument(st.message(), field);
  if (st.code() == StatusCode::kNotFound) {
    return Status::NotFound(field + " '" + std::string(ref) + "': " + st.message());
  }
  return st;
}

using Param = std::variant<int64_t, std::string>;

Status BindAllParams(Statement& st, const std::vector<Param>& params) {
  int index = 0;
  for (const Param& p : params) {
    Status s = std::visit([&](const auto& v) { return st.Bind(++index, v); }, p);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<std::pair<std::string, std::optional<int64_t>>> SqliteEvalStore::PinPrompt(
    std::string_view ref) {
  using Pinned = std::pair<std::string, std::optional<int64_t>>;
  if (prompt_resolver_) {
    Result<std::pair<std::string, int64_t>> r = prompt_resolver_(ref);
    if (!r) return AboutField(r.error(), "prompt", ref);
    return Pinned{r->first, r->second};
  }
  BALLAST_ASSIGN_OR_RETURN(NameRef nr, SplitRef(ref, "prompt"));
  Result<std::optional<int64_t>> n = ParseVersionNumber(nr.ref);
  if (!n) return Status::InvalidArgument(n.error().message(), "prompt");
  return Pinned{nr.name, *n};
}

Result<EvalRun> SqliteEvalStore::CreateRun(const EvalRunInput& input, const Actor& actor) {
  BALLAST_RETURN_IF_ERROR(CheckRunInput(input));
  BALLAST_ASSIGN_OR_RETURN(NameRef dataset, SplitRef(input.dataset_ref, "dataset"));
  Result<ModelVersion> model = registry_.ResolveRef(input.model_ref);
  if (!model) return AboutField(model.error(), "model", input.model_ref);
  std::pair<std::string, std::optional<int64_t>> prompt;
  if (!input.prompt_ref.empty()) {
    BALLAST_ASSIGN_OR_RETURN(prompt, PinPrompt(input.prompt_ref));
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [k, v] : input.metrics) metrics[k] = v;
  std::string metrics_json;
  try {
    metrics_json = metrics.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("metric names must be UTF-8: ") + e.what(),
                                   "metrics");
  }
  return WriteAndWait<EvalRun>(
      writer_,
      [input, dataset, model_id = model->model_id, version = model->version, prompt,
       metrics_json, actor](Connection& db) -> Result<EvalRun> {
        Result<DatasetVersionRow> dv = LoadDatasetVersion(db, dataset.name, dataset.ref);
        if (!dv) return AboutField(dv.error(), "dataset", input.dataset_ref);
        int64_t passed = 0;
        for (size_t i = 0; i < input.results.size(); ++i) {
          if (input.results[i].case_index > dv->v.case_count) {
            return Status::InvalidArgument(
                "case " + std::to_string(input.results[i].case_index) + " is beyond the " +
                    std::to_string(dv->v.case_count) + " cases of dataset " + dv->v.dataset +
                    "@" + std::to_string(dv->v.version),
                "results[" + std::to_string(i) + "].case");
          }
          if (input.results[i].pass) ++passed;
        }
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare("INSERT INTO eval_runs (model_id, model_version, model_ref, prompt_ref, "
                       "prompt, prompt_version, dataset_version_id, description, status, "
                       "metrics_json, passed, failed, started_at, finished_at, created_at, "
                       "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(
            model_id, version, input.model_ref, input.prompt_ref, prompt.first, prompt.second,
            dv->row_id, input.description, EvalStatusName(input.status), metrics_json, passed,
            static_cast<int64_t>(input.results.size()) - passed, input.started_at,
            input.finished_at, actor.at, actor.by));
        BALLAST_RETURN_IF_ERROR(st.Run());
        const int64_t id = db.LastInsertRowid();
        for (const EvalCaseResult& c : input.results) {
          BALLAST_ASSIGN_OR_RETURN(
              Statement res, db.Prepare("INSERT INTO eval_case_results (run_id, case_index, "
                                        "pass, score, output) VALUES (?, ?, ?, ?, ?)"));
          BALLAST_RETURN_IF_ERROR(
              res.BindAll(id, c.case_index, static_cast<int64_t>(c.pass), c.score, c.output));
          BALLAST_RETURN_IF_ERROR(res.Run());
        }
        return LoadRun(db, id, /*with_results=*/true);
      });
}

Result<EvalRun> SqliteEvalStore::GetRun(int64_t id) {
  return ReadSnapshot<EvalRun>(readers_,
                               [id](Connection& db) { return LoadRun(db, id, true); });
}

Result<Page<EvalRun>> SqliteEvalStore::ListRuns(const EvalRunQuery& q) {
  if (q.limit < 1 || q.limit > 1000) {
    return Status::InvalidArgument("limit must be 1..1000", "limit");
  }
  if (q.offset < 0) return Status::InvalidArgument("offset is negative", "offset");
  std::string where = "WHERE 1";
  std::vector<Param> params;
  if (!q.model.empty()) {
    if (q.model.find('@') == std::string::npos) {
      where += " AND m.name = ? AND m.deleted_at IS NULL";
      params.emplace_back(q.model);
    } else {
      Result<ModelVersion> v = registry_.ResolveRef(q.model);
      if (!v) return AboutField(v.error(), "model", q.model);
      where += " AND r.model_id = ? AND r.model_version = ?";
      params.emplace_back(v->model_id);
      params.emplace_back(v->version);
    }
  }
  if (!q.prompt.empty()) {
    if (q.prompt.find('@') == std::string::npos) {
      where += " AND r.prompt = ?";
      params.emplace_back(q.prompt);
    } else {
      Result<std::pair<std::string, std::optional<int64_t>>> p = PinPrompt(q.prompt);
      if (!p) return p.error();
      where += " AND r.prompt = ?";
      params.emplace_back(p->first);
      if (p->second) {
        where += " AND r.prompt_version = ?";
        params.emplace_back(*p->second);
      } else {
        where += " AND r.prompt_ref = ?";  // an unpinned label: runs that named it so
        params.emplace_back(q.prompt);
      }
    }
  }
  std::optional<NameRef> dataset;
  if (!q.dataset.empty()) {
    BALLAST_ASSIGN_OR_RETURN(NameRef d, SplitRef(q.dataset, "dataset"));
    where += " AND d.name = ? AND d.deleted_at IS NULL";
    params.emplace_back(d.name);
    if (q.dataset.find('@') != std::string::npos) dataset = d;
  }
  return ReadSnapshot<Page<EvalRun>>(readers_, [&](Connection& db) -> Result<Page<EvalRun>> {
    std::string sql = std::string(kRunSelect) + where;
    std::vector<Param> all = params;
    if (dataset) {
      Result<DatasetVersionRow> dv = LoadDatasetVersion(db, dataset->name, dataset->ref);
      if (!dv) return AboutField(dv.error(), "dataset", q.dataset);
      sql += " AND r.dataset_version_id = ?";
      all.emplace_back(dv->row_id);
    }
    sql += " ORDER BY r.id DESC LIMIT ? OFFSET ?";
    all.emplace_back(q.limit + 1);
    all.emplace_back(q.offset);
    BALLAST_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
    BALLAST_RETURN_IF_ERROR(BindAllParams(st, all));
    Page<EvalRun> page;
    BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { page.items.push_back(RunFromRow(st)); }));
    if (static_cast<int64_t>(page.items.size()) > q.limit) {
      page.items.pop_back();
      page.next_offset = q.offset + q.limit;
    }
    return page;
  });
}

Result<std::vector<EvalRun>> SqliteEvalStore::RunsForModelVersion(std::string_view model,
                                                                  int64_t version) {
  std::string n(model);
  return ReadSnapshot<std::vector<EvalRun>>(
      readers_, [&](Connection& db) -> Result<std::vector<EvalRun>> {
        BALLAST_ASSIGN_OR_RETURN(
            Statement m,
            db.Prepare("SELECT id FROM registered_models WHERE name = ? AND deleted_at IS NULL"));
        BALLAST_RETURN_IF_ERROR(m.BindAll(n));
        BALLAST_ASSIGN_OR_RETURN(bool found, m.Step());
        if (!found) return Status::NotFound("registered model '" + n + "' does not exist");
        const int64_t model_id = m.ColumnInt(0);
        BALLAST_ASSIGN_OR_RETURN(
            Statement st,
            db.Prepare(std::string(kRunSelect) +
                       "WHERE r.model_id = ? AND r.model_version = ? ORDER BY r.id DESC"));
        BALLAST_RETURN_IF_ERROR(st.BindAll(model_id, version));
        std::vector<EvalRun> out;
        BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { out.push_back(RunFromRow(st)); }));
        return out;
      });
}

}  // namespace ballast::store
