// The filter expression language (DESIGN.md §3): one grammar that selects and classifies
// telemetry events (compiled here to a Predicate) and searches the registry (the same AST
// compiled to a SQL WHERE clause with bound parameters, by the store).
//
//   outcome = 'ok' AND ttft_ms <= 800 AND attributes.tenant IN ('a', 'b')
//   NOT has(flags, 'pii_leak') AND model LIKE 'gpt-4%'
//
// Three steps, each with its own type:
//   Parse(text)              -> Expression   the AST; no schema needed, kept for SQL compilation
//   Compile(ast, schema)     -> Predicate    fields resolved to typed slots, literals checked and
//                                            precomputed (sorted IN lists, lower-cased ILIKE)
//   predicate.Evaluate(rec)  -> bool         reads the record through the Record interface and
//                                            never allocates
//
// Semantics worth knowing (docs/expressions.md is the user manual):
// - A comparison whose field is absent from the record is false: `x = 1`, `x != 1`,
//   `x NOT IN (1)`, `x NOT LIKE 'a%'` and `has(x, 'a')` are all false when x is absent. NOT simply
//   negates its operand, so `NOT x = 1` is true when x is absent. There is no SQL NULL logic.
//   (A SQL compiler must therefore emit `COALESCE(<comparison>, FALSE)` under NOT.)
// - A field whose schema type is known is type-checked at compile time (`latency_ms = 'a'` is an
//   error). A field of type kAny is checked at run time: a mismatch is simply false.
// - LIKE/ILIKE: `%` any run of characters, `_` exactly one UTF-8 character, `\` escapes the next
//   character. ILIKE folds ASCII letters only. (SQLite's LIKE ignores ASCII case by default; a SQL
//   compiler must account for that.)
//
// Errors are Status::InvalidArgument whose message names the 1-based position and what was
// expected: "expected a value after '=' at position 12".
//
// Thread safety: Expression and Schema are values. A Predicate is immutable after Compile; one
// Predicate may be evaluated from many threads at once, and copies share their compiled form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ballast::expr {

// ---------------------------------------------------------------------------------------------
// Parsing and the AST.

enum class Dialect : uint8_t {
  kStandard,  // strings in single quotes only
  kMlflow,    // also "double-quoted" strings and `backticked` identifier segments
};

struct ParseOptions {
  Dialect dialect = Dialect::kStandard;
  // Longer input is rejected before tokenizing.
  size_t max_length = 4096;
  // Parentheses and NOTs nested deeper than this are rejected (the parser recurses on them).
  int max_depth = 64;
  // Values in one IN (...) list.
  size_t max_in_list = 1000;
};

enum class NodeKind : uint8_t { kAnd, kOr, kNot, kComparison };

enum class Op : uint8_t {
  kEq, kNe, kLt, kLe, kGt, kGe,
  kIn, kNotIn,
  kLike, kNotLike, kILike, kNotILike,
  kHas,  // has(field, 'x'): the string list `field` contains 'x'
};

// The operator as written in the language: "=", "NOT IN", "has", ...
std::string_view OpName(Op op);

struct Literal {
  enum class Kind : uint8_t { kString, kNumber, kBool };
  Kind kind = Kind::kString;
  std::string string;   // kString, quotes removed and '' unescaped (LIKE escapes kept)
  double number = 0;    // kNumber
  // kNumber written without fraction or exponent and within int64: `integer` holds it exactly,
  // so SQL can bind an integer.
  bool integral = false;
  int64_t integer = 0;
  bool boolean = false;  // kBool
  int position = 0;      // 1-based
};

// A field reference: `latency_ms` is {"latency_ms"}; `attributes.tenant` is {"attributes",
// "tenant"}; in the MLflow dialect `tags.`my key`` is {"tags", "my key"}.
struct FieldPath {
  std::vector<std::string> segments;
  int position = 0;  // 1-based

  // Segments joined with '.': "attributes.tenant".
  std::string ToString() const;
};

// One AST node. kAnd/kOr have two or more children (chains are flattened); kNot has one;
// kComparison has `field`, `op` and `values` (one value, except IN lists: one or more).
struct Node {
  NodeKind kind = NodeKind::kComparison;
  int position = 0;  // 1-based position of the operator or the comparison's field
  std::vector<Node> children;
  FieldPath field;
  Op op = Op::kEq;
  std::vector<Literal> values;
};

struct Expression {
  Node root;
  Dialect dialect = Dialect::kStandard;
};

// Parses `text`; an empty or blank text is an error ("expected a field ...").
Result<Expression> Parse(std::string_view text, const ParseOptions& options = {});

