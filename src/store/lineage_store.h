// LineageStore: the lineage graph of the registry (issue 4, "Datasets, eval runs, lineage"):
// typed nodes ("model_version:support-bot@3", "dataset_version:faq@2", "commit:9fceb02") joined
// by typed edges. Most edges are derived, when the graph is read, from what the registry already
// records (a model version's base model, datasets and code commit; an eval run's model, prompt
// and dataset versions); the others are added explicitly (AddEdge, `POST /v1/lineage/edges`).
//
//   BALLAST_ASSIGN_OR_RETURN(LineageGraph g,
//       lineage.Subgraph({.root = "model_version:support-bot@3",
//                         .direction = LineageDirection::kUp, .depth = 2}));
//
// Every edge points from the thing that was made to what it was made from or with (the
// dependent to its source), so `up` follows edges forward (towards origins: datasets, base
// models, commits) and `down` follows them backwards (towards what was built on a node: fine-
// tuned models, eval runs, deployments). The types, their ends and direction:
//
//   fine_tuned_from  model_version   -> model_version | provider_model
//   trained_on       model_version   -> dataset_version
//   built_from       model_version | prompt_version | dataset_version -> commit
//   evaluated_with   eval_run        -> model_version
//   evaluated_on     eval_run        -> dataset_version
//   uses_prompt      eval_run | model_version | deployment | rollout -> prompt_version
//   deployed_as      deployment      -> model_version | prompt_version
//   rolled_out       rollout         -> model_version | prompt_version | deployment
//   produced_by      dataset_version -> incident | eval_run | model_version
//   derived_from     any             -> any (the generic "made from")
//
// Node types are a table (LineageNodeTypes) so later modules add theirs in one place. Node keys
// of versions are "NAME@N" with N a number; aliases and labels are resolved before they become
// nodes, since a node names one immutable thing.
//
// Thread safety: every method from any thread except the writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/registry_store.h"  // Actor

namespace ballast::store {

struct LineageNodeType {
  std::string_view name;  // "model_version"
  std::string_view description;
  // Whether the registry holds these nodes (they must exist to be named) or they are external
  // references that come into being with the first edge naming them (commits, deployments).
  bool registry_backed;
};
std::span<const LineageNodeType> LineageNodeTypes();

struct LineageEdgeType {
  std::string_view name;
  std::string_view description;
  std::vector<std::string_view> from_types;  // empty: any
  std::vector<std::string_view> to_types;    // empty: any
};
std::span<const LineageEdgeType> LineageEdgeTypes();

struct LineageNodeId {
  std::string type;  // a LineageNodeTypes() name
  std::string key;   // "support-bot@3", "9fceb02", "42"
  std::string str() const { return type + ":" + key; }
  friend bool operator==(const LineageNodeId&, const LineageNodeId&) = default;
};
// "TYPE:KEY" with a known type and a key that suits it (NAME@N for versions, a positive number
// for eval runs, 1..256 printable characters otherwise). INVALID_ARGUMENT naming `field`.
Result<LineageNodeId> ParseLineageNode(std::string_view text, std::string_view field = "node");

enum class LineageDirection { kUp, kDown, kBoth };
std::optional<LineageDirection> ParseLineageDirection(std::string_view s);
std::string_view LineageDirectionName(LineageDirection d);

inline constexpr int kMaxLineageDepth = 10;
inline constexpr int kMaxLineageNodes = 1000;

struct LineageQuery {
  std::string root;  // "TYPE:KEY"
  LineageDirection direction = LineageDirection::kBoth;
  int depth = 3;        // 1..kMaxLineageDepth
  int max_nodes = 500;  // 1..kMaxLineageNodes; the walk stops (truncated) past it
};

struct LineageNode {
  LineageNodeId id;
  int depth = 0;  // hops from the root
  // Whether the registry holds this node (always true for external types).
  bool exists = true;
};

struct LineageEdge {
  std::string from;  // "TYPE:KEY"
  std::string to;
  std::string type;
  bool derived = false;  // from registry records, as opposed to added with AddEdge
  friend bool operator==(const LineageEdge&, const LineageEdge&) = default;
};

struct LineageGraph {
  std::vector<LineageNode> nodes;  // the root first, then by depth
  std::vector<LineageEdge> edges;  // every edge walked, each once
  bool truncated = false;          // max_nodes stopped the walk
};

class LineageStore {
 public:
  virtual ~LineageStore() = default;

  // Records an explicit edge (idempotent: an existing identical edge is returned). The type must
  // be known and suit both ends; registry-backed ends must exist (NOT_FOUND otherwise); an edge
  // from a node to itself is INVALID_ARGUMENT.
  virtual Result<LineageEdge> AddEdge(const LineageEdge& edge, const Actor& actor) = 0;
  // The subgraph around `query.root` by breadth-first search, at most `depth` hops, each node
  // once (cycles end there). `kBoth` is the union of the upward and the downward walk.
  // NOT_FOUND when the root is neither in the registry nor on any edge.
  virtual Result<LineageGraph> Subgraph(const LineageQuery& query) = 0;
};

}  // namespace ballast::store
