// Lineage routes (API.md "Registry", docs/evals.md "Lineage"):
//   GET /v1/lineage?node=TYPE:ID&direction=up|down|both&depth=N  (viewer)
//   POST /v1/lineage/edges {"from", "to", "type"}                 (operator)
// The walk runs off the network threads; depth is 1..10 (default 3), the node count is capped
// (max_nodes, default 500) and the answer says when the cap cut the walk short.
#include <charconv>

#include "server/app.h"
#include "server/eval_json.h"

namespace ballast::server {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<int> IntParam(const HttpRequest& request, const std::string& name, int fallback, int min,
                     int max) {
  auto v = request.Query(name);
  if (!v || v->empty()) return fallback;
  int n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < min || n > max) {
    return Status::InvalidArgument(name + " must be an integer from " + std::to_string(min) +
                                       " to " + std::to_string(max) + ", not '" + *v + "'",
                                   name);
  }
  return n;
}

Result<store::LineageQuery> ParseLineageQuery(const HttpRequest& request) {
  store::LineageQuery q;
  q.root = request.Query("node").value_or("");
  if (q.root.empty()) {
    return Status::InvalidArgument("node is required (TYPE:ID, e.g. model_version:bot@3)", "node");
  }
  BALLAST_RETURN_IF_ERROR(store::ParseLineageNode(q.root, "node").status());
  if (auto d = request.Query("direction"); d && !d->empty()) {
    std::optional<store::LineageDirection> dir = store::ParseLineageDirection(*d);
    if (!dir) {
      return Status::InvalidArgument("direction must be up, down or both, not '" + *d + "'",
                                     "direction");
    }
    q.direction = *dir;
  }
  BALLAST_ASSIGN_OR_RETURN(q.depth, IntParam(request, "depth", 3, 1, store::kMaxLineageDepth));
  BALLAST_ASSIGN_OR_RETURN(q.max_nodes,
                           IntParam(request, "max_nodes", 500, 1, store::kMaxLineageNodes));
  return q;
}

asio::awaitable<HttpResponse> GetLineage(App& app, RequestContext& ctx) {
  Result<store::LineageQuery> query = ParseLineageQuery(ctx.request);
  if (!query) co_return HttpResponse::Error(query.error());
  auto graph = co_await OffThread(app, [&] { return app.store->Lineage().Subgraph(*query); });
  if (!graph) co_return HttpResponse::Error(graph.error());
  co_return HttpResponse::Json(200, Dump(LineageGraphToJson(*graph, *query)));
}

asio::awaitable<HttpResponse> AddEdge(App& app, RequestContext& ctx) {
  json body;
  Status parsed = ParseJsonBody(ctx.request, body);
  if (!parsed.ok()) co_return HttpResponse::Error(parsed);
  Result<store::LineageEdge> edge = LineageEdgeFromJson(body);
  if (!edge) co_return HttpResponse::Error(edge.error());
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  auto stored = co_await OffThread(app, [&] { return app.store->Lineage().AddEdge(*edge, actor); });
  if (!stored) co_return HttpResponse::Error(stored.error());
  co_return HttpResponse::Json(201, Dump(LineageEdgeToJson(*stored)));
}

}  // namespace

void AddLineageRoutes(App& app) {
  app.router.Add({"GET", "/v1/lineage", Role::kViewer,
                  [&app](RequestContext& ctx) { return GetLineage(app, ctx); }});
  app.router.Add({"POST", "/v1/lineage/edges", Role::kOperator,
                  [&app](RequestContext& ctx) { return AddEdge(app, ctx); }});
}

}  // namespace ballast::server
