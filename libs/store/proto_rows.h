#pragma once

// Rows that hold protobuf messages as blobs: the storage pattern of the services' tables
// (a message in a `data` column, with the query columns copied beside it).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "store/database.h"

namespace zs::store {

// Parses a stored message; DATA_LOSS naming `what` when the bytes are not one.
template <typename T>
absl::StatusOr<T> ParseStored(const std::string& bytes, const std::string& what) {
  T msg;
  if (!msg.ParseFromString(bytes)) return absl::DataLossError(what + ": stored record is corrupt");
  return msg;
}

// Rows of (seq, data) as (seq, message) pairs, for keyset-paged lists.
template <typename T>
absl::StatusOr<std::vector<std::pair<int64_t, T>>> ParseSeqRows(
    const absl::StatusOr<std::vector<Row>>& rows, const std::string& what) {
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<int64_t, T>> out;
  out.reserve(rows->size());
  for (const auto& row : *rows) {
    auto msg = ParseStored<T>(row.Text(1), what);
    if (!msg.ok()) return msg.status();
    out.emplace_back(row.Int(0), std::move(*msg));
  }
  return out;
}

}  // namespace zs::store
