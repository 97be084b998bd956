// HttpConnection: HTTP/1.1 over one blocking keep-alive socket, for the load generators in
// bench/ (ingest_load, registry_load). No HTTP library, so the client costs as little CPU as
// possible on a machine it shares with the server; it understands Content-Length and chunked
// bodies and the server's Connection: close.
//
//   HttpConnection c("127.0.0.1", 7410, /*timeout_ms=*/10'000);
//   BALLAST_RETURN_IF_ERROR(c.Connect());
//   BALLAST_RETURN_IF_ERROR(c.Send(head, body));
//   HttpAnswer answer;
//   BALLAST_RETURN_IF_ERROR(c.Receive(answer));
//
// Thread safety: one connection per thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ballast::bench {

struct HttpAnswer {
  int status = 0;
  bool close = false;  // the server sent Connection: close
  std::string body;
};

class HttpConnection {
 public:
  HttpConnection(std::string host, int port, int timeout_ms)
      : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}
  ~HttpConnection() { Close(); }
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool open() const { return fd_ >= 0; }
  // (Re)connects; the socket gets TCP_NODELAY and send/receive timeouts of timeout_ms.
  Status Connect();
  void Close();
  // Sends `head` then `body` in one gathered write (looping over partial writes).
  Status Send(std::string_view head, std::string_view body);
  // Reads one response: status line, headers, then a Content-Length or chunked body.
  Status Receive(HttpAnswer& answer);
  // Send + Receive of `METHOD target` with an optional JSON body, reconnecting first when the
  // connection is closed.
  Status Request(std::string_view method, std::string_view target, std::string_view json_body,
                 HttpAnswer& answer);

 private:
  Status Fill();
  Status TakeBody(size_t length, std::string& out);

  std::string host_;
  int port_;
  int timeout_ms_;
  int fd_ = -1;
  std::string inbuf_;  // bytes received but not yet consumed
};

}  // namespace ballast::bench
