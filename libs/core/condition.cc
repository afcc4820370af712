#include "core/condition.h"

#include <algorithm>

namespace zs::cond {

Cond In(std::string column, const std::vector<std::string>& values) {
  Cond c{Cond::Op::kIn, std::move(column), {}, {}};
  c.values.assign(values.begin(), values.end());
  return c;
}

Cond All(std::vector<Cond> children) {
  Cond c{Cond::Op::kAll, "", {}, {}};
  for (auto& child : children) {
    if (child.op == Cond::Op::kTrue) continue;
    if (child.op == Cond::Op::kFalse) return False();
    c.children.push_back(std::move(child));
  }
  if (c.children.empty()) return True();
  if (c.children.size() == 1) return std::move(c.children[0]);
  return c;
}

Cond Any(std::vector<Cond> children) {
  Cond c{Cond::Op::kAny, "", {}, {}};
  for (auto& child : children) {
    if (child.op == Cond::Op::kFalse) continue;
    if (child.op == Cond::Op::kTrue) return True();
    c.children.push_back(std::move(child));
  }
  if (c.children.empty()) return False();
  if (c.children.size() == 1) return std::move(c.children[0]);
  return c;
}

bool Matches(const Cond& c, const Columns& row) {
  switch (c.op) {
    case Cond::Op::kTrue:
      return true;
    case Cond::Op::kFalse:
      return false;
    case Cond::Op::kEq:
      return row.value(c.column) == c.values[0];
    case Cond::Op::kNe:
      return row.value(c.column) != c.values[0];
    case Cond::Op::kIn: {
      const Value v = row.value(c.column);
      return std::find(c.values.begin(), c.values.end(), v) != c.values.end();
    }
    case Cond::Op::kAll:
      return std::all_of(c.children.begin(), c.children.end(),
                         [&](const Cond& child) { return Matches(child, row); });
    case Cond::Op::kAny:
      return std::any_of(c.children.begin(), c.children.end(),
                         [&](const Cond& child) { return Matches(child, row); });
    case Cond::Op::kRelated:
      return row.related && row.related(c.column, c.values[0]);
  }
  return false;
}

}  // namespace zs::cond
