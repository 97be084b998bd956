#include "server/app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

namespace ballast::server {

namespace asio = boost::asio;

asio::awaitable<HttpResponse> App::Dispatch(HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  Router::Match match = router.Find(request.method, request.path);
  std::string route_label = match.route ? match.route->pattern : "unmatched";
  HttpResponse response;
  if (!match.route) {
    if (!match.allowed_methods.empty()) {
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      response = HttpResponse::Error(Status::MethodNotAllowed(
          request.method + " is not allowed here (allowed: " + allow + ")"));
      response.headers.emplace_back("Allow", allow);
    } else {
      response = HttpResponse::Error(Status::NotFound("no route for " + request.path));
    }
  } else {
    RequestContext ctx{request, std::move(match.params), {}};
    Role need = match.route->required;
    bool pass = need == Role::kNone || !auth->enabled() ||
                (need == Role::kViewer && route_label == "/metrics" && config.auth.metrics_public);
    Status denied;
    if (pass) {
      ctx.principal = Principal{auth->enabled() ? Role::kNone : Role::kAdmin, ""};
    } else {
      std::string header(request.Header("Authorization"));
      Result<Principal> who = Status::Unauthenticated("");
      if (auto cached = auth->AuthenticateCached(header)) {
        who = *cached;
      } else {
        who = co_await OffThread(*this, [&] { return auth->Authenticate(header); });
      }
      if (!who) {
        denied = who.error();
      } else if (!RoleSatisfies(who->role, need)) {
        denied = Status::PermissionDenied(
            "role " + std::string(RoleName(who->role)) + " may not call " + request.method + " " +
            match.route->pattern + " (needs " + std::string(RoleName(need)) + ")");
      } else {
        ctx.principal = *who;
      }
    }
    if (!denied.ok()) {
      response = HttpResponse::Error(denied);
      if (denied.code() == StatusCode::kUnauthenticated)
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ballast\"");
    } else {
      try {
        response = co_await match.route->handler(ctx);
      } catch (const std::exception& e) {
        // A handler bug must not take the server down; it is logged and answered as 500.
        spdlog::error("handler {} {} threw: {}", request.method, route_label, e.what());
        response = HttpResponse::Error(Status::Internal("internal error"));
      }
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics->ObserveRequest(route_label, request.method, response.status, seconds);
  if (response.status >= 500)
    spdlog::warn("{} {} -> {} ({:.1f} ms)", request.method, request.path, response.status,
                 seconds * 1000);
  else
    spdlog::debug("{} {} -> {} ({:.1f} ms)", request.method, request.path, response.status,
                  seconds * 1000);
  co_return response;
}

Status ParseJsonBody(const HttpRequest& request, nlohmann::json& out) {
  if (request.body.empty()) return Status::InvalidArgument("request body is empty (expected JSON)");
  out = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!out.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return Status::Ok();
}

Result<Page> ParsePage(const HttpRequest& request) {
  Page page;
  auto parse = [](const std::string& s, size_t& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  if (auto size = request.Query("page_size")) {
    if (!parse(*size, page.size) || page.size < 1 || page.size > 1000)
      return Status::InvalidArgument("page_size must be an integer from 1 to 1000", "page_size");
  }
  if (auto token = request.Query("page_token"); token && !token->empty()) {
    if (!parse(*token, page.offset))
      return Status::InvalidArgument("page_token is not one this server issued", "page_token");
  }
  return page;
}

std::string NextPageToken(const Page& page, size_t total) {
  size_t next = page.offset + page.size;
  return next < total ? std::to_string(next) : "";
}

Result<ListParams> ParseListParams(const HttpRequest& request) {
  ListParams params;
  BALLAST_ASSIGN_OR_RETURN(params.page, ParsePage(request));
  params.filter = request.Query("filter").value_or("");
  params.order_by = request.Query("order_by").value_or("");
  return params;
}

namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Result<std::vector<store::OrderBy>> ParseOrderBy(std::string_view text,
                                                 const std::vector<std::string_view>& sortable) {
  std::vector<store::OrderBy> terms;
  if (TrimSpaces(text).empty()) return terms;
  std::string allowed;
  for (std::string_view f : sortable) allowed += (allowed.empty() ? "" : ", ") + std::string(f);
  size_t item = 0;
  while (true) {
    ++item;
    size_t comma = text.find(',');
    std::string_view part = TrimSpaces(text.substr(0, comma));
    size_t space = part.find_first_of(" \t");
    std::string_view field = part.substr(0, space);
    std::string_view direction =
        space == std::string_view::npos ? std::string_view() : TrimSpaces(part.substr(space));
    if (field.empty()) {
      return Status::InvalidArgument(
          "item " + std::to_string(item) + " of order_by is empty", "order_by");
    }
    if (std::find(sortable.begin(), sortable.end(), field) == sortable.end()) {
      return Status::InvalidArgument("cannot order by '" + std::string(field) +
                                         "' (sortable fields: " + allowed + ")",
                                     "order_by");
    }
    store::OrderBy term{std::string(field), false};
    if (EqualsIgnoreCase(direction, "DESC")) {
      term.descending = true;
    } else if (!direction.empty() && !EqualsIgnoreCase(direction, "ASC")) {
      return Status::InvalidArgument("order_by direction must be ASC or DESC, not '" +
                                         std::string(direction) + "'",
                                     "order_by");
    }
    terms.push_back(std::move(term));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return terms;
}

std::string IfMatch(const HttpRequest& request) {
  std::string_view tag = TrimSpaces(request.Header("If-Match"));
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    tag = tag.substr(1, tag.size() - 2);
  }
  return std::string(tag);
}

std::string ActorName(const RequestContext& ctx) {
  return ctx.principal.token_id.empty() ? "anonymous" : "token:" + ctx.principal.token_id;
}

store::Actor RegistryActor(const RequestContext& ctx, EpochMillis now) {
  return store::Actor{
      .by = ActorName(ctx), .at = now, .is_admin = ctx.principal.role == Role::kAdmin};
}

namespace {

boost::asio::awaitable<HttpResponse> RunBlocking(App& app, RequestContext& ctx,
                                                 BlockingRoute route) {
  const store::Actor actor = RegistryActor(ctx, app.clock->NowMillis());
  co_return co_await OffThread(app, [&] { return route(app, ctx, actor); });
}

}  // namespace

void AddBlockingRoute(App& app, const char* method, const char* pattern, Role role,
                      BlockingRoute route) {
  app.router.Add({method, pattern, role, [&app, route](RequestContext& ctx) {
                    return RunBlocking(app, ctx, route);
                  }});
}

HttpResponse WithEtag(HttpResponse response, std::string_view etag) {
  response.headers.emplace_back("ETag", "\"" + std::string(etag) + "\"");
  return response;
}

}  // namespace ballast::server
