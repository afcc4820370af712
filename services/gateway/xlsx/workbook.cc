#include "xlsx/workbook.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace zs::gateway::xlsx {
namespace {

// Excel's own limits: longer names and larger sheets are refused when the file is opened.
constexpr size_t kMaxNameUnits = 31;  // UTF-16 code units, as Excel counts them
constexpr size_t kMaxColumns = LXW_COL_MAX;
constexpr size_t kMaxRows = LXW_ROW_MAX;

// Estimated column widths stay within these, in characters: narrow enough that a table of long
// texts still fits a screen (the text wraps instead), wide enough for a short header and filter
// button.
constexpr double kMinWidth = 8;
constexpr double kMaxWidth = 50;
constexpr double kPadding = 2;  // the autofilter button and a little air

// The next code point of `s` from `i`, advancing `i`. An invalid byte is taken as itself, so a
// stray byte costs one column instead of stopping the estimate.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const int len = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
  if (len <= 1 || i + len > s.size()) {
    ++i;
    return b;
  }
  char32_t cp = b & (0x7F >> len);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

// East Asian wide and full-width characters (CJK ideographs, kana, hangul, full-width forms and
// punctuation such as （）：): they take about two columns of a Latin character in Excel's fonts.
bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

// The width of the widest line of `s`, in Latin-character columns.
double DisplayWidth(std::string_view s) {
  double widest = 0, line = 0;
  for (size_t i = 0; i < s.size();) {
    const char32_t c = NextCodePoint(s, i);
    if (c == '\n') {
      widest = std::max(widest, line);
      line = 0;
    } else {
      line += IsWide(c) ? 2 : 1;
    }
  }
  return std::max(widest, line);
}

// A number as Excel's General format shows it, near enough for a width estimate.
std::string NumberText(double n) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

// Text as Excel will read it back. The file format writes a control character as _xHHHH_, and
// libxlsxwriter 1.1.4 does that, but it leaves a literal "_x0041_" in the text as it is, which
// Excel would then show as "A". Excel's own escape for such a text is to write its '_' as _x005F_.
std::string CellText(std::string_view s) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i + 7 <= s.size() && s[i + 1] == 'x' && hex(s[i + 2]) && hex(s[i + 3]) &&
        hex(s[i + 4]) && hex(s[i + 5]) && s[i + 6] == '_') {
      out += "_x005F";
    }
    out += s[i];
  }
  return out;
}

// The tab name Excel accepts: the forbidden characters and an apostrophe at either end replaced,
// cut at 31 UTF-16 code units without splitting a character.
std::string SheetName(std::string_view name) {
  std::string out;
  size_t units = 0;
  for (size_t i = 0; i < name.size();) {
    const size_t start = i;
    const char32_t c = NextCodePoint(name, i);
    units += c > 0xFFFF ? 2 : 1;
    if (units > kMaxNameUnits) break;
    if (std::string_view("[]:*?/\\").find(static_cast<char>(c)) != std::string_view::npos &&
        c < 0x80) {
      out += '_';
    } else {
      out.append(name.substr(start, i - start));
    }
  }
  if (!out.empty() && out.front() == '\'') out.front() = '_';
  if (!out.empty() && out.back() == '\'') out.back() = '_';
  return out;
}

// Excel compares sheet names without regard to case; ASCII folding covers the names we write.
std::string FoldCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return s;
}

absl::Status Invalid(const std::string& sheet, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("sheet \"", sheet, "\": ", what));
}

absl::Status LxwError(const std::string& sheet, const std::string& doing, lxw_error e) {
  const std::string what = absl::StrCat(doing, ": ", lxw_strerror(e));
  // Data Excel cannot hold (a text over 32767 characters, say) is the caller's; the rest is ours.
  return e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED || e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE
             ? Invalid(sheet, what)
             : absl::InternalError(absl::StrCat("sheet \"", sheet, "\": ", what));
}

// Everything about a sheet that can be refused, checked before anything is written so that a
// refusal leaves no half-made file behind.
absl::Status Validate(const Sheet& s, const std::string& name, size_t index,
                      std::set<std::string>& seen) {
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("sheet ", index + 1, " has no name"));
  }
  if (!seen.insert(FoldCase(name)).second) {
    return Invalid(name, "another sheet has the same name");
  }
  if (s.headers.size() > kMaxColumns || s.widths.size() > kMaxColumns) {
    return Invalid(name, absl::StrCat("more than ", kMaxColumns, " columns"));
  }
  // The title, the headers and the rows must all fit in Excel's rows.
  if (s.rows.size() + 2 > kMaxRows) {
    return Invalid(name, absl::StrCat("more than ", kMaxRows - 2, " rows"));
  }
  for (size_t r = 0; r < s.rows.size(); ++r) {
    if (s.rows[r].size() > s.headers.size()) {
      return Invalid(name, absl::StrCat("row ", r + 1, " has ", s.rows[r].size(),
                                        " cells but there are ", s.headers.size(), " headers"));
    }
    for (size_t c = 0; c < s.rows[r].size(); ++c) {
      const Cell& cell = s.rows[r][c];
      if (cell.is_number && !std::isfinite(cell.number)) {
        // Excel has no infinity or NaN; libxlsxwriter 1.1.4 would write <v>INF</v> or <v>NAN</v>
        // and Excel would report the file as damaged.
        return Invalid(name,
                       absl::StrCat("row ", r + 1, " column ", c + 1, " is not a finite number"));
      }
    }
  }
  return absl::OkStatus();
}

