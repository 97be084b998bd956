#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ballast {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s, Status::Ok());
}

// The wire names and HTTP statuses are the contract of API.md's error table.
TEST(StatusTest, CodeNamesAndHttpStatusesMatchApiMd) {
  struct Row {
    StatusCode code;
    const char* name;
    int http;
  };
  const Row rows[] = {
      {StatusCode::kOk, "OK", 200},
      {StatusCode::kInvalidArgument, "INVALID_ARGUMENT", 400},
      {StatusCode::kUnauthenticated, "UNAUTHENTICATED", 401},
      {StatusCode::kPermissionDenied, "PERMISSION_DENIED", 403},
      {StatusCode::kNotFound, "NOT_FOUND", 404},
      {StatusCode::kMethodNotAllowed, "METHOD_NOT_ALLOWED", 405},
      {StatusCode::kAlreadyExists, "ALREADY_EXISTS", 409},
      {StatusCode::kAborted, "ABORTED", 409},
      {StatusCode::kFailedPrecondition, "FAILED_PRECONDITION", 412},
      {StatusCode::kPayloadTooLarge, "PAYLOAD_TOO_LARGE", 413},
      {StatusCode::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415},
      {StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED", 429},
      {StatusCode::kInternal, "INTERNAL", 500},
      {StatusCode::kUnavailable, "UNAVAILABLE", 503},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(StatusCodeName(r.code), r.name);
    EXPECT_EQ(HttpStatusFor(r.code), r.http) << r.name;
  }
}

TEST(StatusTest, NamedConstructorsSetTheirCode) {
  EXPECT_TRUE(Status::InvalidArgument("x").IsInvalidArgument());
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_TRUE(Status::AlreadyExists("x").IsAlreadyExists());
  EXPECT_TRUE(Status::ResourceExhausted("x").IsResourceExhausted());
  EXPECT_EQ(Status::Unauthenticated("x").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Status::PermissionDenied("x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::MethodNotAllowed("x").code(), StatusCode::kMethodNotAllowed);
  EXPECT_EQ(Status::Aborted("x").code(), StatusCode::kAborted);
  EXPECT_EQ(Status::FailedPrecondition("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Status::PayloadTooLarge("x").code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(Status::UnsupportedMediaType("x").code(), StatusCode::kUnsupportedMediaType);
  EXPECT_EQ(Status::Internal("x").code(), StatusCode::kInternal);
  EXPECT_EQ(Status::Unavailable("x").code(), StatusCode::kUnavailable);
  EXPECT_FALSE(Status::NotFound("x").IsInvalidArgument());
  EXPECT_FALSE(Status::NotFound("x").ok());
}

TEST(StatusTest, ToStringIncludesMessageAndField) {
  Status s = Status::InvalidArgument("target must be below 1", "spec.objectives[0].target");
  EXPECT_EQ(s.message(), "target must be below 1");
  EXPECT_EQ(s.field(), "spec.objectives[0].target");
  EXPECT_EQ(s.ToString(),
            "INVALID_ARGUMENT: target must be below 1 (field: spec.objectives[0].target)");
  EXPECT_EQ(Status::NotFound("no SLO 'x'").ToString(), "NOT_FOUND: no SLO 'x'");
  EXPECT_EQ(Status(StatusCode::kInternal, "").ToString(), "INTERNAL");
}

TEST(StatusTest, WithContextPrefixesAndKeepsCodeAndField) {
  Status s = Status::InvalidArgument("bad unit", "window").WithContext("slo 'latency'");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "slo 'latency': bad unit");
  EXPECT_EQ(s.field(), "window");
  EXPECT_TRUE(Status::Ok().WithContext("anything").ok());
  EXPECT_EQ(Status::Ok().WithContext("anything").message(), "");
}

TEST(StatusTest, Equality) {
  EXPECT_EQ(Status::NotFound("a"), Status::NotFound("a"));
  EXPECT_NE(Status::NotFound("a"), Status::NotFound("b"));
  EXPECT_NE(Status::NotFound("a"), Status::Internal("a"));
  EXPECT_NE(Status::InvalidArgument("a", "f"), Status::InvalidArgument("a", "g"));
}

Result<int> Half(int v) {
  if (v % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  BALLAST_ASSIGN_OR_RETURN(int h, Half(v));
  BALLAST_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int v) {
  BALLAST_RETURN_IF_ERROR(Half(v).status());
  return Status::Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> ok = Half(8);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 4);
  EXPECT_TRUE(ok.status().ok());

  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "odd: 3");
  EXPECT_EQ(bad.status(), Status::InvalidArgument("odd: 3"));
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().message(), "odd: 3");  // 6 -> 3 fails in the second step
  EXPECT_EQ(Quarter(5).error().message(), "odd: 5");
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(7).message(), "odd: 7");
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r);
  std::unique_ptr<int> p = std::move(*r);
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace ballast
