#include "telemetry/request_join.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/time.h"
#include "telemetry/ingest.h"

namespace ballast::telemetry {
namespace {

TEST(RequestJoinTest, FindsWhatWasRememberedPerService) {
  RequestJoin join(1000);
  join.Remember("chat", "r1", 7);
  join.Remember("chat", "r2", 8);
  join.Remember("search", "r1", 9);
  EXPECT_EQ(join.Find("chat", "r1"), 7);
  EXPECT_EQ(join.Find("chat", "r2"), 8);
  EXPECT_EQ(join.Find("search", "r1"), 9);
  EXPECT_EQ(join.Find("chat", "r3"), 0);
  EXPECT_EQ(join.Find("cha", "tr1"), 0) << "service and id are hashed apart";
  join.Remember("chat", "r1", 10);  // a retried request filed again
  EXPECT_EQ(join.Find("chat", "r1"), 10);
  join.Remember("chat", "", 11);
  join.Remember("chat", "r4", 0);
  EXPECT_EQ(join.Find("chat", ""), 0);
  EXPECT_EQ(join.Find("chat", "r4"), 0);
  EXPECT_EQ(join.size(), 3u);
}

TEST(RequestJoinTest, ForgetsTheOldestBeyondItsCapacity) {
  RequestJoin join(3200);  // 16 shards x 2 generations x 100
  for (int i = 0; i < 20000; ++i) join.Remember("chat", "r" + std::to_string(i), i + 1);
  EXPECT_LE(join.size(), 3200u);
  EXPECT_GE(join.size(), 1600u) << "the newer generation of every shard is kept";
  int recent = 0;
  for (int i = 19000; i < 20000; ++i) recent += join.Find("chat", "r" + std::to_string(i)) == i + 1;
  EXPECT_EQ(recent, 1000) << "the last ids are the ones kept";
  int old = 0;
  for (int i = 0; i < 1000; ++i) old += join.Find("chat", "r" + std::to_string(i)) != 0;
  EXPECT_EQ(old, 0);
  for (size_t i = 0; i <= RequestJoin::kMaxServices; ++i) join.Join("svc-" + std::to_string(i));
  EXPECT_TRUE(join.Joins("svc-0"));
  EXPECT_FALSE(join.Joins("svc-" + std::to_string(RequestJoin::kMaxServices)))
      << "the set of joined services is bounded";
  RequestJoin off(0);
  off.Remember("chat", "r1", 1);
  EXPECT_EQ(off.Find("chat", "r1"), 0);
}

// What an SLO classifier behind IngestNdjson sees of evaluation events.
class SeenEvaluations final : public EventVisitor {
 public:
  void OnRequest(int64_t, const RequestEvent&) override {}
  void OnEvaluation(int64_t, const EvaluationEvent& e) override {
    seen.push_back(std::string(e.request_id) + " " + std::string(e.variant) + " " +
                   std::string(e.model) + " " + std::string(e.prompt));
  }
  std::vector<std::string> seen;
};

TEST(RequestJoinTest, IngestFilesEvaluationsUnderTheirRequest) {
  SimulatedClock clock(*ParseRfc3339("2026-11-27T19:00:00Z"));
  SeriesKeyRegistry registry;
  RequestJoin join;
  join.Join("chat");  // as the server does for a service with an SLO over evaluations
  SeenEvaluations seen;
  IngestOptions options;
  options.also = &seen;
  options.join = &join;
  const std::string requests =
      R"({"time":"2026-11-27T18:58:00Z","service":"chat","variant":"canary","request_id":"r1","model":"bot@2","prompt":"reply@4"})"
      "\n"
      R"({"type":"evaluation","time":"2026-11-27T18:58:01Z","service":"chat","request_id":"r1","name":"q","score":0.2})"
      "\n";
  IngestResult first = IngestNdjson(requests, options, registry, clock);
  ASSERT_EQ(first.accepted, 2);
  const std::string later =
      R"({"type":"evaluation","time":"2026-11-27T18:59:00Z","service":"chat","request_id":"r1","variant":"stable","model":"x","name":"q","score":1})"
      "\n"
      R"({"type":"evaluation","time":"2026-11-27T18:59:00Z","service":"chat","request_id":"r9","variant":"blue","name":"q","score":1})"
      "\n"
      R"({"type":"evaluation","time":"2026-11-27T18:59:00Z","service":"other","request_id":"r1","name":"q","score":1})"
      "\n";
  IngestResult second = IngestNdjson(later, options, registry, clock);
  ASSERT_EQ(second.accepted, 3);
  EXPECT_EQ(seen.seen, (std::vector<std::string>{
                           "r1 canary bot@2 reply@4",  // same body as its request
                           "r1 canary bot@2 reply@4",  // a later body; the request's labels win
                           "r9 blue  ",                // request never seen: as sent
                           "r1 stable  ",              // another service's request id
                       }));

  options.join = nullptr;
  seen.seen.clear();
  IngestNdjson(later, options, registry, clock);
  EXPECT_EQ(seen.seen.front(), "r1 stable x ") << "no join configured: as sent";
}

// A service nobody marked starts being joined with its first evaluation that names a request.
TEST(RequestJoinTest, AServiceSendingEvaluationsIsJoinedFromThenOn) {
  SimulatedClock clock(*ParseRfc3339("2026-11-27T19:00:00Z"));
  SeriesKeyRegistry registry;
  RequestJoin join;
  SeenEvaluations seen;
  IngestOptions options;
  options.also = &seen;
  options.join = &join;
  auto request = [](const char* id) {
    return std::string(R"({"time":"2026-11-27T18:58:00Z","service":"chat","variant":"canary","request_id":")") +
           id + "\"}\n";
  };
  auto evaluation = [](const char* id) {
    return std::string(R"({"type":"evaluation","time":"2026-11-27T18:58:01Z","service":"chat","name":"q","score":1,"request_id":")") +
           id + "\"}\n";
  };
  IngestNdjson(request("r1") + evaluation("r1") + request("r2"), options, registry, clock);
  EXPECT_FALSE(join.Joins("search"));
  EXPECT_TRUE(join.Joins("chat"));
  IngestNdjson(evaluation("r2"), options, registry, clock);
  EXPECT_EQ(seen.seen, (std::vector<std::string>{"r1 stable  ", "r2 canary  "}));
  EXPECT_EQ(join.size(), 1u) << "only r2 came after chat was joined";
}

TEST(RequestJoinTest, FoldedRequestsAreNotJoined) {
  SimulatedClock clock(*ParseRfc3339("2026-11-27T19:00:00Z"));
  SeriesKeyRegistry registry({.max_keys_per_service = 1});
  RequestJoin join;
  join.Join("chat");
  SeenEvaluations seen;
  IngestOptions options;
  options.also = &seen;
  options.join = &join;
  const std::string body =
      R"({"time":"2026-11-27T18:58:00Z","service":"chat","variant":"stable","request_id":"r1"})"
      "\n"
      R"({"time":"2026-11-27T18:58:00Z","service":"chat","variant":"canary","request_id":"r2"})"
      "\n"
      R"({"type":"evaluation","time":"2026-11-27T18:58:01Z","service":"chat","request_id":"r2","variant":"canary","name":"q","score":0.2})"
      "\n";
  ASSERT_EQ(IngestNdjson(body, options, registry, clock).accepted, 3);
  // r2 went to the overflow key ("other"): its evaluation keeps what it was sent with.
  EXPECT_EQ(seen.seen, (std::vector<std::string>{"r2 canary  "}));
}

}  // namespace
}  // namespace ballast::telemetry
