// ingest_load: a load generator for POST /v1/events (DESIGN.md §2 hot path, API.md).
//
// N keep-alive HTTP/1.1 connections on plain POSIX sockets (no HTTP library, so the client costs
// as little CPU as possible on a machine it shares with the server), one thread each, send
// pre-generated NDJSON batches back to back. Every request carries a unique Idempotency-Key, so
// the server does the full durable path (parse, classify, group commit, fsync) for each one.
// A batch counts as good only on 200 with `"accepted": <batch size>` in the body.
//
//   ingest_load --port 7410 --connections 4 --seconds 20
//   ingest_load --port 7410 --batches 100 --json     # stops after 100 batches in total
//
// It always stops by itself: after --seconds, or after --batches, whichever comes first; a
// request that gets no answer within --timeout-ms counts as an "io" error and the connection is
// reopened. Exit code: 0 when every batch was accepted in full, 1 when any error occurred,
// 2 on bad flags or when the server cannot be reached at all.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "http_connection.h"

namespace ballast::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Flags.

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int connections = 4;
  double seconds = 10;
  int64_t batches = 0;  // total over all connections; 0 = limited by --seconds only
  int batch_size = 1000;
  int services = 16;
  int bodies = 32;  // distinct pre-generated bodies, cycled
  int64_t timeout_ms = 30'000;
  std::string token;  // Authorization: Bearer, when the server has auth on
  uint64_t seed = 42;
  bool json = false;
};

constexpr std::string_view kUsage =
    "usage: ingest_load --port PORT [--host 127.0.0.1] [--connections 4] [--seconds 10]\n"
    "                   [--batches 0] [--batch-size 1000] [--services 16] [--bodies 32]\n"
    "                   [--timeout-ms 30000] [--token T] [--seed 42] [--json]\n";

template <typename T>
Status ParseNumber(std::string_view flag, std::string_view text, T min, T max, T& out) {
  T v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidArgument(std::string(flag) + ": expected a number between " +
                                   std::to_string(min) + " and " + std::to_string(max) +
                                   ", got '" + std::string(text) + "'");
  }
  out = v;
  return Status::Ok();
}

