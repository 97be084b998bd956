#include "store/sqlite_lineage_store.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "store/eval_rows.h"
#include "store/registry_rows.h"

namespace ballast::store {

using registry_rows::EachRow;
using registry_rows::ParseVersionNumber;
using registry_rows::ReadSnapshot;

namespace {

// "name@N" split; the caller has checked the shape (ParseLineageNode).
std::pair<std::string, int64_t> VersionKey(const std::string& key) {
  const size_t at = key.rfind('@');
  return {key.substr(0, at), static_cast<int64_t>(std::stoll(key.substr(at + 1)))};
}

std::string VersionNode(std::string_view type, const std::string& name, int64_t n) {
  return std::string(type) + ":" + name + "@" + std::to_string(n);
}

// Reads the registry's tables for the edges around one node.
class Neighbours {
 public:
  explicit Neighbours(Connection& db) : db_(db) {}

  // Edges leaving `n` (towards its sources).
  Result<std::vector<LineageEdge>> Up(const LineageNodeId& n) {
    std::vector<LineageEdge> out;
    const std::string id = n.str();
    if (n.type == "model_version") {
      auto [name, number] = VersionKey(n.key);
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db_.Prepare("SELECT v.id, v.base_model, v.code_commit FROM model_versions v JOIN "
                      "registered_models m ON m.id = v.model_id WHERE m.name = ? AND "
                      "m.deleted_at IS NULL AND v.version = ? AND v.deleted_at IS NULL"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(name, number));
      BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) {
        const int64_t row_id = st.ColumnInt(0);
        const std::string base = st.ColumnText(1);
        const std::string commit = st.ColumnText(2);
        if (!base.empty()) {
          BALLAST_ASSIGN_OR_RETURN(std::string to, BaseModelNode(base));
          out.push_back({id, to, "fine_tuned_from", true});
        }
        BALLAST_ASSIGN_OR_RETURN(
            Statement ds, db_.Prepare("SELECT ref FROM model_version_datasets WHERE version_id "
                                      "= ? ORDER BY position"));
        BALLAST_RETURN_IF_ERROR(ds.BindAll(row_id));
        std::vector<std::string> refs;
        BALLAST_RETURN_IF_ERROR(EachRow(ds, [&] { refs.push_back(ds.ColumnText(0)); }));
        for (const std::string& ref : refs) {
          BALLAST_ASSIGN_OR_RETURN(std::optional<std::string> to, DatasetNode(ref));
          if (to) out.push_back({id, *to, "trained_on", true});
        }
        if (!commit.empty()) out.push_back({id, "commit:" + commit, "built_from", true});
      }
    } else if (n.type == "eval_run") {
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db_.Prepare("SELECT m.name, r.model_version, r.prompt, r.prompt_version, d.name, "
                      "dv.version FROM eval_runs r JOIN registered_models m ON m.id = r.model_id "
                      "JOIN dataset_versions dv ON dv.id = r.dataset_version_id "
                      "JOIN datasets d ON d.id = dv.dataset_id WHERE r.id = ?"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(static_cast<int64_t>(std::stoll(n.key))));
      BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) {
        out.push_back({id, VersionNode("model_version", st.ColumnText(0), st.ColumnInt(1)),
                       "evaluated_with", true});
        if (!st.ColumnIsNull(3)) {
          out.push_back({id, VersionNode("prompt_version", st.ColumnText(2), st.ColumnInt(3)),
                         "uses_prompt", true});
        }
        out.push_back({id, VersionNode("dataset_version", st.ColumnText(4), st.ColumnInt(5)),
                       "evaluated_on", true});
      }
    }
    BALLAST_ASSIGN_OR_RETURN(
        Statement ex,
        db_.Prepare("SELECT to_node, type FROM lineage_edges WHERE from_node = ? ORDER BY id"));
    BALLAST_RETURN_IF_ERROR(ex.BindAll(id));
    BALLAST_RETURN_IF_ERROR(
        EachRow(ex, [&] { out.push_back({id, ex.ColumnText(0), ex.ColumnText(1), false}); }));
    return out;
  }

