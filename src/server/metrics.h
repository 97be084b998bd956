// ServerMetrics: the Prometheus series of DESIGN.md/API.md ("ballast_*"), rendered in the text
// exposition format for GET /metrics.
//
// Thread safety: every method may be called from any thread (prometheus-cpp metrics are atomic;
// the per-route families take a lock only to find the labelled child).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.h"

namespace ballast::server {

class ServerMetrics final : public store::WriterObserver {
 public:
  ServerMetrics();

  // One answered HTTP request; `route` is the matched pattern (or "unmatched").
  void ObserveRequest(const std::string& route, std::string_view method, int status,
                      double seconds);
  // Ingest outcomes by event kind ("request", "evaluation", "otlp_span").
  void AddAccepted(std::string_view kind, int64_t n);
  void AddRejected(std::string_view kind, int64_t n);
  void AddIgnoredSpans(int64_t n);
  void AddIdempotentReplays(int64_t n);
  void AddBatchRefused();  // writer queue full

  // WriterObserver.
  void OnCommit(double seconds, int operations, bool ok) override;

  // Values read at scrape time (queue depth, open connections, folded keys, ...).
  void AddScrapeGauge(const std::string& name, const std::string& help,
                      std::function<double()> read);

  // Text in the exposition format appended to every scrape (families with dynamic labels,
  // such as the per-SLO gauges).
  void AddScrapeText(std::function<std::string()> render);

  std::string Render();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_seconds_;
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Counter& ignored_spans_;
  prometheus::Counter& replays_;
  prometheus::Counter& refused_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Histogram& commit_ops_;
  prometheus::Counter& commit_failures_;
  struct ScrapeGauge {
    prometheus::Gauge* gauge;
    std::function<double()> read;
  };
  std::mutex mu_;
  std::vector<ScrapeGauge> scrape_gauges_;                  // GUARDED_BY(mu_)
  std::vector<std::function<std::string()>> scrape_texts_;  // GUARDED_BY(mu_)
};

}  // namespace ballast::server
