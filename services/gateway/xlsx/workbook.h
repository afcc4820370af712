#pragma once

// Spreadsheets as real .xlsx files (Office Open XML), written with libxlsxwriter: ledgers and
// rankings a user downloads and opens in Excel or WPS. Each sheet is one table: an optional merged
// title row, a header row that stays in view and filters, and the rows below it. Numbers are
// written as numbers, not text, so sums and sorting work in the spreadsheet. Pure: no network, and
// the only file is a private temporary one that is gone when Write returns.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace zs::gateway::xlsx {

// One cell: text, or a number when `is_number`.
struct Cell {
  std::string text;
  double number = 0;
  bool is_number = false;

  static Cell Text(std::string t) {
    Cell c;
    c.text = std::move(t);
    return c;
  }
  static Cell Number(double n) {
    Cell c;
    c.number = n;
    c.is_number = true;
    return c;
  }
};

struct Sheet {
  // The tab, e.g. "督查台账". Excel allows at most 31 characters and none of []:*?/\ nor an
  // apostrophe at either end: longer names are cut, those characters are replaced by '_'.
  std::string name;
  // Optional: a merged, bold title row above the headers, e.g.
  // "石峰区督查台账（截至2026年12月3日）".
  std::string title;
  // Bold, with a fill and borders, frozen (the rows scroll under them), with an autofilter.
  std::vector<std::string> headers;
  // A row may be shorter than the headers (the rest stays empty), never longer.
  std::vector<std::vector<Cell>> rows;
  // Column widths in characters. Empty: estimated from the content, CJK characters counting
  // double; long text then wraps in its cells instead of making a column wider than the screen.
  std::vector<double> widths;
};

// The workbook as the bytes of an .xlsx file, the sheets in order. INVALID_ARGUMENT naming the
// sheet when a row has more cells than there are headers, a number is not finite or a sheet has no
// name; INVALID_ARGUMENT when there are no sheets or two sheets share a name (after the
// replacements above, and regardless of case, as Excel compares them). INTERNAL when the file
// cannot be written or read back.
absl::StatusOr<std::string> Write(const std::vector<Sheet>& sheets);

}  // namespace zs::gateway::xlsx