Result<Options> ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    std::string_view name = arg, value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Status::InvalidArgument(std::string(arg) + ": missing value");
    }
    if (name == "--host") {
      o.host = std::string(value);
    } else if (name == "--port") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 1, 65535, o.port));
    } else if (name == "--connections") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 1, 512, o.connections));
    } else if (name == "--seconds") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 0.1, 3600.0, o.seconds));
    } else if (name == "--batches") {
      BALLAST_RETURN_IF_ERROR(ParseNumber<int64_t>(name, value, 0, 100'000'000, o.batches));
    } else if (name == "--batch-size") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 1, 100'000, o.batch_size));
    } else if (name == "--services") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 1, 1000, o.services));
    } else if (name == "--bodies") {
      BALLAST_RETURN_IF_ERROR(ParseNumber(name, value, 1, 1024, o.bodies));
    } else if (name == "--timeout-ms") {
      BALLAST_RETURN_IF_ERROR(ParseNumber<int64_t>(name, value, 100, 600'000, o.timeout_ms));
    } else if (name == "--token") {
      o.token = std::string(value);
    } else if (name == "--seed") {
      BALLAST_RETURN_IF_ERROR(ParseNumber<uint64_t>(name, value, 0, UINT64_MAX, o.seed));
    } else {
      return Status::InvalidArgument("unknown flag '" + std::string(name) + "'");
    }
  }
  if (o.port == 0) return Status::InvalidArgument("--port is required");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Request bodies: realistic request events (DESIGN.md §3) spread over many series.

struct ServiceProfile {
  std::string name;
  std::vector<std::string> variants;  // [0] is the stable one
  std::vector<std::string> models;
  std::vector<std::string> prompts;
};

std::vector<ServiceProfile> MakeServices(int count) {
  static const char* kNames[] = {"chat",       "search-rag", "summarizer", "support-bot",
                                 "code-assist", "translate", "extract",    "classifier"};
  static const char* kModels[] = {"gpt-4o@production", "gpt-4o-mini",     "claude-3-5-sonnet",
                                  "llama-3.1-70b@3",   "mistral-large@2", "gemini-1.5-pro",
                                  "qwen2.5-72b",       "command-r-plus"};
  std::vector<ServiceProfile> out;
  for (int i = 0; i < count; ++i) {
    ServiceProfile s;
    s.name = i < 8 ? kNames[i] : "svc-" + std::to_string(i);
    s.variants = {"stable", i % 3 == 0 ? "canary" : (i % 3 == 1 ? "blue" : "green")};
    for (int m = 0; m < 3; ++m) s.models.push_back(kModels[(i + m * 3) % 8]);
    s.prompts = {s.name + "-answer@" + std::to_string(1 + i % 9), s.name + "-rewrite@2"};
    out.push_back(std::move(s));
  }
  return out;
}

// One NDJSON body of `events` lines, times spread over the two minutes before `now`.
std::string MakeBody(const std::vector<ServiceProfile>& services, int events, EpochMillis now,
                     std::mt19937_64& rng) {
  static const char* kOutcomes[] = {"ok", "error", "timeout", "rate_limited", "filtered"};
  static const char* kTenants[] = {"acme", "globex", "initech", "umbrella", "hooli", "stark"};
  static const char* kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
  static const char* kFlags[] = {"pii_leak", "jailbreak", "hallucination", "refusal"};
  std::lognormal_distribution<double> latency(6.6, 0.5);  // median ~735 ms
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> in_tokens(40, 4000), out_tokens(2, 800);
  std::string body;
  body.reserve(static_cast<size_t>(events) * 420);
  char line[1024];
  for (int i = 0; i < events; ++i) {
    const ServiceProfile& s = services[rng() % services.size()];
    const std::string& variant = s.variants[unit(rng) < 0.9 ? 0 : 1];
    double u = unit(rng);
    const char* outcome = u < 0.95 ? kOutcomes[0] : kOutcomes[1 + rng() % 4];
    double lat = latency(rng), ttft = lat * (0.1 + 0.3 * unit(rng));
    int in = in_tokens(rng), out = out_tokens(rng);
    std::string flags;
    if (unit(rng) < 0.02) flags = std::string(R"("flags":[")") + kFlags[rng() % 4] + R"("],)";
    std::string scores;
    if (unit(rng) < 0.25) {
      char buf[64];
      std::snprintf(buf, sizeof buf, R"("scores":{"quality":%.2f},)", 0.5 + 0.5 * unit(rng));
      scores = buf;
    }
    EpochMillis t = now - static_cast<EpochMillis>(rng() % 120'000);
    int n = std::snprintf(
        line, sizeof line,
        R"({"time":"%s","service":"%s","variant":"%s","request_id":"req-%016llx",)"
        R"("model":"%s","prompt":"%s","provider":"openai","operation":"chat","outcome":"%s",)"
        R"("latency_ms":%.1f,"ttft_ms":%.1f,"input_tokens":%d,"output_tokens":%d,)"
        R"("cost_usd":%.6f,"finish_reason":"stop",%s%s)"
        R"("attributes":{"tenant":"%s","region":"%s"}})"
        "\n",
        FormatRfc3339(t).c_str(), s.name.c_str(), variant.c_str(),
        static_cast<unsigned long long>(rng()), s.models[rng() % s.models.size()].c_str(),
        s.prompts[rng() % s.prompts.size()].c_str(), outcome, lat, ttft, in, out,
        (in * 2.5 + out * 10.0) / 1e6, scores.c_str(), flags.c_str(), kTenants[rng() % 6],
        kRegions[rng() % 3]);
    body.append(line, static_cast<size_t>(std::min<int>(n, sizeof line - 1)));
  }
  return body;
}

// The "accepted" count of an ingest answer, or -1 when the body has none.
int64_t AcceptedCount(std::string_view body) {
  size_t at = body.find("\"accepted\"");
  if (at == std::string_view::npos) return -1;
  size_t i = at + 10;
  while (i < body.size() && (body[i] == ' ' || body[i] == ':')) ++i;
  int64_t n = -1;
  auto [p, ec] = std::from_chars(body.data() + i, body.data() + body.size(), n);
  return ec == std::errc() ? n : -1;
}

// ---------------------------------------------------------------------------------------------
// Workers and the report.

struct WorkerStats {
  int64_t batches_ok = 0;
  int64_t events_ok = 0;
  std::vector<uint32_t> latency_us;      // every answered batch, good or not
  std::map<std::string, int64_t> errors;  // "429", "io", "accepted_mismatch", ...
  std::string first_error;
};

struct Shared {
  const Options* options = nullptr;
  const std::vector<std::string>* bodies = nullptr;
  std::string run_id;
  SteadyClock::time_point deadline;
  std::atomic<int64_t> batches_left{0};  // only when --batches is set
};

void RunWorker(int index, Shared& shared, WorkerStats& stats) {
  const Options& o = *shared.options;
  HttpConnection conn(o.host, o.port, o.timeout_ms);
  std::string head;
  head.reserve(512);
  auto note_error = [&](const std::string& kind, const std::string& detail) {
    ++stats.errors[kind];
    if (!stats.first_error.empty()) return;
    stats.first_error = kind + ": " + detail;
    std::replace(stats.first_error.begin(), stats.first_error.end(), '\n', ' ');
  };
  for (int64_t seq = 0; SteadyClock::now() < shared.deadline; ++seq) {
    if (o.batches > 0 && shared.batches_left.fetch_sub(1) <= 0) break;
    if (!conn.open()) {
      if (Status st = conn.Connect(); !st.ok()) {
        note_error("connect", st.message());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
    }
    const std::string& body =
        (*shared.bodies)[static_cast<size_t>(index + seq * o.connections) % shared.bodies->size()];
    head = "POST /v1/events HTTP/1.1\r\nHost: " + o.host +
           "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nIdempotency-Key: " + shared.run_id + "-c" +
           std::to_string(index) + "-" + std::to_string(seq) + "\r\n";
    if (!o.token.empty()) head += "Authorization: Bearer " + o.token + "\r\n";
    head += "\r\n";
    auto start = SteadyClock::now();
    HttpAnswer answer;
    Status st = conn.Send(head, body);
    if (st.ok()) st = conn.Receive(answer);
    if (!st.ok()) {
      note_error("io", st.message());
      conn.Close();
      continue;
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
    stats.latency_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us.count(), UINT32_MAX)));
    if (answer.close) conn.Close();
    if (answer.status != 200) {
      note_error(std::to_string(answer.status), answer.body.substr(0, 300));
      if (answer.status == 429 || answer.status == 503)  // overloaded: do not hammer it
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    int64_t accepted = AcceptedCount(answer.body);
    if (accepted != o.batch_size) {
      note_error("accepted_mismatch", answer.body.substr(0, 300));
      continue;
    }
    ++stats.batches_ok;
    stats.events_ok += accepted;
  }
}

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
}

int Run(const Options& o) {
  std::signal(SIGPIPE, SIG_IGN);
  {  // fail fast, before generating anything, when nothing listens
    HttpConnection probe(o.host, o.port, o.timeout_ms);
    if (Status st = probe.Connect(); !st.ok()) {
      std::fprintf(stderr, "ingest_load: %s\n", st.message().c_str());
      return 2;
    }
  }
  std::mt19937_64 rng(o.seed);
  std::vector<ServiceProfile> services = MakeServices(o.services);
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::vector<std::string> bodies;
  for (int i = 0; i < o.bodies; ++i) bodies.push_back(MakeBody(services, o.batch_size, now_ms, rng));

  Shared shared;
  shared.options = &o;
  shared.bodies = &bodies;
  char run_id[32];
  std::snprintf(run_id, sizeof run_id, "load-%llx-%llx",
                static_cast<unsigned long long>(now_ms),
                static_cast<unsigned long long>(std::random_device{}() & 0xffffff));
  shared.run_id = run_id;
  shared.batches_left = o.batches;
  auto start = SteadyClock::now();
  shared.deadline = start + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));
  std::vector<WorkerStats> stats(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i)
    threads.emplace_back(RunWorker, i, std::ref(shared), std::ref(stats[static_cast<size_t>(i)]));
  for (std::thread& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();

  WorkerStats total;
  for (WorkerStats& s : stats) {
    total.batches_ok += s.batches_ok;
    total.events_ok += s.events_ok;
    total.latency_us.insert(total.latency_us.end(), s.latency_us.begin(), s.latency_us.end());
    for (const auto& [kind, n] : s.errors) total.errors[kind] += n;
    if (total.first_error.empty()) total.first_error = s.first_error;
  }
  std::sort(total.latency_us.begin(), total.latency_us.end());
  int64_t error_total = 0;
  for (const auto& [kind, n] : total.errors) error_total += n;
  double eps = total.events_ok / elapsed, bps = total.batches_ok / elapsed;
  double p50 = Percentile(total.latency_us, 0.50), p90 = Percentile(total.latency_us, 0.90),
         p99 = Percentile(total.latency_us, 0.99), max = Percentile(total.latency_us, 1.0);
  size_t body_bytes = 0;
  for (const std::string& b : bodies) body_bytes += b.size();

  if (o.json) {
    std::string errors;
    for (const auto& [kind, n] : total.errors)
      errors += (errors.empty() ? "\"" : ",\"") + kind + "\":" + std::to_string(n);
    std::printf(
        "{\"connections\":%d,\"batch_size\":%d,\"seconds\":%.3f,\"batches\":%lld,"
        "\"events\":%lld,\"events_per_sec\":%.0f,\"batches_per_sec\":%.1f,"
        "\"mean_body_bytes\":%zu,\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
        "\"max\":%.3f},\"errors\":{%s},\"error_total\":%lld}\n",
        o.connections, o.batch_size, elapsed, static_cast<long long>(total.batches_ok),
        static_cast<long long>(total.events_ok), eps, bps, body_bytes / bodies.size(), p50, p90,
        p99, max, errors.c_str(), static_cast<long long>(error_total));
  } else {
    std::printf("connections %d, batch size %d, %.2f s, mean body %zu bytes\n", o.connections,
                o.batch_size, elapsed, body_bytes / bodies.size());
    std::printf("accepted    %lld events in %lld batches\n",
                static_cast<long long>(total.events_ok), static_cast<long long>(total.batches_ok));
    std::printf("throughput  %.0f events/s, %.1f batches/s\n", eps, bps);
    std::printf("latency ms  p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", p50, p90, p99, max);
    std::printf("errors      %lld", static_cast<long long>(error_total));
    for (const auto& [kind, n] : total.errors)
      std::printf("  %s: %lld", kind.c_str(), static_cast<long long>(n));
    std::printf("\n");
  }
  if (!total.first_error.empty())
    std::fprintf(stderr, "ingest_load: first error: %s\n", total.first_error.c_str());
  return error_total == 0 && total.batches_ok > 0 ? 0 : 1;
}

}  // namespace
}  // namespace ballast::bench

int main(int argc, char** argv) {
  using ballast::bench::kUsage;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::fputs(kUsage.data(), stdout);
      return 0;
    }
  }
  auto options = ballast::bench::ParseFlags(argc, argv);
  if (!options) {
    std::fprintf(stderr, "ingest_load: %s\n%s", options.error().message().c_str(), kUsage.data());
    return 2;
  }
  return ballast::bench::Run(*options);
}