  // Edges arriving at `n` (from what was made from it).
  Result<std::vector<LineageEdge>> Down(const LineageNodeId& n) {
    std::vector<LineageEdge> out;
    const std::string id = n.str();
    auto versions_where = [&](const std::string& sql, const std::string& value,
                              const char* type) -> Status {
      BALLAST_ASSIGN_OR_RETURN(Statement st, db_.Prepare(sql));
      BALLAST_RETURN_IF_ERROR(st.BindAll(value));
      return EachRow(st, [&] {
        out.push_back(
            {VersionNode("model_version", st.ColumnText(0), st.ColumnInt(1)), id, type, true});
      });
    };
    static const std::string kByBase =
        "SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.id = "
        "v.model_id WHERE v.base_model = ? AND v.deleted_at IS NULL AND m.deleted_at IS NULL "
        "ORDER BY v.id";
    if (n.type == "model_version") {
      auto [name, number] = VersionKey(n.key);
      BALLAST_ASSIGN_OR_RETURN(std::vector<std::string> refs, RefsNaming(name, number));
      for (const std::string& ref : refs) {
        BALLAST_RETURN_IF_ERROR(versions_where(kByBase, ref, "fine_tuned_from"));
      }
      BALLAST_ASSIGN_OR_RETURN(
          Statement runs,
          db_.Prepare("SELECT r.id FROM eval_runs r JOIN registered_models m ON m.id = "
                      "r.model_id WHERE m.name = ? AND m.deleted_at IS NULL AND "
                      "r.model_version = ? ORDER BY r.id"));
      BALLAST_RETURN_IF_ERROR(runs.BindAll(name, number));
      BALLAST_RETURN_IF_ERROR(EachRow(runs, [&] {
        out.push_back({"eval_run:" + std::to_string(runs.ColumnInt(0)), id, "evaluated_with", true});
      }));
    } else if (n.type == "provider_model") {
      BALLAST_RETURN_IF_ERROR(versions_where(kByBase, n.key, "fine_tuned_from"));
    } else if (n.type == "commit") {
      BALLAST_RETURN_IF_ERROR(versions_where(
          "SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.id = "
          "v.model_id WHERE v.code_commit = ? AND v.deleted_at IS NULL AND m.deleted_at IS NULL "
          "ORDER BY v.id",
          n.key, "built_from"));
    } else if (n.type == "dataset_version") {
      auto [name, number] = VersionKey(n.key);
      std::vector<std::string> refs = {n.key};
      BALLAST_ASSIGN_OR_RETURN(
          Statement last, db_.Prepare("SELECT last_version FROM datasets WHERE name = ? AND "
                                      "deleted_at IS NULL"));
      BALLAST_RETURN_IF_ERROR(last.BindAll(name));
      BALLAST_ASSIGN_OR_RETURN(bool row, last.Step());
      if (row && last.ColumnInt(0) == number) {
        refs.push_back(name + "@latest");
        refs.push_back(name);
      }
      for (const std::string& ref : refs) {
        BALLAST_RETURN_IF_ERROR(versions_where(
            "SELECT m.name, v.version FROM model_version_datasets x JOIN model_versions v ON "
            "v.id = x.version_id JOIN registered_models m ON m.id = v.model_id WHERE x.ref = ? "
            "AND v.deleted_at IS NULL AND m.deleted_at IS NULL ORDER BY v.id",
            ref, "trained_on"));
      }
      BALLAST_ASSIGN_OR_RETURN(
          Statement runs,
          db_.Prepare("SELECT r.id FROM eval_runs r JOIN dataset_versions dv ON dv.id = "
                      "r.dataset_version_id JOIN datasets d ON d.id = dv.dataset_id WHERE "
                      "d.name = ? AND d.deleted_at IS NULL AND dv.version = ? ORDER BY r.id"));
      BALLAST_RETURN_IF_ERROR(runs.BindAll(name, number));
      BALLAST_RETURN_IF_ERROR(EachRow(runs, [&] {
        out.push_back({"eval_run:" + std::to_string(runs.ColumnInt(0)), id, "evaluated_on", true});
      }));
    } else if (n.type == "prompt_version") {
      auto [name, number] = VersionKey(n.key);
      BALLAST_ASSIGN_OR_RETURN(
          Statement runs, db_.Prepare("SELECT id FROM eval_runs WHERE prompt = ? AND "
                                      "prompt_version = ? ORDER BY id"));
      BALLAST_RETURN_IF_ERROR(runs.BindAll(name, number));
      BALLAST_RETURN_IF_ERROR(EachRow(runs, [&] {
        out.push_back({"eval_run:" + std::to_string(runs.ColumnInt(0)), id, "uses_prompt", true});
      }));
    }
    BALLAST_ASSIGN_OR_RETURN(
        Statement ex,
        db_.Prepare("SELECT from_node, type FROM lineage_edges WHERE to_node = ? ORDER BY id"));
    BALLAST_RETURN_IF_ERROR(ex.BindAll(id));
    BALLAST_RETURN_IF_ERROR(
        EachRow(ex, [&] { out.push_back({ex.ColumnText(0), id, ex.ColumnText(1), false}); }));
    return out;
  }

