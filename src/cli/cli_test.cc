// Command-line parsing, exit codes and the commands against an in-process fake server.
#include "cli/cli.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/api_client.h"
#include "cli/fake_server.h"
#include "cli/gzip.h"
#include "common/time.h"

namespace ballast::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Outcome {
  int rc = -1;
  std::string out;
  std::string err;
  std::vector<std::chrono::milliseconds> sleeps;
};

struct Invocation {
  std::map<std::string, std::string> env;
  std::string stdin_text;
  bool tty = false;
  ServeFunction serve;
};

Outcome Cli(const std::vector<std::string>& args, Invocation inv = {}) {
  std::ostringstream out, err;
  std::istringstream in(inv.stdin_text);
  Outcome o;
  Console c;
  c.out = &out;
  c.err = &err;
  c.in = &in;
  c.out_is_terminal = inv.tty;
  c.getenv = [&](const std::string& name) -> std::optional<std::string> {
    auto it = inv.env.find(name);
    if (it == inv.env.end()) return std::nullopt;
    return it->second;
  };
  c.sleep = [&](std::chrono::milliseconds d) { o.sleeps.push_back(d); };
  o.rc = RunCli(args, c, inv.serve);
  o.out = out.str();
  o.err = err.str();
  return o;
}

// ---- parsing and usage errors -------------------------------------------------------------

TEST(CliParseTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Cli({}).rc, kExitUsage);
  EXPECT_EQ(Cli({"frobnicate"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"stats"}).rc, kExitUsage);                  // SERVICE missing
  EXPECT_EQ(Cli({"ingest"}).rc, kExitUsage);                 // FILE missing
  EXPECT_EQ(Cli({"services", "-o", "xml"}).rc, kExitUsage);  // bad format
  EXPECT_EQ(Cli({"services", "--bogus"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"token"}).rc, kExitUsage);            // verb missing
  EXPECT_EQ(Cli({"token", "create"}).rc, kExitUsage);  // --role missing
  EXPECT_EQ(Cli({"token", "create", "--role", "god"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"ingest", "f", "--batch-size", "0"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"ingest", "f", "--batch-size", "lots"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"stats", "chat", "--group-by", "variant,tenant"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"stats", "chat", "--from", "yesterday"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"serve", "--log-level", "loud"}).rc, kExitUsage);
}

TEST(CliParseTest, UsageErrorNamesTheProblem) {
  Outcome o = Cli({"stats", "chat", "--from", "yesterday"});
  EXPECT_THAT(o.err, HasSubstr("--from"));
  EXPECT_THAT(o.err, HasSubstr("yesterday"));
  o = Cli({"token", "create", "--role", "god"});
  EXPECT_THAT(o.err, HasSubstr("god"));
}

TEST(CliParseTest, HelpExitsZero) {
  Outcome o = Cli({"--help"});
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_THAT(o.out, HasSubstr("ingest"));
  EXPECT_THAT(o.out, HasSubstr("stats"));
  EXPECT_EQ(Cli({"ingest", "--help"}).rc, kExitOk);
}

TEST(CliParseTest, VersionFollowsTheOutputFormat) {
  Outcome table = Cli({"version"}, {.tty = true});
  EXPECT_EQ(table.rc, 0);
  EXPECT_THAT(table.out, StartsWith("ballast "));
  Outcome json = Cli({"version"});  // not a terminal: json
  EXPECT_THAT(json.out, StartsWith("{\n  \"version\": \""));
  Outcome yaml = Cli({"version", "-o", "yaml"});
  EXPECT_THAT(yaml.out, StartsWith("version: "));
}

