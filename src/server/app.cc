#include "server/app.h"

#include <spdlog/spdlog.h>

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

}  // namespace ballast::server