  // Whether the registry holds `n`; external types and prompt versions (checked by the caller
  // against the prompt store) are true.
  Result<bool> Exists(const LineageNodeId& n) {
    if (n.type == "model_version") {
      auto [name, number] = VersionKey(n.key);
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db_.Prepare("SELECT 1 FROM model_versions v JOIN registered_models m ON m.id = "
                      "v.model_id WHERE m.name = ? AND m.deleted_at IS NULL AND v.version = ? "
                      "AND v.deleted_at IS NULL"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(name, number));
      return st.Step();
    }
    if (n.type == "dataset_version") {
      auto [name, number] = VersionKey(n.key);
      Result<eval_rows::DatasetVersionRow> r =
          eval_rows::LoadDatasetVersion(db_, name, std::to_string(number));
      if (r) return true;
      if (r.error().code() == StatusCode::kNotFound) return false;
      return r.error();
    }
    if (n.type == "eval_run") {
      BALLAST_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT 1 FROM eval_runs WHERE id = ?"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(static_cast<int64_t>(std::stoll(n.key))));
      return st.Step();
    }
    return true;
  }

 private:
  // The node a base_model value names: a model version when it is a ref the registry resolves
  // (or NAME@N), else a provider model id.
  Result<std::string> BaseModelNode(const std::string& base) {
    const size_t at = base.find('@');
    if (at != std::string::npos && at > 0 && base.find('@', at + 1) == std::string::npos) {
      const std::string name = base.substr(0, at);
      const std::string ref = base.substr(at + 1);
      Result<std::optional<int64_t>> number = ParseVersionNumber(ref);
      if (number && *number) return VersionNode("model_version", name, **number);
      BALLAST_ASSIGN_OR_RETURN(
          Statement st,
          db_.Prepare("SELECT a.version FROM model_aliases a JOIN registered_models m ON "
                      "m.id = a.model_id WHERE m.name = ? AND m.deleted_at IS NULL AND "
                      "a.alias = ? UNION ALL SELECT MAX(v.version) FROM model_versions v JOIN "
                      "registered_models m ON m.id = v.model_id WHERE m.name = ? AND "
                      "m.deleted_at IS NULL AND v.deleted_at IS NULL AND ? = 'latest'"));
      BALLAST_RETURN_IF_ERROR(st.BindAll(name, ref, name, ref));
      BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row && !st.ColumnIsNull(0)) return VersionNode("model_version", name, st.ColumnInt(0));
    }
    return "provider_model:" + base;
  }

  // The dataset_version node of a model version's dataset ref, or nullopt when the ref names
  // no version ("faq@latest" of a dataset without versions, a malformed ref).
  Result<std::optional<std::string>> DatasetNode(const std::string& ref) {
    Result<eval_rows::NameRef> nr = eval_rows::SplitRef(ref, "dataset");
    if (!nr) return std::optional<std::string>();
    Result<std::optional<int64_t>> number = ParseVersionNumber(nr->ref);
    if (number && *number) {
      return std::optional<std::string>(VersionNode("dataset_version", nr->name, **number));
    }
    if (nr->ref != "latest") return std::optional<std::string>();
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("SELECT last_version FROM datasets WHERE name = ? AND deleted_at IS NULL"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(nr->name));
    BALLAST_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row || st.ColumnInt(0) < 1) return std::optional<std::string>();
    return std::optional<std::string>(VersionNode("dataset_version", nr->name, st.ColumnInt(0)));
  }

  // Every base_model text that names version `number` of live model `name` now: "name@N", its
  // aliases, and "name@latest" when it is the highest live version.
  Result<std::vector<std::string>> RefsNaming(const std::string& name, int64_t number) {
    std::vector<std::string> refs = {name + "@" + std::to_string(number)};
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("SELECT a.alias FROM model_aliases a JOIN registered_models m ON m.id = "
                    "a.model_id WHERE m.name = ? AND m.deleted_at IS NULL AND a.version = ?"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(name, number));
    BALLAST_RETURN_IF_ERROR(EachRow(st, [&] { refs.push_back(name + "@" + st.ColumnText(0)); }));
    BALLAST_ASSIGN_OR_RETURN(
        Statement latest,
        db_.Prepare("SELECT MAX(v.version) FROM model_versions v JOIN registered_models m ON "
                    "m.id = v.model_id WHERE m.name = ? AND m.deleted_at IS NULL AND "
                    "v.deleted_at IS NULL"));
    BALLAST_RETURN_IF_ERROR(latest.BindAll(name));
    BALLAST_ASSIGN_OR_RETURN(bool row, latest.Step());
    if (row && !latest.ColumnIsNull(0) && latest.ColumnInt(0) == number) {
      refs.push_back(name + "@latest");
    }
    return refs;
  }

  Connection& db_;
};