TEST(CliParseTest, ServeFillsFlagsOnlyWhenGiven) {
  server::ServeFlags seen;
  int calls = 0;
  auto serve = [&](const server::ServeFlags& f) {
    seen = f;
    ++calls;
    return 7;
  };
  Outcome o = Cli({"serve", "--listen", "0.0.0.0:9000", "--data", "/tmp/d", "--log-level", "debug"},
                  {.serve = serve});
  EXPECT_EQ(o.rc, 7);  // RunServe's exit code is the process's
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.listen, "0.0.0.0:9000");
  EXPECT_EQ(seen.data_dir, "/tmp/d");
  EXPECT_EQ(seen.config_path, std::nullopt);
  EXPECT_EQ(seen.log_level, "debug");
  Cli({"serve", "--config", "b.yaml"}, {.serve = serve});
  EXPECT_EQ(seen.listen, std::nullopt);
  EXPECT_EQ(seen.config_path, "b.yaml");
}

TEST(CliParseTest, ServerUrlMustBePlainHttp) {
  Outcome o = Cli({"services", "--server", "https://example.com"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_THAT(o.err, HasSubstr("https"));
  EXPECT_EQ(Cli({"services", "--server", "ftp://x"}).rc, kExitUsage);
  EXPECT_EQ(Cli({"services", "--server", "http://h:99999"}).rc, kExitUsage);
}

TEST(ServerUrlTest, SplitsHostAndPrefix) {
  auto a = ParseServerUrl("http://127.0.0.1:7410");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->scheme_host_port, "http://127.0.0.1:7410");
  EXPECT_EQ(a->path_prefix, "");
  auto b = ParseServerUrl("http://ballast.internal/api/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->scheme_host_port, "http://ballast.internal");
  EXPECT_EQ(b->path_prefix, "/api");
  EXPECT_TRUE(ParseServerUrl("http://[::1]:7410"));
  EXPECT_FALSE(ParseServerUrl("http://"));
  EXPECT_FALSE(ParseServerUrl("http://u@h"));
  EXPECT_FALSE(ParseServerUrl("http://h:"));
  EXPECT_EQ(ParseServerUrl("127.0.0.1:7410").error().field(), "server");
}

TEST(ResolveTimeArgumentTest, AcceptsRfc3339NowAndDurationsAgo) {
  const EpochMillis now = *ParseRfc3339("2026-11-27T19:00:00Z");
  EXPECT_EQ(*ResolveTimeArgument("2026-11-27T18:00:00+01:00", now, "--from"),
            "2026-11-27T17:00:00.000Z");
  EXPECT_EQ(*ResolveTimeArgument("now", now, "--to"), "2026-11-27T19:00:00.000Z");
  EXPECT_EQ(*ResolveTimeArgument("90m", now, "--from"), "2026-11-27T17:30:00.000Z");
  EXPECT_EQ(*ResolveTimeArgument("1d", now, "--from"), "2026-11-26T19:00:00.000Z");
  Result<std::string> bad = ResolveTimeArgument("1M", now, "--from");  // calendar: ambiguous
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "--from");
}

TEST(UrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("chat-v2_x.y~"), "chat-v2_x.y~");
  EXPECT_EQ(UrlEncode("a b/c?d&e"), "a%20b%2Fc%3Fd%26e");
  EXPECT_EQ(UrlEncode("é"), "%C3%A9");
}

// ---- against a fake server -----------------------------------------------------------------

std::string Gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::string Lines(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += "{\"n\":" + std::to_string(i) + "}\n";
  return s;
}

// Answers every batch by accepting all lines but those containing "bad".
void AcceptAllButBad(const httplib::Request& req, httplib::Response& res) {
  std::istringstream in(req.body);
  std::string line;
  int n = 0, accepted = 0;
  nlohmann::json rejected = nlohmann::json::array();
  while (std::getline(in, line)) {
    ++n;
    if (line.find("bad") != std::string::npos) {
      rejected.push_back({{"line", n}, {"error", "time: missing"}});
    } else {
      ++accepted;
    }
  }
  res.set_content(nlohmann::json{{"accepted", accepted}, {"rejected", rejected}}.dump(),
                  "application/json");
}

