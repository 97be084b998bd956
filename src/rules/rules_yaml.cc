// YAML rendering of rules documents in the layout Sloth (Go yaml.v2) writes: block style,
// sequences at their parent key's indentation, multi-line expressions as literal blocks, and
// scalars quoted only when YAML would otherwise read them as something other than a string.
#include <string>
#include <utility>
#include <vector>

#include "rules/generator.h"

namespace ballast::rules {
namespace {

struct Node {
  enum Type { kScalar, kMap, kSeq } type = kScalar;
  std::string scalar;
  // A map as parallel key and value lists: std::pair<std::string, Node> would need Node
  // complete inside its own definition (clang with libstdc++ refuses it).
  std::vector<std::string> keys;
  std::vector<Node> map;
  std::vector<Node> seq;

  static Node Str(std::string s);
  static Node Map();
  static Node Seq();
  Node& Add(std::string key, Node value);
};

Node Node::Str(std::string s) {
  Node n;
  n.scalar = std::move(s);
  return n;
}
Node Node::Map() {
  Node n;
  n.type = kMap;
  return n;
}
Node Node::Seq() {
  Node n;
  n.type = kSeq;
  return n;
}
Node& Node::Add(std::string key, Node value) {
  keys.push_back(std::move(key));
  map.push_back(std::move(value));
  return map.back();
}

Node LabelsNode(const Labels& labels) {
  Node n = Node::Map();
  for (const auto& [k, v] : labels) n.Add(k, Node::Str(v));
  return n;
}

bool LooksLikeNonString(const std::string& s) {
  static const char* const kWords[] = {"~",  "null", "true", "false", "yes", "no",
                                       "on", "off",  "y",    "n"};
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  for (const char* w : kWords) {
    if (lower == w) return true;
  }
  if (lower == ".inf" || lower == "-.inf" || lower == "+.inf" || lower == ".nan") return true;
  // Numbers (decimal, with exponent, hex/octal prefixes, underscores as YAML 1.1 allows).
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  bool digits = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' || c == '_' || c == 'e' || c == 'E' || c == 'x' || c == 'o' ||
               c == 'b' || c == ':' || c == '+' || c == '-' || (c >= 'a' && c <= 'f') ||
               (c >= 'A' && c <= 'F')) {
      continue;
    } else {
      return false;
    }
  }
  return digits && (s[0] == '.' || s[0] == '+' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
}

bool PlainSafe(const std::string& s) {
  if (s.empty() || LooksLikeNonString(s)) return false;
  static const std::string kIndicators = "-?:,[]{}#&*!|>'\"%@` \t";
  if (kIndicators.find(s.front()) != std::string::npos) return false;
  if (s.back() == ' ' || s.back() == ':' || s.back() == '\t') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool Printable(const std::string& s, bool allow_newline) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t' && !(allow_newline && c == '\n')) || c == 0x7f) return false;
  }
  return true;
}

std::string DoubleQuoted(const std::string& s) {
  std::string out = "\"";
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

// Appends " value" (after a key or "- ") for a scalar at block indentation `indent`.
void EmitScalar(std::string& out, const std::string& s, int indent) {
  if (s.find('\n') != std::string::npos && Printable(s, true)) {
    // Literal block; the chomping indicator keeps the trailing newlines exact.
    size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
    std::string body = s.substr(0, s.size() - trailing);
    bool leading_space = !body.empty() && (body[0] == ' ' || body[0] == '\t');
    bool only_newlines = body.empty();
    if (!only_newlines) {
      out += " |";
      if (leading_space) out += "2";
      out += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
      out += "\n";
      const std::string pad(static_cast<size_t>(indent), ' ');
      size_t start = 0;
      std::string all = body + std::string(trailing > 1 ? trailing - 1 : 0, '\n');
      while (start <= all.size()) {
        size_t nl = all.find('\n', start);
        std::string line = all.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (!line.empty()) out += pad + line;
        out += "\n";
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      return;
    }
  }
  if (PlainSafe(s)) {
    out += " " + s + "\n";
  } else if (Printable(s, false)) {
    std::string q = " '";
    for (char c : s) {
      q.push_back(c);
      if (c == '\'') q.push_back('\'');
    }
    out += q + "'\n";
  } else {
    out += " " + DoubleQuoted(s) + "\n";
  }
}

void EmitMap(std::string& out, const Node& n, int indent, bool first_inline);
void EmitSeq(std::string& out, const Node& n, int indent);

// Emits a value after "key:" at `indent` (the key's indentation).
void EmitValue(std::string& out, const Node& v, int indent) {
  switch (v.type) {
    case Node::kScalar:
      EmitScalar(out, v.scalar, indent + 2);
      break;
    case Node::kMap:
      if (v.map.empty()) {
        out += " {}\n";
      } else {
        out += "\n";
        EmitMap(out, v, indent + 2, false);
      }
      break;
    case Node::kSeq:
      if (v.seq.empty()) {
        out += " []\n";
      } else {
        out += "\n";
        EmitSeq(out, v, indent);
      }
      break;
  }
}

void EmitMap(std::string& out, const Node& n, int indent, bool first_inline) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  bool first = true;
  for (size_t i = 0; i < n.map.size(); ++i) {
    const std::string& key = n.keys[i];
    const Node& value = n.map[i];
    if (!(first && first_inline)) out += pad;
    first = false;
    out += PlainSafe(key) ? key : "'" + key + "'";
    out += ":";
    EmitValue(out, value, indent);
  }
}

void EmitSeq(std::string& out, const Node& n, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const Node& item : n.seq) {
    out += pad + "-";
    if (item.type == Node::kMap && !item.map.empty()) {
      out += " ";
      EmitMap(out, item, indent + 2, true);
    } else if (item.type == Node::kScalar) {
      EmitScalar(out, item.scalar, indent + 2);
    } else {
      EmitValue(out, item, indent);
    }
  }
}

