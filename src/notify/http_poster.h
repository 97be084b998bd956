// HttpPoster: the transport seam of webhook delivery. WebhookNotifier only ever POSTs through
// this interface, so tests substitute a fake that answers 500s, hangs or refuses connections.
//
// An HTTP answer of any status is a value (the notifier decides what to retry); only failures
// to get an answer at all (connection refused, timeout, TLS failure) are errors:
//   kUnavailable          connection refused, unreachable, timed out, lost mid-request: retried
//   kFailedPrecondition   the TLS certificate could not be verified: not retried
//   kInvalidArgument      the URL cannot be used: not retried
//
// Thread safety: Post may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ballast::notify {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  int status = 0;
  std::string retry_after;  // the Retry-After header, "" when absent
  std::string body;         // the start of the body (at most kMaxAnswerBody bytes), for errors
};

class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // POSTs `body` to `url`. `timeout` bounds connecting and each read and write; `headers` should
  // include Content-Type.
  virtual Result<HttpAnswer> Post(const std::string& url, const std::string& body,
                                  const HttpHeaders& headers,
                                  std::chrono::milliseconds timeout) = 0;
};

// The cpp-httplib client: http and https (OpenSSL; server certificates are verified against the
// system trust store). Redirects are not followed: a webhook that moved should be updated.
class HttplibPoster final : public HttpPoster {
 public:
  static constexpr size_t kMaxAnswerBody = 512;

  Result<HttpAnswer> Post(const std::string& url, const std::string& body,
                          const HttpHeaders& headers, std::chrono::milliseconds timeout) override;
};

}  // namespace ballast::notify