Status CheckEdgeShape(const LineageEdge& e, const LineageNodeId& from, const LineageNodeId& to) {
  const auto& types = LineageEdgeTypes();
  auto it = std::find_if(types.begin(), types.end(),
                         [&](const LineageEdgeType& t) { return t.name == e.type; });
  if (it == types.end()) {
    std::string known;
    for (const LineageEdgeType& t : types) known += (known.empty() ? "" : ", ") + std::string(t.name);
    return Status::InvalidArgument("unknown edge type '" + e.type + "' (known: " + known + ")",
                                   "type");
  }
  auto allows = [](const std::vector<std::string_view>& allowed, const std::string& type) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), type) != allowed.end();
  };
  auto list = [](const std::vector<std::string_view>& allowed) {
    std::string s;
    for (std::string_view a : allowed) s += (s.empty() ? "" : ", ") + std::string(a);
    return s;
  };
  if (!allows(it->from_types, from.type)) {
    return Status::InvalidArgument("a " + e.type + " edge starts at " + list(it->from_types) +
                                       ", not " + from.type,
                                   "from");
  }
  if (!allows(it->to_types, to.type)) {
    return Status::InvalidArgument(
        "a " + e.type + " edge ends at " + list(it->to_types) + ", not " + to.type, "to");
  }
  if (from == to) return Status::InvalidArgument("an edge cannot join a node to itself", "to");
  return Status::Ok();
}

}  // namespace

Result<bool> SqliteLineageStore::PromptExists(const LineageNodeId& id) {
  if (prompts_ == nullptr) return true;
  auto [name, number] = VersionKey(id.key);
  Result<PromptVersion> v = prompts_->GetVersion(name, number);
  if (v) return true;
  if (v.error().code() == StatusCode::kNotFound) return false;
  return v.error();
}

Result<LineageEdge> SqliteLineageStore::AddEdge(const LineageEdge& edge, const Actor& actor) {
  BALLAST_ASSIGN_OR_RETURN(LineageNodeId from, ParseLineageNode(edge.from, "from"));
  BALLAST_ASSIGN_OR_RETURN(LineageNodeId to, ParseLineageNode(edge.to, "to"));
  BALLAST_RETURN_IF_ERROR(CheckEdgeShape(edge, from, to));
  for (const LineageNodeId* end : {&from, &to}) {
    bool exists = true;
    if (end->type == "prompt_version") {
      BALLAST_ASSIGN_OR_RETURN(exists, PromptExists(*end));
    } else {
      BALLAST_ASSIGN_OR_RETURN(exists, ReadSnapshot<bool>(readers_, [&](Connection& db) {
                                 return Neighbours(db).Exists(*end);
                               }));
    }
    if (!exists) return Status::NotFound("node '" + end->str() + "' does not exist");
  }
  LineageEdge stored{from.str(), to.str(), edge.type, false};
  BALLAST_RETURN_IF_ERROR(writer_.SubmitAndWait([stored, actor](Connection& db) -> Status {
    BALLAST_ASSIGN_OR_RETURN(
        Statement st,
        db.Prepare("INSERT OR IGNORE INTO lineage_edges (from_node, to_node, type, created_at, "
                   "created_by) VALUES (?, ?, ?, ?, ?)"));
    BALLAST_RETURN_IF_ERROR(st.BindAll(stored.from, stored.to, stored.type, actor.at, actor.by));
    return st.Run();
  }));
  return stored;
}

