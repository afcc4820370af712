#include "xlsx/workbook.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace zs::gateway::xlsx {
namespace {

// A minimal zip reader, enough to open what libxlsxwriter writes without an external tool: the
// end-of-central-directory record, the central directory, then each entry's local header. Sizes
// come from the central directory, because a writer may leave them zero in the local header and
// put them in a data descriptor after the data.
uint32_t Le(std::string_view b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::optional<std::string> Inflate(std::string_view raw, size_t size) {
  std::string out(size, '\0');
  z_stream z = {};
  // Negative window bits: a raw deflate stream, without the zlib header zip does not use.
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  const bool ok = rc == Z_STREAM_END && z.total_out == size;
  inflateEnd(&z);
  return ok ? std::optional<std::string>(std::move(out)) : std::nullopt;
}

// The entries of a zip archive by name, uncompressed; empty when the archive is malformed.
std::map<std::string, std::string> Unzip(std::string_view zip) {
  std::map<std::string, std::string> files;
  if (zip.size() < 22) return files;
  size_t eocd = zip.size() - 22;  // the record is 22 bytes plus a comment of up to 64 KiB
  while (Le(zip, eocd, 4) != 0x06054b50) {
    if (eocd == 0 || zip.size() - eocd > 22 + 0xFFFF) return files;
    --eocd;
  }
  const uint32_t entries = Le(zip, eocd + 10, 2);
  size_t at = Le(zip, eocd + 16, 4);
  for (uint32_t i = 0; i < entries; ++i) {
    if (at + 46 > zip.size() || Le(zip, at, 4) != 0x02014b50) return {};
    const uint32_t method = Le(zip, at + 10, 2);
    const uint32_t compressed = Le(zip, at + 20, 4);
    const uint32_t size = Le(zip, at + 24, 4);
    const uint32_t name_len = Le(zip, at + 28, 2);
    const uint32_t extra_len = Le(zip, at + 30, 2);
    const uint32_t comment_len = Le(zip, at + 32, 2);
    const uint32_t local = Le(zip, at + 42, 4);
    const std::string name(zip.substr(at + 46, name_len));
    at += 46 + name_len + extra_len + comment_len;

    if (local + 30 > zip.size() || Le(zip, local, 4) != 0x04034b50) return {};
    const size_t data = local + 30 + Le(zip, local + 26, 2) + Le(zip, local + 28, 2);
    if (data + compressed > zip.size()) return {};
    const std::string_view raw = zip.substr(data, compressed);
    if (method == 0) {
      files[name] = std::string(raw);
    } else if (method == 8) {
      std::optional<std::string> out = Inflate(raw, size);
      if (!out) return {};
      files[name] = std::move(*out);
    } else {
      return {};
    }
  }
  return files;
}

// The names in `dir`.
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

// Every test writes with TMPDIR set to a fresh directory of its own, and checks afterwards that
// nothing was left in it: neither the workbook's file nor libxlsxwriter's own temporaries.
class WorkbookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TMPDIR");
    if (old != nullptr) old_tmpdir_ = old;
    std::string base = old != nullptr && *old != '\0' ? old : "/tmp";
    std::string templ = base + "/zs-xlsx-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    setenv("TMPDIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    EXPECT_EQ(Entries(dir_), std::vector<std::string>()) << "left behind in " << dir_;
    if (old_tmpdir_) {
      setenv("TMPDIR", old_tmpdir_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    std::filesystem::remove_all(dir_);  // even after a failure, so that nothing is left
  }

  std::string dir_;
  std::optional<std::string> old_tmpdir_;
};

Sheet MakeSheet(std::string name, std::vector<std::string> headers = {},
                std::vector<std::vector<Cell>> rows = {}) {
  Sheet s;
  s.name = std::move(name);
  s.headers = std::move(headers);
  s.rows = std::move(rows);
  return s;
}

std::vector<Sheet> Ledger() {
  Sheet ledger = MakeSheet(
      "督查台账", {"事项", "牵头单位", "期限", "状态", "进度"},
      {
          {Cell::Text("推进老旧小区改造，完成雨污分流和立面整治，年底前全部交付使用并组织验收"),
           Cell::Text("区住建局"), Cell::Text("2026-12-31"), Cell::Text("办理中"),
           Cell::Number(75)},
          {Cell::Text("优化营商环境"), Cell::Text("区发改局"), Cell::Text("2026-06-30"),
           Cell::Text("已办结"), Cell::Number(100)},
          // A short row: the missing cells stay empty.
          {Cell::Text("防汛物资储备"), Cell::Text("区应急管理局")},
      });
  ledger.title = "石峰区督查台账（截至2026年12月3日）";
  Sheet rankings = MakeSheet("单位排名", {"名次", "单位", "得分"},
                             {{Cell::Number(1), Cell::Text("区住建局"), Cell::Number(98.5)},
                              {Cell::Number(2), Cell::Text("区发改局"), Cell::Number(91)}});
  return {ledger, rankings};
}

std::map<std::string, std::string> WriteAndUnzip(const std::vector<Sheet>& sheets) {
  absl::StatusOr<std::string> xlsx = Write(sheets);
  EXPECT_TRUE(xlsx.ok()) << xlsx.status();
  if (!xlsx.ok()) return {};
  EXPECT_EQ(xlsx->substr(0, 4), std::string("PK\x03\x04", 4));
  return Unzip(*xlsx);
}

bool Contains(const std::string& xml, std::string_view part) {
  return xml.find(part) != std::string::npos;
}

TEST_F(WorkbookTest, TwoSheetsAreARealWorkbookWithTextNumbersAndLayout) {
  const std::vector<Sheet> sheets = Ledger();
  std::map<std::string, std::string> files = WriteAndUnzip(sheets);
  for (const char* part : {"xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml",
                           "xl/worksheets/sheet2.xml", "xl/styles.xml", "[Content_Types].xml"}) {
    ASSERT_TRUE(files.contains(part)) << part;
  }
  const std::string& workbook = files["xl/workbook.xml"];
  EXPECT_TRUE(Contains(workbook, R"(<sheet name="督查台账" sheetId="1")")) << workbook;
  EXPECT_TRUE(Contains(workbook, R"(<sheet name="单位排名" sheetId="2")")) << workbook;

  // Every header, title and text cell is a shared string, its UTF-8 intact.
  const std::string& strings = files["xl/sharedStrings.xml"];
  for (const Sheet& s : sheets) {
    if (!s.title.empty()) {
      EXPECT_TRUE(Contains(strings, "<t>" + s.title + "</t>")) << s.title;
    }
    for (const std::string& h : s.headers) EXPECT_TRUE(Contains(strings, "<t>" + h + "</t>")) << h;
    for (const auto& row : s.rows) {
      for (const Cell& c : row) {
        if (!c.is_number) {
          EXPECT_TRUE(Contains(strings, "<t>" + c.text + "</t>")) << c.text;
        }
      }
    }
  }

  const std::string& ledger = files["xl/worksheets/sheet1.xml"];
  // Numbers are numbers: a value without t="s" (which would make it an index into the strings).
  EXPECT_TRUE(std::regex_search(ledger, std::regex(R"re(<c r="E3"( s="\d+")?><v>75</v></c>)re")))
      << ledger;
  EXPECT_TRUE(std::regex_search(ledger, std::regex(R"re(<c r="E4"( s="\d+")?><v>100</v></c>)re")));
  EXPECT_TRUE(
      std::regex_search(ledger, std::regex(R"re(<c r="B3"( s="\d+")? t="s"><v>\d+</v></c>)re")));
  // The title above the table is merged across its five columns; title and headers are frozen.
  EXPECT_TRUE(Contains(ledger, R"(<mergeCell ref="A1:E1"/>)")) << ledger;
  EXPECT_TRUE(std::regex_search(ledger, std::regex(R"re(<pane ySplit="2"[^>]*state="frozen")re")))
      << ledger;
  // The filter covers the header row and every data row.
  EXPECT_TRUE(Contains(ledger, R"(<autoFilter ref="A2:E5"/>)")) << ledger;
  // The short row's missing cells are there, empty but bordered.
  EXPECT_TRUE(std::regex_search(ledger, std::regex(R"re(<c r="E5" s="\d+"/>)re"))) << ledger;
  // Column widths are set; the long text column wraps.
  EXPECT_TRUE(Contains(ledger, "<cols>")) << ledger;
  EXPECT_TRUE(Contains(files["xl/styles.xml"], R"(wrapText="1")"));

  const std::string& rankings = files["xl/worksheets/sheet2.xml"];
  EXPECT_TRUE(
      std::regex_search(rankings, std::regex(R"re(<c r="C2"( s="\d+")?><v>98.5</v></c>)re")))
      << rankings;
  EXPECT_TRUE(
      std::regex_search(rankings, std::regex(R"re(<pane ySplit="1"[^>]*state="frozen")re")));
  EXPECT_TRUE(Contains(rankings, R"(<autoFilter ref="A1:C3"/>)")) << rankings;
  EXPECT_FALSE(Contains(rankings, "<mergeCell")) << "no title, nothing merged";

  // The document's properties: the first sheet's title, and who made it.
  EXPECT_TRUE(Contains(files["docProps/core.xml"], "<dc:title>" + sheets[0].title + "</dc:title>"))
      << files["docProps/core.xml"];
  EXPECT_TRUE(Contains(files["docProps/app.xml"], "<Company>中枢</Company>"))
      << files["docProps/app.xml"];
}

TEST_F(WorkbookTest, GivenWidthsAreUsedAndNarrowColumnsWrap) {
  Sheet s = MakeSheet("宽度", {"事项", "备注"},
                      {{Cell::Text("短"), Cell::Text("一段比列宽更长的说明文字")}});
  s.widths = {12, 6};
  std::map<std::string, std::string> files = WriteAndUnzip({s});
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  EXPECT_TRUE(
      std::regex_search(sheet, std::regex(R"re(<col min="1" max="1" width="12\.[0-9]+")re")))
      << sheet;
  EXPECT_TRUE(std::regex_search(sheet, std::regex(R"re(<col min="2" max="2" width="6\.[0-9]+")re")))
      << sheet;
  // The first column fits its text; the second does not, so its cell has a wrapping style
  // (a different one from the first column's).
  std::smatch a, b;
  ASSERT_TRUE(std::regex_search(sheet, a, std::regex(R"re(<c r="A2" s="(\d+)" t="s")re")));
  ASSERT_TRUE(std::regex_search(sheet, b, std::regex(R"re(<c r="B2" s="(\d+)" t="s")re")));
  EXPECT_NE(a[1], b[1]);
}

TEST_F(WorkbookTest, ARowWiderThanTheHeadersIsRefusedNamingTheSheet) {
  Sheet s = MakeSheet(
      "督查台账", {"事项", "状态"},
      {{Cell::Text("a"), Cell::Text("b")}, {Cell::Text("a"), Cell::Text("b"), Cell::Number(3)}});
  absl::StatusOr<std::string> xlsx = Write({s});
  ASSERT_EQ(xlsx.status().code(), absl::StatusCode::kInvalidArgument) << xlsx.status();
  EXPECT_TRUE(Contains(std::string(xlsx.status().message()), "督查台账")) << xlsx.status();
  EXPECT_TRUE(Contains(std::string(xlsx.status().message()), "row 2")) << xlsx.status();
}

TEST_F(WorkbookTest, DuplicateSheetNamesAreRefused) {
  absl::StatusOr<std::string> xlsx = Write({MakeSheet("排名", {"a"}), MakeSheet("排名", {"b"})});
  ASSERT_EQ(xlsx.status().code(), absl::StatusCode::kInvalidArgument) << xlsx.status();
  EXPECT_TRUE(Contains(std::string(xlsx.status().message()), "排名")) << xlsx.status();
  // Excel compares names regardless of case, and after the replacements.
  EXPECT_EQ(Write({MakeSheet("Rank"), MakeSheet("RANK")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Write({MakeSheet("a/b"), MakeSheet("a:b")}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(WorkbookTest, ForbiddenCharactersInANameAreReplacedAndLongNamesCut) {
  const std::string long_name =
      "二〇二六年度全区重点工作督查事项办理情况汇总统计表（第一季度）附表";
  std::map<std::string, std::string> files =
      WriteAndUnzip({MakeSheet("2026/12 排名[终]"), MakeSheet(long_name), MakeSheet("'引号'")});
  const std::string& workbook = files["xl/workbook.xml"];
  EXPECT_TRUE(Contains(workbook, R"(<sheet name="2026_12 排名_终_")")) << workbook;
  // 31 characters, cut between characters.
  EXPECT_TRUE(Contains(
      workbook, R"(<sheet name="二〇二六年度全区重点工作督查事项办理情况汇总统计表（第一季度）")"))
      << workbook;
  EXPECT_TRUE(Contains(workbook, R"(<sheet name="_引号_")")) << workbook;
}

TEST_F(WorkbookTest, NoSheetsNoNameOrANonFiniteNumberAreRefused) {
  EXPECT_EQ(Write({}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Write({MakeSheet("")}).status().code(), absl::StatusCode::kInvalidArgument);
  for (double n :
       {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    absl::StatusOr<std::string> xlsx = Write({MakeSheet("得分", {"得分"}, {{Cell::Number(n)}})});
    EXPECT_EQ(xlsx.status().code(), absl::StatusCode::kInvalidArgument) << xlsx.status();
  }
}

TEST_F(WorkbookTest, ATitleOverOneColumnIsAPlainCell) {
  Sheet s = MakeSheet("单列", {"事项"}, {{Cell::Text("x")}});
  s.title = "标题";
  std::map<std::string, std::string> files = WriteAndUnzip({s});
  const std::string& sheet = files["xl/worksheets/sheet1.xml"];
  EXPECT_FALSE(Contains(sheet, "<mergeCell")) << sheet;
  EXPECT_TRUE(Contains(files["xl/sharedStrings.xml"], "<t>标题</t>"));
  EXPECT_TRUE(Contains(sheet, R"(<autoFilter ref="A2:A3"/>)")) << sheet;
}

// The file format writes a control character in a text as _xHHHH_; a text that already looks like
// that must come back as written, not as the character it would denote.
TEST_F(WorkbookTest, TextThatLooksLikeAnEscapeComesBackAsWritten) {
  std::map<std::string, std::string> files = WriteAndUnzip({MakeSheet("编号", {"编号_x0041_"},
                                                                      {{Cell::Text("a\x01"
                                                                                   "b")},
                                                                       {Cell::Text("_x4E2D")}})});
  const std::string& strings = files["xl/sharedStrings.xml"];
  EXPECT_TRUE(Contains(strings, "<t>编号_x005F_x0041_</t>")) << strings;
  EXPECT_TRUE(Contains(strings, "<t>a_x0001_b</t>")) << strings;
  EXPECT_TRUE(Contains(strings, "<t>_x4E2D</t>")) << strings;  // not a full escape: as it is
}

}  // namespace
}  // namespace zs::gateway::xlsx