// The workbook's cell formats, shared by every sheet (formats belong to the workbook).
struct Formats {
  lxw_format* title;
  lxw_format* header;
  lxw_format* text;
  lxw_format* wrapped;  // text in a column too narrow for it, or with line breaks
  lxw_format* number;
};

Formats AddFormats(lxw_workbook* wb) {
  Formats f;
  f.title = workbook_add_format(wb);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  format_set_align(f.title, LXW_ALIGN_CENTER);
  format_set_align(f.title, LXW_ALIGN_VERTICAL_CENTER);

  f.header = workbook_add_format(wb);
  format_set_bold(f.header);
  format_set_bg_color(f.header, 0xD9E1F2);  // a pale blue; setting it also makes the fill solid
  format_set_border(f.header, LXW_BORDER_THIN);
  format_set_align(f.header, LXW_ALIGN_CENTER);
  format_set_align(f.header, LXW_ALIGN_VERTICAL_CENTER);
  format_set_text_wrap(f.header);

  f.text = workbook_add_format(wb);
  format_set_border(f.text, LXW_BORDER_THIN);
  format_set_align(f.text, LXW_ALIGN_VERTICAL_CENTER);

  f.wrapped = workbook_add_format(wb);
  format_set_border(f.wrapped, LXW_BORDER_THIN);
  format_set_align(f.wrapped, LXW_ALIGN_VERTICAL_CENTER);
  format_set_text_wrap(f.wrapped);

  // Numbers keep Excel's General format: integers show without decimals, fractions as they are.
  f.number = workbook_add_format(wb);
  format_set_border(f.number, LXW_BORDER_THIN);
  format_set_align(f.number, LXW_ALIGN_VERTICAL_CENTER);
  return f;
}

// One column's layout: its width, and whether its text must wrap to fit it.
struct Column {
  double width = kMinWidth;
  bool wrap = false;
};

std::vector<Column> Layout(const Sheet& s) {
  std::vector<Column> cols(s.headers.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    double content = DisplayWidth(s.headers[c]);
    double text = 0;  // the widest text, which is what wrapping can help
    for (const auto& row : s.rows) {
      if (c >= row.size()) continue;
      if (row[c].is_number) {
        content = std::max(content, DisplayWidth(NumberText(row[c].number)));
      } else {
        text = std::max(text, DisplayWidth(row[c].text));
      }
    }
    content = std::max(content, text);
    const bool given = c < s.widths.size() && s.widths[c] > 0;
    // Excel's widest column is 255 characters.
    cols[c].width =
        given ? std::min(s.widths[c], 255.0) : std::clamp(content + kPadding, kMinWidth, kMaxWidth);
    cols[c].wrap = text + (given ? 0 : kPadding) > cols[c].width;
  }
  return cols;
}

