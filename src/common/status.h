// Status and Result<T>: errors as values across ballast's module boundaries.
//
// A Status carries a canonical code (which maps one-to-one to an HTTP status, see API.md),
// a human-readable message and, optionally, the field or position the error is about.
// Result<T> holds either a T or a non-OK Status; constructing a Result from an OK Status is a
// programmer error and asserts.
//
//   Result<int> ParsePort(std::string_view s) {
//     if (s.empty()) return Status::InvalidArgument("port is empty", "listen");
//     ...
//     return port;
//   }
//
// Thread safety: values; no shared state.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ballast {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kMethodNotAllowed,
  kAlreadyExists,
  kAborted,
  kFailedPrecondition,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kResourceExhausted,
  kInternal,
  kUnavailable,
};

// Canonical name used on the wire ("INVALID_ARGUMENT", ...).
std::string_view StatusCodeName(StatusCode code);
// HTTP status for a code (kInvalidArgument -> 400, ...).
int HttpStatusFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string msg, std::string field = {}) {
    return {StatusCode::kInvalidArgument, std::move(msg), std::move(field)};
  }
  static Status Unauthenticated(std::string msg) { return {StatusCode::kUnauthenticated, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status MethodNotAllowed(std::string msg) { return {StatusCode::kMethodNotAllowed, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {StatusCode::kAborted, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status PayloadTooLarge(std::string msg) { return {StatusCode::kPayloadTooLarge, std::move(msg)}; }
  static Status UnsupportedMediaType(std::string msg) { return {StatusCode::kUnsupportedMediaType, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

  bool IsInvalidArgument() const { return code_ == StatusCode::kInvalidArgument; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool IsResourceExhausted() const { return code_ == StatusCode::kResourceExhausted; }

  // "INVALID_ARGUMENT: message (field: x)"; for logs and tests.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

// Result<T>: a T or a non-OK Status. Must be used.
template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Status> {
  using Base = tl::expected<T, Status>;

 public:
  using Base::Base;
  Result() = default;  // holds a default T; needed by asynchronous plumbing
  Result(const Status& s) : Base(tl::unexpect, s) { assert(!s.ok()); }  // NOLINT
  Result(Status&& s) : Base(tl::unexpect, std::move(s)) { assert(!this->error().ok()); }  // NOLINT

  // The error, or OK when a value is held.
  Status status() const { return this->has_value() ? Status::Ok() : this->error(); }
};

}  // namespace ballast

// Returns early with the Status of `expr` when it is not OK.
#define BALLAST_RETURN_IF_ERROR(expr)            \
  do {                                           \
    ::ballast::Status _st = (expr);              \
    if (!_st.ok()) return _st;                   \
  } while (0)

#define BALLAST_CONCAT_INNER_(a, b) a##b
#define BALLAST_CONCAT_(a, b) BALLAST_CONCAT_INNER_(a, b)
// BALLAST_ASSIGN_OR_RETURN(auto x, MakeX()); returns the error if MakeX() failed.
#define BALLAST_ASSIGN_OR_RETURN(lhs, expr)                           \
  auto BALLAST_CONCAT_(_res_, __LINE__) = (expr);                     \
  if (!BALLAST_CONCAT_(_res_, __LINE__)) return BALLAST_CONCAT_(_res_, __LINE__).error(); \
  lhs = std::move(*BALLAST_CONCAT_(_res_, __LINE__))