TEST(IngestCommandTest, SendsBatchesWithDistinctKeysAndMapsRejectedLines) {
  FakeBallastServer fake;
  fake.Post("/v1/events", AcceptAllButBad);
  fake.Start();
  std::string input = Lines(4) + "{\"bad\":1}\n" + Lines(2);
  Outcome o = Cli({"ingest", "-", "--batch-size", "3", "--server", fake.url(), "-o", "json"},
                  {.stdin_text = input});
  EXPECT_EQ(o.rc, kExitFailure) << o.err;  // a line was rejected
  auto report = nlohmann::json::parse(o.out);
  EXPECT_EQ(report["accepted"], 6);
  EXPECT_EQ(report["rejected_count"], 1);
  EXPECT_EQ(report["rejected"][0]["line"], 5);  // batch 2's line 2
  EXPECT_EQ(report["rejected"][0]["error"], "time: missing");
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> keys;
  for (const auto& r : requests) {
    EXPECT_EQ(r.Header("Content-Type"), "application/x-ndjson");
    EXPECT_EQ(r.Header("Idempotency-Key").size(), 32u);
    keys.insert(r.Header("Idempotency-Key"));
  }
  EXPECT_EQ(keys.size(), 3u);
}

TEST(IngestCommandTest, AllAcceptedExitsZeroAndPrintsTotals) {
  FakeBallastServer fake;
  fake.Post("/v1/events", AcceptAllButBad);
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--server", fake.url()}, {.stdin_text = Lines(5), .tty = true});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "accepted 5, rejected 0\n");
  EXPECT_EQ(o.err, "");  // stderr is not a terminal here: no progress bar
}

TEST(IngestCommandTest, RetriesA503WithTheSameKey) {
  FakeBallastServer fake;
  std::atomic<int> calls = 0;
  fake.Post("/v1/events", [&](const httplib::Request& req, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 503;
      res.set_content(R"({"error": {"code": "UNAVAILABLE", "message": "draining"}})",
                      "application/json");
      return;
    }
    AcceptAllButBad(req, res);
  });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--server", fake.url()}, {.stdin_text = Lines(2)});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Idempotency-Key"), requests[1].Header("Idempotency-Key"));
  EXPECT_EQ(requests[0].body, requests[1].body);
  ASSERT_EQ(o.sleeps.size(), 1u);
  EXPECT_LE(o.sleeps[0], std::chrono::milliseconds(500));  // first backoff, jittered
  EXPECT_THAT(o.err, HasSubstr("UNAVAILABLE: draining"));
  EXPECT_THAT(o.err, HasSubstr("retry 1/8"));
}

TEST(IngestCommandTest, HonoursRetryAfterOn429) {
  FakeBallastServer fake;
  std::atomic<int> calls = 0;
  fake.Post("/v1/events", [&](const httplib::Request& req, httplib::Response& res) {
    if (calls++ < 2) {
      res.status = 429;
      res.set_header("Retry-After", "7");
      res.set_content(R"({"error": {"code": "RESOURCE_EXHAUSTED", "message": "queue full"}})",
                      "application/json");
      return;
    }
    AcceptAllButBad(req, res);
  });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--server", fake.url()}, {.stdin_text = Lines(1)});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.sleeps, (std::vector<std::chrono::milliseconds>{std::chrono::seconds(7),
                                                              std::chrono::seconds(7)}));
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].Header("Idempotency-Key"), requests[2].Header("Idempotency-Key"));
}

