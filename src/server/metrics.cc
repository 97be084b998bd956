#include "server/metrics.h"

#include <prometheus/text_serializer.h>

namespace ballast::server {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

namespace {
Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}
}  // namespace

ServerMetrics::ServerMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(BuildCounter()
                    .Name("ballast_http_requests_total")
                    .Help("HTTP requests answered, by route pattern, method and status code")
                    .Register(*registry_)),
      request_seconds_(BuildHistogram()
                           .Name("ballast_http_request_duration_seconds")
                           .Help("Time from a request's arrival to its answer, by route pattern")
                           .Register(*registry_)),
      events_(BuildCounter()
                  .Name("ballast_ingest_events_total")
                  .Help("Telemetry events received, by kind and result (accepted, rejected)")
                  .Register(*registry_)),
      ignored_spans_(BuildCounter()
                         .Name("ballast_ingest_otlp_spans_ignored_total")
                         .Help("OTLP spans without GenAI attributes, ignored")
                         .Register(*registry_)
                         .Add({})),
      replays_(BuildCounter()
                   .Name("ballast_ingest_idempotent_replays_total")
                   .Help("Batches answered from a stored Idempotency-Key, not counted again")
                   .Register(*registry_)
                   .Add({})),
      refused_(BuildCounter()
                   .Name("ballast_ingest_batches_refused_total")
                   .Help("Batches refused with 429 because the writer queue was full")
                   .Register(*registry_)
                   .Add({})),
      commit_seconds_(BuildHistogram()
                          .Name("ballast_store_commit_duration_seconds")
                          .Help("Duration of one group commit, fsync included")
                          .Register(*registry_)
                          .Add({}, LatencyBuckets())),
      commit_ops_(BuildHistogram()
                      .Name("ballast_store_commit_operations")
                      .Help("Writes committed in one group transaction")
                      .Register(*registry_)
                      .Add({}, Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512})),
      commit_failures_(BuildCounter()
                           .Name("ballast_store_commit_failures_total")
                           .Help("Group commits that failed and were rolled back")
                           .Register(*registry_)
                           .Add({})) {}

void ServerMetrics::ObserveRequest(const std::string& route, std::string_view method, int status,
                                   double seconds) {
  requests_
      .Add({{"route", route}, {"method", std::string(method)}, {"code", std::to_string(status)}})
      .Increment();
  request_seconds_.Add({{"route", route}}, LatencyBuckets()).Observe(seconds);
}

void ServerMetrics::AddAccepted(std::string_view kind, int64_t n) {
  if (n > 0) events_.Add({{"kind", std::string(kind)}, {"result", "accepted"}}).Increment(n);
}
void ServerMetrics::AddRejected(std::string_view kind, int64_t n) {
  if (n > 0) events_.Add({{"kind", std::string(kind)}, {"result", "rejected"}}).Increment(n);
}
void ServerMetrics::AddIgnoredSpans(int64_t n) { ignored_spans_.Increment(n); }
void ServerMetrics::AddIdempotentReplays(int64_t n) { replays_.Increment(n); }
void ServerMetrics::AddBatchRefused() { refused_.Increment(); }

void ServerMetrics::OnCommit(double seconds, int operations, bool ok) {
  commit_seconds_.Observe(seconds);
  commit_ops_.Observe(operations);
  if (!ok) commit_failures_.Increment();
}

void ServerMetrics::AddScrapeGauge(const std::string& name, const std::string& help,
                                   std::function<double()> read) {
  auto& g = BuildGauge().Name(name).Help(help).Register(*registry_).Add({});
  std::lock_guard lock(mu_);
  scrape_gauges_.push_back({&g, std::move(read)});
}

void ServerMetrics::AddScrapeText(std::function<std::string()> render) {
  std::lock_guard lock(mu_);
  scrape_texts_.push_back(std::move(render));
}

std::string ServerMetrics::Render() {
  std::vector<std::function<std::string()>> texts;
  {
    std::lock_guard lock(mu_);
    for (auto& sg : scrape_gauges_) sg.gauge->Set(sg.read());
    texts = scrape_texts_;
  }
  prometheus::TextSerializer serializer;
  std::string out = serializer.Serialize(registry_->Collect());
  for (const auto& render : texts) out += render();
  return out;
}

}  // namespace ballast::server
