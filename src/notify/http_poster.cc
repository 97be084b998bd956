#include "notify/http_poster.h"

#include <fmt/format.h>
#include <httplib.h>
#include <strings.h>

#include <exception>

#include "notify/alert.h"

namespace ballast::notify {

namespace {

Status TransportError(httplib::Error error, const std::string& url) {
  std::string where = RedactUrl(url);
  switch (error) {
    case httplib::Error::Connection:
      return Status::Unavailable(fmt::format("{}: connection refused or host unreachable", where));
    case httplib::Error::ConnectionTimeout:
      return Status::Unavailable(fmt::format("{}: connection timed out", where));
    case httplib::Error::Read:
      return Status::Unavailable(fmt::format(
          "{}: no complete answer (timed out or connection lost while reading)", where));
    case httplib::Error::Write:
      return Status::Unavailable(
          fmt::format("{}: connection lost while sending the request", where));
    case httplib::Error::SSLServerVerification:
      return Status::FailedPrecondition(
          fmt::format("{}: the server's TLS certificate could not be verified", where));
    case httplib::Error::SSLLoadingCerts:
      return Status::FailedPrecondition(
          fmt::format("{}: the system's CA certificates could not be loaded", where));
    default:
      return Status::Unavailable(fmt::format("{}: {}", where, httplib::to_string(error)));
  }
}

}  // namespace

Result<HttpAnswer> HttplibPoster::Post(const std::string& url, const std::string& body,
                                       const HttpHeaders& headers,
                                       std::chrono::milliseconds timeout) {
  BALLAST_ASSIGN_OR_RETURN(WebhookUrl parsed, ParseWebhookUrl(url));
  try {
    httplib::Client client(parsed.SchemeHostPort());
    if (!client.is_valid()) {
      return Status::InvalidArgument(
          fmt::format("{}: cannot create an HTTP client (is https "
                      "supported by this build?)",
                      RedactUrl(url)));
    }
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    client.set_follow_location(false);
    httplib::Headers request_headers;
    std::string content_type = "application/json";
    for (const auto& [name, value] : headers) {
      // httplib adds Content-Type from its own argument; passing it twice would duplicate it.
      if (strcasecmp(name.c_str(), "Content-Type") == 0) {
        content_type = value;
      } else {
        request_headers.emplace(name, value);
      }
    }
    httplib::Result res = client.Post(parsed.target, request_headers, body, content_type);
    if (!res) return TransportError(res.error(), url);
    HttpAnswer answer;
    answer.status = res->status;
    answer.retry_after = res->get_header_value("Retry-After");
    answer.body = res->body.substr(0, kMaxAnswerBody);
    return answer;
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: HTTP client failed: {}", RedactUrl(url), e.what()));
  }
}

}  // namespace ballast::notify