TEST(IngestCommandTest, GivesUpAfterMaxRetriesAndSaysWhereItStopped) {
  FakeBallastServer fake;
  fake.Post("/v1/events",
            [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--server", fake.url(), "--max-retries", "2", "-o", "json"},
                  {.stdin_text = Lines(3)});
  EXPECT_EQ(o.rc, kExitFailure);
  EXPECT_EQ(fake.Requests().size(), 3u);
  EXPECT_EQ(o.sleeps.size(), 2u);
  EXPECT_THAT(o.err, HasSubstr("error: HTTP 503"));
  EXPECT_THAT(o.err, HasSubstr("3 attempts"));
  EXPECT_EQ(nlohmann::json::parse(o.out)["stopped_at_line"], 1);
}

TEST(IngestCommandTest, ConnectionRefusedExitsThree) {
  // A bound socket that does not listen: connecting to it is refused, and nobody else can
  // take the port while we hold it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  Outcome o = Cli({"ingest", "-", "--server", url, "--max-retries", "3"}, {.stdin_text = Lines(2)});
  EXPECT_EQ(o.rc, kExitUnreachable);
  EXPECT_EQ(o.sleeps.size(), 3u);
  EXPECT_THAT(o.err, HasSubstr("cannot reach server at " + url));
  Outcome s = Cli({"services", "--server", url});
  EXPECT_EQ(s.rc, kExitUnreachable);
  ::close(fd);
}

TEST(IngestCommandTest, GzipBodiesAreSentCompressed) {
  FakeBallastServer fake;
  fake.Post("/v1/events", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"accepted": 2, "rejected": []})", "application/json");
  });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--gzip", "--server", fake.url()}, {.stdin_text = Lines(2)});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Content-Encoding"), "gzip");
  // httplib's server inflates gzip bodies itself; getting the lines back proves the encoding.
  EXPECT_EQ(requests[0].body, Lines(2));
}

TEST(GzipTest, RoundTripsThroughZlib) {
  std::string text = Lines(500);
  Result<std::string> packed = GzipCompress(text);
  ASSERT_TRUE(packed);
  EXPECT_LT(packed->size(), text.size() / 4);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_EQ(Gunzip(*packed), text);
  EXPECT_EQ(Gunzip(*GzipCompress("")), "");
}

TEST(IngestCommandTest, RefusedBatchCountsItsLinesAndOthersGoOn) {
  FakeBallastServer fake;
  std::atomic<int> calls = 0;
  fake.Post("/v1/events", [&](const httplib::Request& req, httplib::Response& res) {
    if (calls++ == 0) {
      res.status = 413;
      res.set_content(R"({"error": {"code": "PAYLOAD_TOO_LARGE", "message": "too big"}})",
                      "application/json");
      return;
    }
    AcceptAllButBad(req, res);
  });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--batch-size", "2", "--server", fake.url(), "-o", "json"},
                  {.stdin_text = Lines(3)});
  EXPECT_EQ(o.rc, kExitFailure);
  auto report = nlohmann::json::parse(o.out);
  EXPECT_EQ(report["accepted"], 1);
  EXPECT_EQ(report["rejected_count"], 2);
  EXPECT_EQ(report["rejected"][1]["line"], 2);
  EXPECT_THAT(report["rejected"][0]["error"].get<std::string>(), HasSubstr("PAYLOAD_TOO_LARGE"));
}

TEST(IngestCommandTest, UnauthenticatedStopsAtOnceAndSendsTheToken) {
  FakeBallastServer fake;
  fake.Post("/v1/events", [](const httplib::Request&, httplib::Response& res) {
    res.status = 401;
    res.set_content(R"({"error": {"code": "UNAUTHENTICATED", "message": "bad token"}})",
                    "application/json");
  });
  fake.Start();
  Outcome o = Cli({"ingest", "-", "--batch-size", "1", "--server", fake.url()},
                  {.env = {{"BALLAST_TOKEN", "s3cret"}}, .stdin_text = Lines(3)});
  EXPECT_EQ(o.rc, kExitFailure);
  EXPECT_THAT(o.err, HasSubstr("error: UNAUTHENTICATED: bad token"));
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer s3cret");
}

TEST(IngestCommandTest, MissingFileExitsOne) {
  Outcome o = Cli({"ingest", "/nonexistent/events.ndjson"});
  EXPECT_EQ(o.rc, kExitFailure);
  EXPECT_THAT(o.err, HasSubstr("cannot open /nonexistent/events.ndjson"));
}

