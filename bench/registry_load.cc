// registry_load: latency of the registry routes over HTTP on loopback with a large registry
// stored (issue 4 "Proof": 100,000 model versions and 10,000 prompt versions).
//
// Seeds the server through its public API (POST /v1/models, POST /v1/models/{name}/versions,
// PUT …/aliases/production, POST /v1/prompts/{name}/versions) over --connections parallel
// connections, then times each operation --samples times on one keep-alive connection, one
// request at a time, so each figure is a request's own latency:
//
//   create_version    POST /v1/models/{name}/versions (durable: answered after fsync)
//   resolve_alias     GET /v1/models/resolve?ref=NAME@production
//   resolve_number    GET /v1/models/NAME/versions/N
//   search_models     GET /v1/models?filter=name LIKE 'support%' AND tags.team = 'core'
//   search_versions   GET /v1/models/NAME/versions?filter=tags.eval = 'failed'
//   resolve_prompt    GET /v1/prompts/NAME/versions/latest
//
//   registry_load --port 7410                       # seed 1,000 × 100 versions, 100 × 100 prompts
//   registry_load --port 7410 --skip-seed --json    # time against what is already stored
//
// Exit code: 0 when every request succeeded, 1 when any failed, 2 on bad flags or when the
// server cannot be reached.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http_connection.h"

namespace ballast::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int models = 1000;
  int versions_per_model = 100;
  int prompts = 100;
  int versions_per_prompt = 100;
  int connections = 8;
  int samples = 2000;
  int timeout_ms = 30'000;
  bool skip_seed = false;
  bool json = false;
};

bool ParseInt(std::string_view text, int min, int& out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min) return false;
  out = v;
  return true;
}

Result<Options> ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--skip-seed") {
      o.skip_seed = true;
      continue;
    }
    if (flag == "--json") {
      o.json = true;
      continue;
    }
    if (i + 1 >= argc) return Status::InvalidArgument(std::string(flag) + " needs a value");
    std::string_view value = argv[++i];
    struct IntFlag {
      const char* name;
      int* target;
      int min;
    };
    const IntFlag ints[] = {{"--port", &o.port, 1},
                            {"--models", &o.models, 1},
                            {"--versions-per-model", &o.versions_per_model, 1},
                            {"--prompts", &o.prompts, 1},
                            {"--versions-per-prompt", &o.versions_per_prompt, 1},
                            {"--connections", &o.connections, 1},
                            {"--samples", &o.samples, 1},
                            {"--timeout-ms", &o.timeout_ms, 1}};
    bool known = false;
    for (const IntFlag& f : ints) {
      if (flag != f.name) continue;
      known = true;
      if (!ParseInt(value, f.min, *f.target)) {
        return Status::InvalidArgument(std::string(flag) + " must be an integer >= " +
                                       std::to_string(f.min) + ", not '" + std::string(value) +
                                       "'");
      }
    }
    if (flag == "--host") {
      o.host = value;
    } else if (!known) {
      return Status::InvalidArgument("unknown flag " + std::string(flag));
    }
  }
  if (o.port == 0) return Status::InvalidArgument("--port is required");
  return o;
}

std::string ModelName(int i) {
  return (i % 5 == 0 ? "support-bot-" : "assistant-") + std::to_string(i);
}
std::string PromptName(int i) { return "prompt-" + std::to_string(i); }
const char* const kTeams[] = {"core", "search", "support", "growth", "infra"};

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string ModelBody(int i) {
  return "{\"name\":\"" + ModelName(i) + "\",\"owner\":\"owner-" + std::to_string(i % 17) +
         "\",\"provider\":\"openai\",\"tags\":{\"team\":\"" + kTeams[i % 5] + "\"}}";
}

std::string VersionBody(int v) {
  return "{\"source\":\"ft:gpt-4o:acme:" + std::to_string(v) + "\",\"tags\":{\"eval\":\"" +
         (v % 4 ? "passed" : "failed") + "\",\"batch\":\"" + std::to_string(v % 10) + "\"}}";
}

std::string PromptBody(int p, int v) {
  return "{\"apiVersion\":\"ballast.dev/v1\",\"kind\":\"Prompt\",\"metadata\":{\"name\":\"" +
         PromptName(p) + "\"},\"spec\":{\"template\":\"Revision " + std::to_string(v) +
         ": answer the question.\\n\\n{{ question }}\",\"variables\":{\"question\":" +
         "{\"description\":\"the user's question\"}}},\"message\":\"revision " +
         std::to_string(v) + "\"}";
}

// One request that must answer 2xx; prints the first failure of each phase.
struct Caller {
  HttpConnection conn;
  std::atomic<int64_t>* errors;
  bool Call(std::string_view method, const std::string& target, std::string_view body) {
    HttpAnswer answer;
    Status st = conn.Request(method, target, body, answer);
    if (st.ok() && answer.status >= 200 && answer.status < 300) return true;
    if (errors->fetch_add(1) < 3) {
      std::fprintf(stderr, "%.*s %s: %s\n", int(method.size()), method.data(), target.c_str(),
                   st.ok() ? (std::to_string(answer.status) + " " + answer.body).c_str()
                           : st.ToString().c_str());
    }
    return false;
  }
};