// Canonical text of an AST in the standard dialect (single quotes; identifier segments that are
// not plain identifiers are backticked, which only the MLflow dialect parses back). Parsing the
// result gives an equal AST apart from positions.
std::string Format(const Node& node);

// ---------------------------------------------------------------------------------------------
// Schemas and records.

// Which slot of a record a field reads. Chosen by whoever builds the Schema.
using SlotId = uint32_t;

enum class ValueType : uint8_t {
  kNumber,
  kString,
  kBool,
  kStringList,  // only has(field, 'x') applies
  kTime,        // a number of epoch milliseconds; literals may also be RFC 3339 strings
  kAny,         // type known only at run time; a type mismatch evaluates to false
};

std::string_view ValueTypeName(ValueType t);

// Maps field names to typed slots. Two kinds of entry:
//   AddField("latency_ms", kNumber, kLatency)   the field `latency_ms`
//   AddMap("attributes", kString, kAttributes)  the fields `attributes.<key>` for any key; the
//                                               record's Get receives the key ("tenant").
// A name may contain dots ("tags.team"); the longest matching entry wins.
class Schema {
 public:
  // Adding a name twice is a programmer error (asserts).
  Schema& AddField(std::string name, ValueType type, SlotId slot);
  // A string field with a closed set of values: comparing it with any other literal with = !=
  // IN or NOT IN is a compile error (catches typos such as outcome = 'eror').
  Schema& AddEnum(std::string name, std::vector<std::string> values, SlotId slot);
  Schema& AddMap(std::string prefix, ValueType type, SlotId slot);

  struct Resolved {
    SlotId slot = 0;
    ValueType type = ValueType::kAny;
    std::string key;  // the dynamic key of a map entry; empty otherwise
    const std::vector<std::string>* allowed = nullptr;  // AddEnum values
  };
  // Resolves a path; the error names the field, its position and the valid fields.
  Result<Resolved> Resolve(const FieldPath& path) const;

  // "cost_usd, flags, ..., attributes.<key>", sorted; for error messages and docs.
  std::string DescribeFields() const;

 private:
  struct Entry {
    std::string name;
    ValueType type;
    SlotId slot;
    bool is_map;
    std::vector<std::string> allowed;
  };
  Schema& Add(Entry entry);
  const Entry* Find(std::string_view name) const;
  std::vector<Entry> entries_;  // sorted by name
};

// A value read from a record. Views only: the record owns the bytes, which must stay valid for
// the duration of Evaluate.
struct FieldValue {
  enum class Kind : uint8_t { kAbsent, kNumber, kString, kBool, kStringList };
  Kind kind = Kind::kAbsent;
  bool boolean = false;
  double number = 0;
  std::string_view string;
  std::span<const std::string_view> list;

  static FieldValue Absent() { return {}; }
  static FieldValue Number(double v) {
    FieldValue f;
    f.kind = Kind::kNumber;
    f.number = v;
    return f;
  }
  static FieldValue String(std::string_view v) {
    FieldValue f;
    f.kind = Kind::kString;
    f.string = v;
    return f;
  }
  static FieldValue Bool(bool v) {
    FieldValue f;
    f.kind = Kind::kBool;
    f.boolean = v;
    return f;
  }
  static FieldValue List(std::span<const std::string_view> v) {
    FieldValue f;
    f.kind = Kind::kStringList;
    f.list = v;
    return f;
  }
};

// What a Predicate reads. Implementations must not allocate in Get if Evaluate is to stay
// allocation-free. `key` is the dynamic key of a map slot and empty for plain fields. A value
// of another kind than the slot's schema type is treated like an absent one; so is a NaN.
class Record {
 public:
  virtual FieldValue Get(SlotId slot, std::string_view key) const = 0;

 protected:
  ~Record() = default;
};

// ---------------------------------------------------------------------------------------------
// Compiled predicates.

class Predicate {
 public:
  // Matches every record (an SLI without a `where`).
  Predicate();

  // True when the record matches. Never allocates; safe to call concurrently.
  bool Evaluate(const Record& record) const;

  struct Program;  // defined in expr_predicate.cc

 private:
  friend Result<Predicate> Compile(const Node& root, const Schema& schema);
  std::shared_ptr<const Program> program_;
};

// Resolves fields and checks types against `schema`. Errors: unknown field (listing the valid
// ones), operator not applicable to the field's type, literal of the wrong type, invalid LIKE
// pattern, unknown enum value, AST nested too deeply.
Result<Predicate> Compile(const Node& root, const Schema& schema);

// Parse and Compile in one step.
Result<Predicate> Compile(std::string_view text, const Schema& schema,
                          const ParseOptions& options = {});

}  // namespace ballast::expr