// Writes one sheet: title (row 0, when there is one), headers, rows.
absl::Status WriteSheet(lxw_workbook* wb, const Formats& f, const Sheet& s,
                        const std::string& name) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
  if (ws == nullptr) {
    return absl::InternalError(absl::StrCat("sheet \"", name, "\": libxlsxwriter refused it"));
  }
  const std::vector<Column> cols = Layout(s);
  for (size_t c = 0; c < cols.size(); ++c) {
    const auto col = static_cast<lxw_col_t>(c);
    if (lxw_error e = worksheet_set_column(ws, col, col, cols[c].width, nullptr)) {
      return LxwError(name, "column width", e);
    }
  }

  lxw_row_t row = 0;
  if (!s.title.empty()) {
    // Merged across the table; a single column cannot be merged (libxlsxwriter refuses a
    // one-cell range), so there it is a plain cell.
    const lxw_col_t last = static_cast<lxw_col_t>(std::max<size_t>(cols.size(), 1) - 1);
    const std::string title = CellText(s.title);
    const lxw_error e = last == 0
                            ? worksheet_write_string(ws, 0, 0, title.c_str(), f.title)
                            : worksheet_merge_range(ws, 0, 0, 0, last, title.c_str(), f.title);
    if (e) return LxwError(name, "title", e);
    worksheet_set_row(ws, 0, 28, nullptr);
    ++row;
  }

  if (!s.headers.empty()) {
    const lxw_row_t header_row = row;
    for (size_t c = 0; c < s.headers.size(); ++c) {
      if (lxw_error e = worksheet_write_string(ws, row, static_cast<lxw_col_t>(c),
                                               CellText(s.headers[c]).c_str(), f.header)) {
        return LxwError(name, "header", e);
      }
    }
    ++row;
    // The title and headers stay in view; the filter covers the headers and every row.
    worksheet_freeze_panes(ws, row, 0);
    const lxw_row_t last_row = header_row + static_cast<lxw_row_t>(s.rows.size());
    if (lxw_error e = worksheet_autofilter(ws, header_row, 0, last_row,
                                           static_cast<lxw_col_t>(s.headers.size() - 1))) {
      return LxwError(name, "autofilter", e);
    }
  }

  for (const auto& cells : s.rows) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      lxw_error e = LXW_NO_ERROR;
      if (c >= cells.size()) {
        // Missing cells are still part of the bordered table.
        e = worksheet_write_blank(ws, row, col, f.text);
      } else if (cells[c].is_number) {
        e = worksheet_write_number(ws, row, col, cells[c].number, f.number);
      } else {
        const bool wrap = cols[c].wrap || cells[c].text.find('\n') != std::string::npos;
        e = worksheet_write_string(ws, row, col, CellText(cells[c].text).c_str(),
                                   wrap ? f.wrapped : f.text);
      }
      if (e) return LxwError(name, absl::StrCat("row ", row + 1), e);
    }
    ++row;
  }
  return absl::OkStatus();
}

// The private file libxlsxwriter writes to, removed whatever happens.
class TempFile {
 public:
  static absl::StatusOr<std::unique_ptr<TempFile>> Create(std::string dir) {
    std::string path = absl::StrCat(dir, "/zs-xlsx-XXXXXX");
    const int fd = mkstemp(path.data());
    if (fd < 0) {
      return absl::InternalError(absl::StrCat("cannot create a temporary file in ", dir));
    }
    close(fd);  // libxlsxwriter opens it again by name
    return std::unique_ptr<TempFile>(new TempFile(std::move(dir), std::move(path)));
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

 private:
  TempFile(std::string dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}
  std::string dir_;
  std::string path_;
};

std::string TempDir() {
  const char* d = std::getenv("TMPDIR");
  std::string dir = d != nullptr && *d != '\0' ? d : "/tmp";
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// Frees a workbook that was never closed (closing writes the file; a refusal must not).
struct WorkbookDeleter {
  void operator()(lxw_workbook* wb) const { lxw_workbook_free(wb); }
};

}  // namespace

absl::StatusOr<std::string> Write(const std::vector<Sheet>& sheets) {
  if (sheets.empty()) return absl::InvalidArgumentError("a workbook needs at least one sheet");
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t i = 0; i < sheets.size(); ++i) {
    names.push_back(SheetName(sheets[i].name));
    if (absl::Status st = Validate(sheets[i], names.back(), i, seen); !st.ok()) return st;
  }

  absl::StatusOr<std::unique_ptr<TempFile>> file = TempFile::Create(TempDir());
  if (!file.ok()) return file.status();
  // libxlsxwriter 1.1.4 writes only to a file name (no memory buffer) and keeps each part in a
  // temporary file of its own until it zips them; those go to the same directory as ours.
  lxw_workbook_options options = {.constant_memory = LXW_FALSE,
                                  .tmpdir = const_cast<char*>((*file)->dir().c_str()),
                                  .use_zip64 = LXW_FALSE};
  std::unique_ptr<lxw_workbook, WorkbookDeleter> wb(
      workbook_new_opt((*file)->path().c_str(), &options));
  if (wb == nullptr) return absl::InternalError("libxlsxwriter could not create a workbook");

  // The document's properties, shown by Excel under File > Info.
  std::string title = sheets[0].title.empty() ? names[0] : sheets[0].title;
  std::string company = "中枢";
  lxw_doc_properties properties = {};
  properties.title = title.data();
  properties.company = company.data();
  if (lxw_error e = workbook_set_properties(wb.get(), &properties)) {
    return absl::InternalError(absl::StrCat("document properties: ", lxw_strerror(e)));
  }

  const Formats formats = AddFormats(wb.get());
  for (size_t i = 0; i < sheets.size(); ++i) {
    if (absl::Status st = WriteSheet(wb.get(), formats, sheets[i], names[i]); !st.ok()) return st;
  }
  // Closing writes the file and frees the workbook, whether or not it succeeds.
  if (lxw_error e = workbook_close(wb.release())) {
    return absl::InternalError(absl::StrCat("writing the workbook: ", lxw_strerror(e)));
  }

  std::ifstream in((*file)->path(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in || bytes.tellp() <= 0) {
    return absl::InternalError("cannot read back the written workbook");
  }
  return std::move(bytes).str();
}

}  // namespace zs::gateway::xlsx