TEST(QueryCommandTest, NotFoundExitsFourWithTheServersError) {
  FakeBallastServer fake;
  fake.Get(R"(/v1/services/([^/]+)/stats)", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error": {"code": "NOT_FOUND", "message": "no such )"
                    R"(service", "field": "service"}})",
                    "application/json");
  });
  fake.Start();
  Outcome o = Cli({"stats", "nope", "--server", fake.url()});
  EXPECT_EQ(o.rc, kExitNotFound);
  EXPECT_EQ(o.err, "error: NOT_FOUND: no such service (field: service)\n");
  EXPECT_EQ(o.out, "");
}

TEST(QueryCommandTest, StatsSendsQueryAndRendersEachFormat) {
  FakeBallastServer fake;
  const std::string answer =
      R"({"service": "chat", "series": [{"key": {"service": "chat", "variant": "canary"}, "requests": 200,
          "outcomes": {"ok": 190, "error": 10}, "input_tokens": 5000, "output_tokens": 800,
          "cost_usd": 0.125, "latency_ms": {"p50": 812.4, "p95": 1900, "p99": 2400},
          "ttft_ms": {"p95": 95.5}}]})";
  fake.Get(R"(/v1/services/([^/]+)/stats)", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(answer, "application/json");
  });
  fake.Start();
  Outcome table = Cli({"stats", "chat bot", "--group-by", "variant,variant", "--from",
                       "2026-11-27T18:00:00Z", "--server", fake.url()},
                      {.tty = true});
  ASSERT_EQ(table.rc, kExitOk) << table.err;
  EXPECT_EQ(table.out,
            "VARIANT  REQUESTS  ERROR %  P50 MS  P95 MS  P99 MS  TTFT P95 MS  IN TOKENS  "
            "OUT TOKENS  COST USD\n"
            "canary        200     5.00     812    1900    2400         95.5       5000  "
            "       800    0.1250\n");
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path,
            "/v1/services/chat bot/stats?from=2026-11-27T18:00:00.000Z&group_by=variant");

  Outcome json = Cli({"stats", "chat", "--server", fake.url()});
  EXPECT_EQ(nlohmann::json::parse(json.out), nlohmann::json::parse(answer));
  EXPECT_THAT(json.out, StartsWith("{\n  \"service\": \"chat\",\n  \"series\": [\n"));
  Outcome yaml = Cli({"stats", "chat", "-o", "yaml", "--server", fake.url()});
  EXPECT_THAT(yaml.out, StartsWith("service: chat\nseries:\n  - key:\n      service: chat\n"
                                   "      variant: canary\n"));
}

TEST(QueryCommandTest, ServicesTableAndServerUrlFromEnvironment) {
  FakeBallastServer fake;
  fake.Get("/v1/services", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        R"({"items": [{"service": "chat", "series": 3, "last_seen": "2026-11-27T19:00:00.000Z"},
                                  {"service": "summarize", "series": 12}], "next_page_token": ""})",
        "application/json");
  });
  fake.Start();
  Outcome o = Cli({"services"}, {.env = {{"BALLAST_SERVER", fake.url()}}, .tty = true});
  ASSERT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "SERVICE    LAST SEEN                 SERIES\n"
            "chat       2026-11-27T19:00:00.000Z  3\n"
            "summarize  -                         12\n");
}

TEST(QueryCommandTest, ListsFollowEveryPage) {
  FakeBallastServer fake;
  fake.Get("/v1/services", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("page_token").empty()) {
      res.set_content(R"({"items": [{"name": "a"}], "next_page_token": "p2"})", "application/json");
    } else {
      res.set_content(R"({"items": [{"name": "b"}], "next_page_token": ""})", "application/json");
    }
  });
  fake.Start();
  Outcome o = Cli({"services", "--server", fake.url()});
  ASSERT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(nlohmann::json::parse(o.out),
            nlohmann::json::parse(R"({"items": [{"name": "a"}, {"name": "b"}],
                                      "next_page_token": ""})"));
  auto requests = fake.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/v1/services?page_size=1000");
  EXPECT_EQ(requests[1].path, "/v1/services?page_size=1000&page_token=p2");
}

