#include "server/http.h"

#include <algorithm>
#include <cctype>

namespace ballast::server {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kViewer:
      return "viewer";
    case Role::kIngest:
      return "ingest";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "none";
}

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "ingest") return Role::kIngest;
  if (name == "operator") return Role::kOperator;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

bool RoleSatisfies(Role have, Role need) {
  if (need == Role::kNone) return true;
  switch (have) {
    case Role::kAdmin:
      return true;
    case Role::kOperator:
      return need != Role::kAdmin;
    case Role::kViewer:
      return need == Role::kViewer;
    case Role::kIngest:
      return need == Role::kIngest;
    case Role::kNone:
      return false;
  }
  return false;
}

static bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return v;
  return {};
}

std::optional<std::string> HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

HttpResponse HttpResponse::Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Error(const Status& status, int retry_after_seconds) {
  HttpResponse r;
  r.status = HttpStatusFor(status.code());
  std::string body = "{\"error\":{\"code\":";
  body += JsonQuote(StatusCodeName(status.code()));
  body += ",\"message\":";
  body += JsonQuote(status.message());
  if (!status.field().empty()) {
    body += ",\"field\":";
    body += JsonQuote(status.field());
  }
  body += "}}";
  r.body = std::move(body);
  if (status.code() == StatusCode::kResourceExhausted || status.code() == StatusCode::kUnavailable)
    r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return r;
}

static std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

void Router::Add(Route route) {
  Compiled c;
  c.segments = SplitPath(route.pattern);
  c.route = std::move(route);
  routes_.push_back(std::move(c));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match result;
  std::vector<std::string> segs = SplitPath(path);
  for (std::string& seg : segs) {
    std::string decoded;
    if (!UrlDecode(seg, decoded, false)) return result;
    seg = std::move(decoded);
  }
  for (const Compiled& c : routes_) {
    if (c.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = c.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segs[i].empty())
          ok = false;
        else
          params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    // HEAD is served by the GET route.
    if (c.route.method == method || (method == "HEAD" && c.route.method == "GET")) {
      result.route = &c.route;
      result.params = std::move(params);
      result.allowed_methods.clear();
      return result;
    }
    if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), c.route.method) ==
        result.allowed_methods.end())
      result.allowed_methods.push_back(c.route.method);
  }
  return result;
}

bool UrlDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

Status ParseQuery(std::string_view query, std::map<std::string, std::string>& out,
                  std::multimap<std::string, std::string>* all) {
  size_t i = 0;
  while (i <= query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view pair = query.substr(i, j - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!UrlDecode(pair.substr(0, eq), key, true) ||
          (eq != std::string_view::npos && !UrlDecode(pair.substr(eq + 1), value, true)))
        return Status::InvalidArgument("malformed percent-encoding in query string");
      if (all != nullptr) all->emplace(key, value);
      out[key] = std::move(value);
    }
    i = j + 1;
  }
  return Status::Ok();
}

}  // namespace ballast::server
