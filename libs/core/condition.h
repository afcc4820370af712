#pragma once

// Conditions on a stored resource's query columns, written once and used two ways: the store
// renders one as SQL (store::ToSql) to select rows, the domain evaluates it on one loaded
// resource (Matches). A visibility rule is therefore one definition, not a SQL string beside a
// C++ predicate that may drift apart.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zs::cond {

using Value = std::variant<int64_t, std::string>;

struct Cond {
  enum class Op {
    kTrue,     // every row
    kFalse,    // no row
    kEq,       // column = value
    kNe,       // column <> value
    kIn,       // column IN (values); false when values is empty
    kAll,      // every child holds (AND)
    kAny,      // some child holds (OR)
    kRelated,  // the row is linked to `values[0]` through the named relation (see store::Table)
  };
  Op op = Op::kTrue;
  std::string column;  // kEq, kNe, kIn: the column; kRelated: the relation's name
  std::vector<Value> values;
  std::vector<Cond> children;
};

inline Cond True() { return {}; }
inline Cond False() { return {Cond::Op::kFalse, "", {}, {}}; }
inline Cond Eq(std::string column, Value v) { return {Cond::Op::kEq, std::move(column), {v}, {}}; }
inline Cond Ne(std::string column, Value v) { return {Cond::Op::kNe, std::move(column), {v}, {}}; }
Cond In(std::string column, const std::vector<std::string>& values);
// AND / OR of the conditions; kTrue children drop out of All, kFalse ones out of Any.
Cond All(std::vector<Cond> children);
Cond Any(std::vector<Cond> children);
// The row is linked to `key` through `relation` (e.g. "an item in which unit U has a task").
inline Cond Related(std::string relation, Value key) {
  return {Cond::Op::kRelated, std::move(relation), {std::move(key)}, {}};
}

// What a resource exposes to Matches: its column values, and its relations.
struct Columns {
  std::function<Value(std::string_view column)> value;
  // Whether the resource is linked to `key` through `relation`; unset: no relation holds.
  std::function<bool(std::string_view relation, const Value& key)> related;
};

// Evaluates `c` on one resource.
bool Matches(const Cond& c, const Columns& row);

}  // namespace zs::cond