TEST(QueryCommandTest, ARepeatedPageTokenStopsTheLoop) {
  FakeBallastServer fake;
  fake.Get("/v1/tokens", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"items": [], "next_page_token": "same"})", "application/json");
  });
  fake.Start();
  Outcome o = Cli({"token", "list", "--server", fake.url()});
  EXPECT_EQ(o.rc, kExitFailure);
  EXPECT_THAT(o.err, HasSubstr("repeated page token 'same'"));
  EXPECT_EQ(fake.Requests().size(), 2u);
}

TEST(TokenCommandTest, CreateListRevoke) {
  FakeBallastServer fake;
  fake.Post("/v1/tokens", [](const httplib::Request& req, httplib::Response& res) {
    auto body = nlohmann::json::parse(req.body);
    res.status = 201;
    res.set_content(nlohmann::json{{"id", "tok_1"},
                                   {"name", body.value("name", "")},
                                   {"role", body["role"]},
                                   {"token", "bsk_abc"}}
                        .dump(),
                    "application/json");
  });
  fake.Get("/v1/tokens", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"items": [{"id": "tok_1", "name": "ci", "role": "ingest",
                                   "created_at": "2026-11-27T19:00:00.000Z"}]})",
                    "application/json");
  });
  fake.Delete(R"(/v1/tokens/(.+))", [](const httplib::Request& req, httplib::Response& res) {
    res.status = req.matches[1] == "tok_1" ? 204 : 404;
    if (res.status == 404) {
      res.set_content(R"({"error": {"code": "NOT_FOUND", "message": "no such token"}})",
                      "application/json");
    }
  });
  fake.Start();
  Outcome created =
      Cli({"token", "create", "--role", "ingest", "--name", "ci", "--server", fake.url()},
          {.tty = true});
  ASSERT_EQ(created.rc, kExitOk) << created.err;
  EXPECT_EQ(created.out,
            "id:     tok_1\n"
            "name:   ci\n"
            "role:   ingest\n"
            "token:  bsk_abc\n"
            "\n"
            "Store the secret now: it is shown only once and cannot be retrieved again.\n");
  EXPECT_EQ(nlohmann::json::parse(fake.Requests()[0].body),
            (nlohmann::json{{"role", "ingest"}, {"name", "ci"}}));

  Outcome listed = Cli({"token", "list", "--server", fake.url(), "-o", "table"});
  EXPECT_EQ(listed.out,
            "ID     NAME  ROLE    CREATED AT\n"
            "tok_1  ci    ingest  2026-11-27T19:00:00.000Z\n");

  Outcome revoked = Cli({"token", "revoke", "tok_1", "--server", fake.url()});
  EXPECT_EQ(revoked.rc, kExitOk);
  EXPECT_EQ(nlohmann::json::parse(revoked.out),
            (nlohmann::json{{"id", "tok_1"}, {"revoked", true}}));
  Outcome missing = Cli({"token", "revoke", "tok_2", "--server", fake.url()});
  EXPECT_EQ(missing.rc, kExitNotFound);
  EXPECT_EQ(missing.err, "error: NOT_FOUND: no such token\n");
}

TEST(QueryCommandTest, NonJsonErrorBodiesStillReportTheStatus) {
  FakeBallastServer fake;
  fake.Get("/v1/services", [](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_content("<html>Bad Gateway</html>\n", "text/html");
  });
  fake.Start();
  Outcome o = Cli({"services", "--server", fake.url()});
  EXPECT_EQ(o.rc, kExitFailure);
  EXPECT_EQ(o.err, "error: HTTP 502: <html>Bad Gateway</html>\n");
}

}  // namespace
}  // namespace ballast::cli