Result<LineageGraph> SqliteLineageStore::Subgraph(const LineageQuery& query) {
  BALLAST_ASSIGN_OR_RETURN(LineageNodeId root, ParseLineageNode(query.root, "node"));
  if (query.depth < 1 || query.depth > kMaxLineageDepth) {
    return Status::InvalidArgument(
        "depth must be from 1 to " + std::to_string(kMaxLineageDepth), "depth");
  }
  if (query.max_nodes < 1 || query.max_nodes > kMaxLineageNodes) {
    return Status::InvalidArgument(
        "max_nodes must be from 1 to " + std::to_string(kMaxLineageNodes), "max_nodes");
  }
  bool root_on_edge = false;
  BALLAST_ASSIGN_OR_RETURN(
      LineageGraph graph,
      ReadSnapshot<LineageGraph>(readers_, [&](Connection& db) -> Result<LineageGraph> {
        Neighbours nb(db);
        LineageGraph g;
        std::map<std::string, size_t> index;  // node id -> position in g.nodes
        std::set<std::tuple<std::string, std::string, std::string>> edge_seen;
        index[root.str()] = 0;
        g.nodes.push_back({root, 0, true});
        std::vector<bool> dirs;  // true = up
        if (query.direction != LineageDirection::kDown) dirs.push_back(true);
        if (query.direction != LineageDirection::kUp) dirs.push_back(false);
        for (bool up : dirs) {
          // Each walk marks what it has expanded, so a cycle ends at a node already seen.
          std::set<std::string> seen = {root.str()};
          std::vector<LineageNodeId> frontier = {root};
          for (int depth = 1; depth <= query.depth && !frontier.empty(); ++depth) {
            std::vector<LineageNodeId> next;
            for (const LineageNodeId& n : frontier) {
              Result<std::vector<LineageEdge>> edges = up ? nb.Up(n) : nb.Down(n);
              if (!edges) return edges.error();
              for (LineageEdge& e : *edges) {
                const std::string& other = up ? e.to : e.from;
                if (!index.contains(other)) {
                  if (static_cast<int>(g.nodes.size()) >= query.max_nodes) {
                    g.truncated = true;
                    continue;
                  }
                  Result<LineageNodeId> id = ParseLineageNode(other);
                  if (!id) continue;  // an explicit edge stored by an older type table
                  index[other] = g.nodes.size();
                  g.nodes.push_back({*id, depth, true});
                } else {
                  LineageNode& known = g.nodes[index[other]];
                  known.depth = std::min(known.depth, depth);
                }
                if (edge_seen.insert({e.from, e.to, e.type}).second) g.edges.push_back(e);
                if (seen.insert(other).second) next.push_back(g.nodes[index[other]].id);
              }
            }
            frontier = std::move(next);
          }
        }
        for (LineageNode& n : g.nodes) {
          if (n.id.type == "prompt_version") continue;  // checked below, outside the snapshot
          BALLAST_ASSIGN_OR_RETURN(n.exists, nb.Exists(n.id));
        }
        root_on_edge = !g.edges.empty();
        if (!root_on_edge) {
          // The root may still be named by an edge the walk's direction did not take.
          BALLAST_ASSIGN_OR_RETURN(std::vector<LineageEdge> up, nb.Up(root));
          BALLAST_ASSIGN_OR_RETURN(std::vector<LineageEdge> down, nb.Down(root));
          root_on_edge = !up.empty() || !down.empty();
        }
        return g;
      }));
  for (LineageNode& n : graph.nodes) {
    if (n.id.type == "prompt_version") {
      BALLAST_ASSIGN_OR_RETURN(n.exists, PromptExists(n.id));
    }
  }
  // Without a prompt store, a prompt version is known only through the edges naming it.
  if (root.type == "prompt_version" && prompts_ == nullptr) graph.nodes[0].exists = root_on_edge;
  // An external node (a commit, a deployment) exists only through the edges naming it.
  const auto& types = LineageNodeTypes();
  const bool backed = std::any_of(types.begin(), types.end(), [&](const LineageNodeType& t) {
    return t.name == root.type && t.registry_backed;
  });
  if ((backed ? !graph.nodes[0].exists : true) && !root_on_edge) {
    return Status::NotFound("node '" + root.str() + "' does not exist");
  }
  std::stable_sort(graph.nodes.begin() + 1, graph.nodes.end(),
                   [](const LineageNode& a, const LineageNode& b) { return a.depth < b.depth; });
  return graph;
}

}  // namespace ballast::store
