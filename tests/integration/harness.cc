#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/time.h"

extern char** environ;

namespace ballast::testing {

namespace fs = std::filesystem;

std::string BallastBinary() {
  if (const char* p = std::getenv("BALLAST_BINARY")) return p;
  return BALLAST_BINARY;
}

fs::path SourceDir() {
  if (const char* p = std::getenv("BALLAST_SOURCE_DIR")) return p;
  return fs::current_path();
}

std::string TimeAgo(int seconds_ago) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return FormatRfc3339(now - seconds_ago * 1000LL);
}

static fs::path MakeTempDir() {
  std::random_device rd;
  fs::path p = fs::temp_directory_path() / ("ballast-it-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(p);
  return p;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess() : ServerProcess(Options{}) {}

ServerProcess::ServerProcess(Options options) : options_(std::move(options)) {
  root_ = MakeTempDir();
  data_dir_ = root_ / "data";
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
  std::error_code ec;
  fs::remove_all(root_, ec);
}

bool ServerProcess::Start() {
  fs::create_directories(data_dir_);
  fs::remove(data_dir_ / "listen.addr");
  std::vector<std::string> args = {BallastBinary(), "serve", "--listen",
                                   "127.0.0.1:" + std::to_string(options_.port), "--data",
                                   data_dir_.string()};
  if (!options_.config_yaml.empty()) {
    fs::path cfg = root_ / "ballast.yaml";
    std::ofstream(cfg) << options_.config_yaml;
    args.push_back("--config");
    args.push_back(cfg.string());
  }
  for (const auto& a : options_.extra_args) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = (root_ / "server.log").string();
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    return false;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::ifstream in(data_dir_ / "listen.addr");
    std::string addr;
    if (in >> addr) {
      port_ = std::stoi(addr.substr(addr.rfind(':') + 1));
      auto cli = Client();
      auto res = cli->Get("/readyz");
      if (res && res->status == 200) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void ServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto cli = std::make_unique<httplib::Client>("127.0.0.1", port_);
  cli->set_connection_timeout(5);
  cli->set_read_timeout(60);
  cli->set_write_timeout(60);
  return cli;
}

std::string ServerProcess::last_log() const {
  std::ifstream in(root_ / "server.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunBallast(const std::vector<std::string>& args, const std::string& stdin_text,
                         const std::vector<std::string>& env) {
  fs::path dir = MakeTempDir();
  fs::path in = dir / "in", out = dir / "out", err = dir / "err";
  std::ofstream(in) << stdin_text;
  std::string cmd;
  for (const auto& e : env) cmd += e + " ";
  cmd += "'" + BallastBinary() + "'";
  for (const auto& a : args) {
    std::string quoted;
    for (char c : a) {
      if (c == '\'') quoted += "'\\''";
      else quoted += c;
    }
    cmd += " '" + quoted + "'";
  }
  cmd += " <'" + in.string() + "' >'" + out.string() + "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

WebhookReceiver::WebhookReceiver() {
  server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    bodies_.push_back(req.body);
    res.status = 200;
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_.stop();
  thread_.join();
}

std::vector<std::string> WebhookReceiver::bodies() {
  std::lock_guard lock(mu_);
  return bodies_;
}

}  // namespace ballast::testing
