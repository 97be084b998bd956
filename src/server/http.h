// The HTTP request and response types that handlers see, and the Router that maps
// (method, path) to a handler. Kept free of Boost.Beast so that handlers read as plain code and
// can be unit-tested without sockets; http_server.cc translates to and from Beast.
//
// Thread safety: a Router is built once at start and then only read (thread-safe for reads).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_text.h"
#include "common/status.h"

namespace ballast::server {

enum class Role { kNone = 0, kViewer, kIngest, kOperator, kAdmin };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
// Whether a token of role `have` may call a route requiring `need`: admin ⊇ operator ⊇ viewer;
// operator and admin may also ingest; an ingest token may only ingest.
bool RoleSatisfies(Role have, Role need);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  // Path without the query string, still percent-encoded: the router splits it into segments
  // first and decodes each, so "/v1/services/team%2Fchat/stats" names service "team/chat".
  std::string path;
  std::map<std::string, std::string> query;                  // decoded query parameters
  // Every value of every query parameter in order: `query` keeps only the last value of a
  // repeated one, as most routes want; list parameters (MLflow's order_by=a&order_by=b) need
  // them all.
  std::multimap<std::string, std::string> query_all;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  std::string peer;  // remote address, for logs

  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const;
  // Query parameter or nullopt.
  std::optional<std::string> Query(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(int status, std::string body);
  // The error body of API.md: {"error": {"code", "message", "field"}}, with Retry-After for
  // RESOURCE_EXHAUSTED and UNAVAILABLE.
  static HttpResponse Error(const Status& status, int retry_after_seconds = 1);
};

struct Principal {
  Role role = Role::kNone;
  std::string token_id;  // "" when auth is off or the route is public
};

struct RequestContext {
  // Mutable so a handler may move the body out instead of copying it.
  HttpRequest& request;
  std::map<std::string, std::string> params;  // {name} captures of the route pattern
  Principal principal;
};

using Handler = std::function<boost::asio::awaitable<HttpResponse>(RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;            // "/v1/services/{service}/stats"
  Role required = Role::kViewer;  // kNone: public
  Handler handler;
};

class Router {
 public:
  void Add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: not found, or method not allowed
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;  // non-empty: path exists, method does not
  };
  // `path` is percent-encoded; segments are decoded after splitting. A malformed escape
  // matches nothing.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;  // "{name}" marks a capture
  };
  std::vector<Compiled> routes_;
};

// Percent-decodes a URL component; false on a malformed escape. '+' decodes to space only when
// `plus_is_space` (query strings).
bool UrlDecode(std::string_view in, std::string& out, bool plus_is_space);
// Splits "a=1&b=x%20y" into decoded pairs; the last value wins for repeated keys.
// `all`, when given, receives every value in order (repeated parameters kept).
Status ParseQuery(std::string_view query, std::map<std::string, std::string>& out,
                  std::multimap<std::string, std::string>* all = nullptr);

}  // namespace ballast::server
