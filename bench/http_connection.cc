#include "http_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace ballast::bench {

Status HttpConnection::Connect() {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_);
  if (int rc = getaddrinfo(host_.c_str(), port.c_str(), &hints, &res); rc != 0)
    return Status::Unavailable("resolve " + host_ + ": " + gai_strerror(rc));
  std::string error = "no address";
  for (addrinfo* a = res; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(res);
  if (fd_ < 0)
    return Status::Unavailable("connect " + host_ + ":" + port + ": " + error);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{static_cast<time_t>(timeout_ms_ / 1000),
             static_cast<suseconds_t>(timeout_ms_ % 1000 * 1000)};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  inbuf_.clear();
  return Status::Ok();
}

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status HttpConnection::Send(std::string_view head, std::string_view body) {
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  int first = 0;
  while (first < 2) {
    msghdr msg{};
    msg.msg_iov = iov + first;
    msg.msg_iovlen = static_cast<size_t>(2 - first);
    ssize_t n = sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    }
    auto left = static_cast<size_t>(n);
    while (first < 2 && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (first < 2) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

Status HttpConnection::Receive(HttpAnswer& answer) {
  answer = HttpAnswer{};
  size_t header_end;
  while ((header_end = inbuf_.find("\r\n\r\n")) == std::string::npos) {
    if (inbuf_.size() > 64 * 1024) return Status::Internal("response headers over 64 KiB");
    BALLAST_RETURN_IF_ERROR(Fill());
  }
  std::string_view head(inbuf_.data(), header_end);
  if (head.size() < 12 || !head.starts_with("HTTP/1.")) {
    return Status::Internal("malformed status line: " +
                            std::string(head.substr(0, head.find("\r\n"))));
  }
  std::from_chars(head.data() + 9, head.data() + 12, answer.status);
  int64_t length = 0;
  bool chunked = false;
  for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line = head.substr(pos + 2, next == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : next - pos - 2);
    pos = next;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "content-length") {
      std::from_chars(value.data(), value.data() + value.size(), length);
    } else if (name == "transfer-encoding") {
      chunked = value.find("chunked") != std::string_view::npos;
    } else if (name == "connection") {
      answer.close = value.find("close") != std::string_view::npos;
    }
  }
  inbuf_.erase(0, header_end + 4);
  if (!chunked) return TakeBody(static_cast<size_t>(length), answer.body);
  while (true) {  // chunk-size [;ext] CRLF data CRLF ... 0 CRLF CRLF
    size_t eol;
    while ((eol = inbuf_.find("\r\n")) == std::string::npos) BALLAST_RETURN_IF_ERROR(Fill());
    size_t size = 0;
    std::from_chars(inbuf_.data(), inbuf_.data() + eol, size, 16);
    inbuf_.erase(0, eol + 2);
    std::string chunk;
    BALLAST_RETURN_IF_ERROR(TakeBody(size + 2, chunk));
    if (size == 0) return Status::Ok();  // no trailers expected from the server
    answer.body.append(chunk, 0, size);
  }
}

Status HttpConnection::Fill() {
  char buf[16 * 1024];
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      inbuf_.append(buf, static_cast<size_t>(n));
      return Status::Ok();
    }
    if (n == 0) return Status::Unavailable("server closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return Status::Unavailable("no answer within the timeout");
    return Status::Unavailable(std::string("recv: ") + std::strerror(errno));
  }
}

Status HttpConnection::TakeBody(size_t length, std::string& out) {
  while (inbuf_.size() < length) BALLAST_RETURN_IF_ERROR(Fill());
  out.assign(inbuf_, 0, length);
  inbuf_.erase(0, length);
  return Status::Ok();
}

Status HttpConnection::Request(std::string_view method, std::string_view target,
                               std::string_view json_body, HttpAnswer& answer) {
  if (!open()) BALLAST_RETURN_IF_ERROR(Connect());
  std::string head = std::string(method) + " " + std::string(target) +
                     " HTTP/1.1\r\nHost: " + host_ + "\r\nContent-Type: application/json\r\n" +
                     "Content-Length: " + std::to_string(json_body.size()) + "\r\n\r\n";
  Status st = Send(head, json_body);
  if (st.ok()) st = Receive(answer);
  if (!st.ok() || answer.close) Close();
  return st;
}

}  // namespace ballast::bench
