#include "store/table.h"

namespace zs::store {
namespace {

Param ToParam(const cond::Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  return std::get<std::string>(v);
}

bool PlainName(const std::string& column) {
  if (column.empty()) return false;
  for (char ch : column) {
    if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> ToSql(const cond::Cond& c,
                                  const std::map<std::string, std::string>& relations,
                                  std::vector<Param>& params) {
  using Op = cond::Cond::Op;
  if ((c.op == Op::kEq || c.op == Op::kNe || c.op == Op::kIn) && !PlainName(c.column)) {
    return absl::InvalidArgumentError("condition on a malformed column name '" + c.column + "'");
  }
  switch (c.op) {
    case Op::kTrue:
      return std::string("1 = 1");
    case Op::kFalse:
      return std::string("1 = 0");
    case Op::kEq:
      params.push_back(ToParam(c.values[0]));
      return c.column + " = ?";
    case Op::kNe:
      params.push_back(ToParam(c.values[0]));
      return c.column + " <> ?";
    case Op::kIn: {
      if (c.values.empty()) return std::string("1 = 0");
      std::string sql = c.column + " IN (";
      for (size_t i = 0; i < c.values.size(); ++i) {
        sql += i ? ", ?" : "?";
        params.push_back(ToParam(c.values[i]));
      }
      return sql + ")";
    }
    case Op::kAll:
    case Op::kAny: {
      std::string sql = "(";
      for (size_t i = 0; i < c.children.size(); ++i) {
        auto child = ToSql(c.children[i], relations, params);
        if (!child.ok()) return child.status();
        if (i) sql += c.op == Op::kAll ? " AND " : " OR ";
        sql += *child;
      }
      return sql + ")";
    }
    case Op::kRelated: {
      auto it = relations.find(c.column);
      if (it == relations.end()) {
        return absl::InvalidArgumentError("condition on unknown relation '" + c.column + "'");
      }
      params.push_back(ToParam(c.values[0]));
      return "(" + it->second + ")";
    }
  }
  return absl::InternalError("unknown condition");
}

}  // namespace zs::store
