// ApiClient: the CLI's HTTP client for the ballast API (plain HTTP via cpp-httplib, which stays
// confined to api_client.cc), plus the mapping from answers to the CLI's exit codes and error
// lines (API.md "CLI").
//
//   BALLAST_ASSIGN_OR_RETURN(auto client, ApiClient::Create({.server_url = url, .token = t}));
//   Result<HttpResponse> r = client->Send({.method = "GET", .path = "/v1/services"});
//   // !r: the server could not be reached (exit 3); r->status: whatever the server answered.
//
// Thread safety: one ApiClient per thread; Send() is not reentrant.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ballast::cli {

// Process exit codes, the CLI's contract with scripts.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // the request or input was invalid, or a check failed
  kExitUsage = 2,        // bad command line
  kExitUnreachable = 3,  // no connection to the server
  kExitNotFound = 4,     // the server answered 404
};

struct ClientOptions {
  std::string server_url;  // "http://host:port[/prefix]"
  std::string token;       // sent as "Authorization: Bearer <token>" when not empty
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds io_timeout{60};
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, PATCH or DELETE
  std::string path;            // starts with '/', query string included, already encoded
  std::string body;
  std::string content_type;  // for requests with a body
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, empty when absent
};

// A server URL split for the HTTP library: "http://h:p" and a path prefix ("" or "/x").
struct ServerAddress {
  std::string scheme_host_port;
  std::string path_prefix;
};

// Accepts http:// URLs with a host, optional port and optional path prefix. https:// is
// INVALID_ARGUMENT (this build has no TLS), as is anything else; the field is "server".
Result<ServerAddress> ParseServerUrl(std::string_view url);

class ApiClient {
 public:
  static Result<std::unique_ptr<ApiClient>> Create(const ClientOptions& options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends one request. An error Status (UNAVAILABLE) means no HTTP answer was received:
  // connection refused, timeout, reset. Any HTTP status, 5xx included, is a value.
  Result<HttpResponse> Send(const HttpRequest& request);

  const std::string& server_url() const { return server_url_; }

 private:
  struct Transport;
  ApiClient(std::string server_url, ServerAddress address, std::string token,
            std::unique_ptr<Transport> transport);

  std::string server_url_;
  ServerAddress address_;
  std::string token_;
  std::unique_ptr<Transport> transport_;
};

// The error in a non-2xx answer: the API's {"error": {...}} when the body has one, else the
// HTTP status (with a short excerpt of the body) so nothing is silently dropped.
struct ServerError {
  std::string code;  // "NOT_FOUND", or "HTTP 502" for answers without an API error
  std::string message;
  std::string field;
};
ServerError DecodeServerError(const HttpResponse& response);
// "error: NOT_FOUND: no such service (field: service)", without a trailing newline.
std::string FormatServerError(const ServerError& error);
// 404 -> kExitNotFound; any other non-2xx -> kExitFailure; 2xx -> kExitOk.
int ExitCodeForHttpStatus(int status);
inline bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Percent-encodes everything but RFC 3986 unreserved characters, for path segments and query
// values alike.
std::string UrlEncode(std::string_view text);

}  // namespace ballast::cli