// Runs `job(caller, i)` for i in [0, n) over o.connections connections.
void Parallel(const Options& o, int n, std::atomic<int64_t>& errors,
              const std::function<void(Caller&, int)>& job) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&] {
      Caller c{HttpConnection(o.host, o.port, o.timeout_ms), &errors};
      for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) job(c, i);
    });
  }
  for (auto& t : threads) t.join();
}

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

void Seed(const Options& o, std::atomic<int64_t>& errors) {
  auto t0 = SteadyClock::now();
  Parallel(o, o.models, errors, [&](Caller& c, int i) {
    c.Call("POST", "/v1/models", ModelBody(i));
    for (int v = 1; v <= o.versions_per_model; ++v) {
      c.Call("POST", "/v1/models/" + ModelName(i) + "/versions", VersionBody(v));
    }
    int target = std::max(1, o.versions_per_model * 9 / 10);
    c.Call("PUT", "/v1/models/" + ModelName(i) + "/aliases/production",
           "{\"version\":" + std::to_string(target) + ",\"reason\":\"seed\"}");
  });
  std::fprintf(stderr, "seeded %d models × %d versions in %.1f s\n", o.models,
               o.versions_per_model, Seconds(t0));
  t0 = SteadyClock::now();
  Parallel(o, o.prompts, errors, [&](Caller& c, int p) {
    for (int v = 1; v <= o.versions_per_prompt; ++v) {
      c.Call("POST", "/v1/prompts/" + PromptName(p) + "/versions", PromptBody(p, v));
    }
  });
  std::fprintf(stderr, "seeded %d prompts × %d versions in %.1f s\n", o.prompts,
               o.versions_per_prompt, Seconds(t0));
}

struct Figure {
  std::string name;
  int samples = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  int64_t errors = 0;
};

Figure Time(const Options& o, const std::string& name,
            const std::function<void(Caller&, int)>& request) {
  std::atomic<int64_t> errors{0};
  Caller c{HttpConnection(o.host, o.port, o.timeout_ms), &errors};
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(o.samples));
  for (int i = 0; i < o.samples; ++i) {
    auto t0 = SteadyClock::now();
    request(c, i);
    ms.push_back(Seconds(t0) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * ms.size()))]; };
  return {name, o.samples, at(0.5), at(0.99), ms.back(), errors.load()};
}

int Run(const Options& o) {
  {
    HttpConnection probe(o.host, o.port, o.timeout_ms);
    if (Status st = probe.Connect(); !st.ok()) {
      std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
      return 2;
    }
  }
  std::atomic<int64_t> seed_errors{0};
  if (!o.skip_seed) Seed(o, seed_errors);

  std::mt19937 rng(11);
  auto model = [&] { return ModelName(int(rng() % unsigned(o.models))); };
  const std::string support_filter =
      UrlEncode("name LIKE 'support%' AND tags.team = 'core'");
  const std::string failed_filter = UrlEncode("tags.eval = 'failed'");
  std::vector<Figure> figures;
  figures.push_back(Time(o, "create_version", [&](Caller& c, int i) {
    c.Call("POST", "/v1/models/" + model() + "/versions", VersionBody(100'000 + i));
  }));
  figures.push_back(Time(o, "resolve_alias", [&](Caller& c, int) {
    c.Call("GET", "/v1/models/resolve?ref=" + model() + "%40production", "");
  }));
  figures.push_back(Time(o, "resolve_number", [&](Caller& c, int) {
    c.Call("GET",
           "/v1/models/" + model() + "/versions/" +
               std::to_string(1 + rng() % unsigned(o.versions_per_model)),
           "");
  }));
  figures.push_back(Time(o, "search_models", [&](Caller& c, int) {
    c.Call("GET", "/v1/models?filter=" + support_filter, "");
  }));
  figures.push_back(Time(o, "search_versions", [&](Caller& c, int) {
    c.Call("GET", "/v1/models/" + model() + "/versions?filter=" + failed_filter, "");
  }));
  figures.push_back(Time(o, "resolve_prompt", [&](Caller& c, int) {
    c.Call("GET",
           "/v1/prompts/" + PromptName(int(rng() % unsigned(o.prompts))) + "/versions/latest",
           "");
  }));

  int64_t failures = seed_errors.load();
  if (o.json) {
    std::printf("{\"seed_errors\": %lld, \"operations\": [", (long long)seed_errors.load());
    for (size_t i = 0; i < figures.size(); ++i) {
      const Figure& f = figures[i];
      std::printf("%s{\"name\": \"%s\", \"samples\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
                  "\"max_ms\": %.3f, \"errors\": %lld}",
                  i ? ", " : "", f.name.c_str(), f.samples, f.p50_ms, f.p99_ms, f.max_ms,
                  (long long)f.errors);
    }
    std::printf("]}\n");
  } else {
    std::printf("%-16s %8s %10s %10s %10s %7s\n", "operation", "samples", "p50 ms", "p99 ms",
                "max ms", "errors");
    for (const Figure& f : figures) {
      std::printf("%-16s %8d %10.3f %10.3f %10.3f %7lld\n", f.name.c_str(), f.samples,
                  f.p50_ms, f.p99_ms, f.max_ms, (long long)f.errors);
    }
  }
  for (const Figure& f : figures) failures += f.errors;
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ballast::bench

int main(int argc, char** argv) {
  auto options = ballast::bench::ParseFlags(argc, argv);
  if (!options) {
    std::fprintf(stderr, "error: %s\n", options.error().message().c_str());
    return 2;
  }
  return ballast::bench::Run(*options);
}
