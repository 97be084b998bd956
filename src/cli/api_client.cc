#include "cli/api_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>

#include "cli/output.h"

namespace ballast::cli {

struct ApiClient::Transport {
  explicit Transport(const std::string& scheme_host_port) : client(scheme_host_port) {}
  httplib::Client client;
};

namespace {

std::string DescribeTransportError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "connection lost while reading the answer";
    case httplib::Error::Write:
      return "connection lost while sending the request";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

Result<ServerAddress> ParseServerUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (url.starts_with("https://")) {
    return Status::InvalidArgument(
        fmt::format("'{}': https is not supported by this build; use http://", url), "server");
  }
  if (!url.starts_with(kHttp)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not an http:// URL (example: http://127.0.0.1:7410)", url), "server");
  }
  std::string_view rest = url.substr(kHttp.size());
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (authority.empty()) {
    return Status::InvalidArgument(fmt::format("'{}' has no host", url), "server");
  }
  if (authority.find_first_of("?#@ ") != std::string_view::npos ||
      path.find_first_of("?# ") != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("'{}': expected http://host[:port][/prefix], without user, query or "
                    "fragment",
                    url),
        "server");
  }
  // A port, when present, must be a number in range; IPv6 literals keep their brackets.
  std::size_t colon = authority.rfind(':');
  std::size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    std::string_view port = authority.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (!digits || std::stoi(std::string(port)) > 65535 || colon == 0) {
      return Status::InvalidArgument(fmt::format("'{}' has an invalid port", url), "server");
    }
  }
  return ServerAddress{std::string(kHttp) + std::string(authority), std::string(path)};
}

Result<std::unique_ptr<ApiClient>> ApiClient::Create(const ClientOptions& options) {
  BALLAST_ASSIGN_OR_RETURN(ServerAddress address, ParseServerUrl(options.server_url));
  auto transport = std::make_unique<Transport>(address.scheme_host_port);
  if (!transport->client.is_valid()) {
    return Status::InvalidArgument(fmt::format("cannot use server URL '{}'", options.server_url),
                                   "server");
  }
  transport->client.set_connection_timeout(options.connect_timeout);
  transport->client.set_read_timeout(options.io_timeout);
  transport->client.set_write_timeout(options.io_timeout);
  transport->client.set_keep_alive(true);
  return std::unique_ptr<ApiClient>(
      new ApiClient(options.server_url, std::move(address), options.token, std::move(transport)));
}

ApiClient::ApiClient(std::string server_url, ServerAddress address, std::string token,
                     std::unique_ptr<Transport> transport)
    : server_url_(std::move(server_url)),
      address_(std::move(address)),
      token_(std::move(token)),
      transport_(std::move(transport)) {}

ApiClient::~ApiClient() = default;

Result<HttpResponse> ApiClient::Send(const HttpRequest& request) {
  httplib::Headers headers;
  headers.emplace("Accept", "application/json");
  headers.emplace("User-Agent", "ballast-cli");
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);

  const std::string path = address_.path_prefix + request.path;
  const std::string& type =
      request.content_type.empty() ? std::string("application/json") : request.content_type;
  httplib::Client& c = transport_->client;
  httplib::Result res = [&]() -> httplib::Result {
    if (request.method == "GET") return c.Get(path.c_str(), headers);
    if (request.method == "POST") return c.Post(path.c_str(), headers, request.body, type.c_str());
    if (request.method == "PUT") return c.Put(path.c_str(), headers, request.body, type.c_str());
    if (request.method == "PATCH") {
      return c.Patch(path.c_str(), headers, request.body, type.c_str());
    }
    if (request.method == "DELETE") {
      return request.body.empty() ? c.Delete(path.c_str(), headers)
                                  : c.Delete(path.c_str(), headers, request.body, type.c_str());
    }
    return httplib::Result(nullptr, httplib::Error::Unknown);
  }();
  if (!res) {
    return Status::Unavailable(fmt::format("cannot reach server at {}: {}", server_url_,
                                           DescribeTransportError(res.error())));
  }
  HttpResponse out;
  out.status = res->status;
  out.body = std::move(res->body);
  out.retry_after = res->get_header_value("Retry-After");
  return out;
}

ServerError DecodeServerError(const HttpResponse& response) {
  ServerError err;
  Result<Json> body = ParseJson(response.body);
  if (body && body->is_object() && body->contains("error") && (*body)["error"].is_object()) {
    const Json& e = (*body)["error"];
    auto text = [&](const char* key) {
      auto it = e.find(key);
      if (it == e.end() || it->is_null()) return std::string();
      return it->is_string() ? it->get<std::string>() : it->dump();
    };
    err.code = text("code");
    err.message = text("message");
    err.field = text("field");
    if (err.code.empty()) err.code = fmt::format("HTTP {}", response.status);
    return err;
  }
  err.code = fmt::format("HTTP {}", response.status);
  std::string excerpt = response.body.substr(0, 200);
  for (char& c : excerpt) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  err.message = excerpt.empty() ? std::string("the answer carried no error details") : excerpt;
  return err;
}

std::string FormatServerError(const ServerError& error) {
  std::string line = fmt::format("error: {}: {}", error.code, error.message);
  if (!error.field.empty()) line += fmt::format(" (field: {})", error.field);
  return line;
}

int ExitCodeForHttpStatus(int status) {
  if (IsSuccess(status)) return kExitOk;
  if (status == 404) return kExitNotFound;
  return kExitFailure;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace ballast::cli