Node RuleNode(const Rule& r, bool k8s) {
  Node n = Node::Map();
  // Sloth writes Prometheus' rulefmt field order; the Kubernetes serializer sorts keys.
  if (k8s) {
    if (!r.alert.empty()) n.Add("alert", Node::Str(r.alert));
    if (!r.annotations.empty()) n.Add("annotations", LabelsNode(r.annotations));
    n.Add("expr", Node::Str(r.expr));
    if (!r.labels.empty()) n.Add("labels", LabelsNode(r.labels));
    if (!r.record.empty()) n.Add("record", Node::Str(r.record));
  } else {
    if (!r.record.empty()) n.Add("record", Node::Str(r.record));
    if (!r.alert.empty()) n.Add("alert", Node::Str(r.alert));
    n.Add("expr", Node::Str(r.expr));
    if (!r.labels.empty()) n.Add("labels", LabelsNode(r.labels));
    if (!r.annotations.empty()) n.Add("annotations", LabelsNode(r.annotations));
  }
  return n;
}

Node GroupsNode(const std::vector<RuleGroup>& groups, bool k8s) {
  Node seq = Node::Seq();
  for (const RuleGroup& g : groups) {
    Node gn = Node::Map();
    gn.Add("name", Node::Str(g.name));
    Node rules = Node::Seq();
    for (const Rule& r : g.rules) rules.seq.push_back(RuleNode(r, k8s));
    gn.Add("rules", std::move(rules));
    seq.seq.push_back(std::move(gn));
  }
  return seq;
}

}  // namespace

std::string RenderRulesYaml(const std::vector<RulesDocument>& documents,
                            std::string_view version) {
  std::string out;
  for (const RulesDocument& doc : documents) {
    out += "\n---\n# Code generated by ballast (" + std::string(version) +
           ") in Sloth's format: https://github.com/slok/sloth.\n# DO NOT EDIT.\n\n";
    Node root = Node::Map();
    if (doc.k8s) {
      root.Add("apiVersion", Node::Str("monitoring.coreos.com/v1"));
      root.Add("kind", Node::Str("PrometheusRule"));
      Node& md = root.Add("metadata", Node::Map());
      if (!doc.k8s->annotations.empty()) md.Add("annotations", LabelsNode(doc.k8s->annotations));
      Labels labels = {{"app.kubernetes.io/component", "SLO"},
                       {"app.kubernetes.io/managed-by", "sloth"}};
      for (const auto& [k, v] : doc.k8s->labels) labels[k] = v;
      md.Add("labels", LabelsNode(labels));
      md.Add("name", Node::Str(doc.k8s->name));
      if (!doc.k8s->name_space.empty()) md.Add("namespace", Node::Str(doc.k8s->name_space));
      Node& spec = root.Add("spec", Node::Map());
      spec.Add("groups", GroupsNode(doc.groups, true));
    } else {
      root.Add("groups", GroupsNode(doc.groups, false));
    }
    EmitMap(out, root, 0, false);
  }
  return out;
}

}  // namespace ballast::rules
