#include "pdf/document.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace zs::gateway::pdf {
namespace {

// The page's geometry in points, as the renderer uses it (GB/T 9704: 37 mm top, 35 mm bottom).
constexpr double kMm = 72.0 / 25.4;
constexpr double kTypeTop = 37 * kMm;
constexpr double kTypeBottom = (297 - 35) * kMm;
constexpr double kPageWidth = 210 * kMm;

// Sentences of a supervision bulletin, combined into paragraphs of different lengths so that page
// breaks fall inside paragraphs.
const char* const kSentences[] = {
    "根据区委、区政府工作安排，区委督查室会同区政府督查室对全区重点工作推进情况开展了专项督查。",
    "从督查情况看，各镇（街道）和区直各单位高度重视，主要负责同志亲自研究部署，责任分工明确。",
    "城乡环境综合整治持续深入，背街小巷改造完成率达到百分之九十二，群众满意度明显提升。",
    "但也有少数单位存在思想认识不到位、工作推进不平衡、问题整改不彻底等情况，需引起高度重视。",
    "请各单位对照督查反馈的问题清单，逐项制定整改措施，明确责任人和完成时限，确保按期销号。",
    "区委督查室将适时组织“回头看”，对整改不力、敷衍塞责的单位和个人，按照有关规定严肃问责。",
};

std::string Paragraph(int n) {
  std::string p = "（第" + std::to_string(n) + "段）";
  for (int i = 0; i < 1 + n % 4; ++i) p += kSentences[(n + i) % 6];
  return p;
}

OfficialDocument Bulletin(int paragraphs) {
  OfficialDocument doc;
  doc.issuer = "督查通报";
  doc.number = "第 12 期";
  doc.title = "关于2026年第四季度全区重点工作推进情况的督查通报";
  doc.recipients = "各镇（街道）党（工）委，区直各单位：";
  for (int i = 1; i <= paragraphs; ++i) doc.paragraphs.push_back(Paragraph(i));
  doc.signer = "中共石峰区委督查室";
  doc.date = "2026年12月3日";
  doc.copy_to = "区委各部委，区人大常委会办公室，区政府办公室，区政协办公室";
  doc.printer = "中共石峰区委办公室";
  doc.print_date = "2026年12月3日";
  return doc;
}

// The output of a command; fails the test when it does not exit with 0.
std::string Output(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "cannot run " << command;
    return out;
  }
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return out;
}

// Text without any white space: pdftotext puts spaces where glyphs are set apart (justified lines,
// columns), which says nothing about the characters.
std::string Squeezed(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\f') out += c;
  }
  return out;
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// A rendered document on disk for poppler-utils, removed afterwards.
class PdfFile {
 public:
  explicit PdfFile(const std::string& pdf)
      : path_(testing::TempDir() + "gateway_pdf_test_" + std::to_string(getpid()) + "_" +
              std::to_string(next_++) + ".pdf") {
    std::ofstream(path_, std::ios::binary) << pdf;
  }
  ~PdfFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

  std::string Info() const { return Output("pdfinfo '" + path_ + "'"); }
  // The text of each page (pdftotext ends every page with a form feed), laid out as on the page.
  std::vector<std::string> PageTexts() const {
    const std::string all = Output("pdftotext -layout '" + path_ + "' -");
    std::vector<std::string> pages;
    for (size_t from = 0, ff; (ff = all.find('\f', from)) != std::string::npos; from = ff + 1) {
      pages.push_back(all.substr(from, ff - from));
    }
    return pages;
  }

 private:
  static inline int next_ = 0;
  std::string path_;
};

// A line of text as pdftotext -bbox-layout finds it, in points from the top left of the page.
struct TextLine {
  int page = 0;
  double x_min = 0, y_min = 0, x_max = 0, y_max = 0;
  std::string text;  // its words, run together
};

double Attribute(const std::string& tag, const std::string& name) {
  const size_t at = tag.find(name + "=\"");
  return at == std::string::npos ? -1 : std::atof(tag.c_str() + at + name.size() + 2);
}

// The lines of every page from pdftotext's XHTML (<page><flow><block><line><word>).
std::vector<TextLine> Lines(const PdfFile& file) {
  const std::string html = Output("pdftotext -bbox-layout '" + file.path() + "' -");
  std::vector<TextLine> lines;
  int page = 0;
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    const size_t end = html.find('>', at);
    const std::string tag = html.substr(at, end - at + 1);
    if (tag.starts_with("<page ")) {
      ++page;
    } else if (tag.starts_with("<line ")) {
      lines.push_back({page, Attribute(tag, "xMin"), Attribute(tag, "yMin"), Attribute(tag, "xMax"),
                       Attribute(tag, "yMax"), ""});
    } else if (tag.starts_with("<word ") && !lines.empty()) {
      lines.back().text += html.substr(end + 1, html.find('<', end) - end - 1);
    }
  }
  return lines;
}

std::string PageNumber(int n) { return "—" + std::to_string(n) + "—"; }

// The bulletin, rendered once for the tests that read it.
class BulletinTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pdf = Render(Bulletin(kParagraphs));
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    file_ = new PdfFile(*pdf);
  }
  static void TearDownTestSuite() {
    delete file_;
    file_ = nullptr;
  }
  static constexpr int kParagraphs = 16;
  static inline PdfFile* file_ = nullptr;
};

TEST_F(BulletinTest, IsA4WithTheTitleInItsProperties) {
  const std::string info = file_->Info();
  const size_t at = info.find("Page size:");
  ASSERT_NE(at, std::string::npos) << info;
  double width = 0, height = 0;
  ASSERT_EQ(std::sscanf(info.c_str() + at, "Page size: %lf x %lf", &width, &height), 2) << info;
  EXPECT_NEAR(width, 595.276, 1);
  EXPECT_NEAR(height, 841.89, 1);
  EXPECT_NE(info.find("关于2026年第四季度全区重点工作推进情况的督查通报"), std::string::npos)
      << info;
}

TEST_F(BulletinTest, TheFirstPageHasTheHeaderTheNumberAndTheTitle) {
  const std::vector<std::string> pages = file_->PageTexts();
  ASSERT_GE(pages.size(), 3u);
  const std::string first = Squeezed(pages[0]);
  EXPECT_NE(first.find("督查通报"), std::string::npos) << first;
  EXPECT_NE(first.find("第12期"), std::string::npos) << first;
  EXPECT_NE(first.find("关于2026年第四季度全区重点工作推进情况的督查通报"), std::string::npos)
      << first;
  EXPECT_NE(first.find("各镇（街道）党（工）委，区直各单位："), std::string::npos) << first;
  // Header, number, title and recipients come before the body.
  EXPECT_LT(first.find("第12期"), first.find("（第1段）"));
}

TEST_F(BulletinTest, EveryParagraphIsThereOnceAndEveryPageHasItsNumber) {
  const std::vector<std::string> texts = file_->PageTexts();
  const int pages = static_cast<int>(texts.size());
  ASSERT_GE(pages, 3);
  std::string all;
  for (int page = 1; page <= pages; ++page) {
    std::string text = Squeezed(texts[page - 1]);
    EXPECT_EQ(Count(text, PageNumber(page)), 1) << "page " << page << ": " << text;
    if (const size_t at = text.rfind(PageNumber(page)); at != std::string::npos) {
      text.erase(at, PageNumber(page).size());
    }
    all += text;
  }
  for (int i = 1; i <= kParagraphs; ++i) {
    const std::string marker = "（第" + std::to_string(i) + "段）";
    EXPECT_EQ(Count(all, marker), 1) << marker;
  }
  // The body's text in full and in order across the page breaks (the page numbers taken out): a
  // line lost, printed twice or out of place would break it.
  std::string body = Bulletin(kParagraphs).recipients;
  for (int i = 1; i <= kParagraphs; ++i) body += Paragraph(i);
  EXPECT_NE(all.find(body), std::string::npos) << all;
}

TEST_F(BulletinTest, TheLastPageEndsWithTheSignatureAndTheImprint) {
  const std::vector<std::string> texts = file_->PageTexts();
  const int pages = static_cast<int>(texts.size());
  ASSERT_GE(pages, 3);
  const std::string last = Squeezed(texts.back());
  EXPECT_NE(last.find("中共石峰区委督查室"), std::string::npos) << last;
  EXPECT_NE(last.find("抄送：区委各部委"), std::string::npos) << last;
  EXPECT_NE(last.find("中共石峰区委办公室"), std::string::npos) << last;
  EXPECT_NE(last.find("2026年12月3日印发"), std::string::npos) << last;
  // The printer's line is the last line of the type area.
  bool found = false;
  for (const TextLine& l : Lines(*file_)) {
    if (l.page == pages && l.text.find("中共石峰区委办公室") != std::string::npos) {
      found = true;
      EXPECT_GT(l.y_max, kTypeBottom - 29) << l.text;
      EXPECT_LE(l.y_max, kTypeBottom) << l.text;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(BulletinTest, TheFontsAreEmbeddedWithTheirText) {
  const std::string fonts = Output("pdffonts '" + file_->path() + "'");
  std::istringstream in(fonts);
  int cjk = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("NotoSerifCJK") == std::string::npos) continue;
    // name type... encoding emb sub uni object-id generation: read from the end.
    std::vector<std::string> words;
    std::istringstream w(line);
    for (std::string word; w >> word;) words.push_back(word);
    ASSERT_GE(words.size(), 6u) << line;
    EXPECT_EQ(words[words.size() - 5], "yes") << "not embedded: " << line;
    EXPECT_EQ(words[words.size() - 3], "yes") << "no text mapping: " << line;
    ++cjk;
  }
  EXPECT_GT(cjk, 0) << fonts;
}

TEST_F(BulletinTest, TextStaysInTheTypeAreaOnAGridOf22LinesOf28Characters) {
  const std::vector<TextLine> lines = Lines(*file_);
  ASSERT_FALSE(lines.empty());
  std::set<int> numbered;
  const int pages = static_cast<int>(file_->PageTexts().size());
  std::vector<std::set<long>> rows(pages + 1);
  for (const TextLine& l : lines) {
    if (l.text == PageNumber(l.page)) {
      // Under the type area, at the outer edge: right on odd pages, left on even ones.
      numbered.insert(l.page);
      EXPECT_GT(l.y_min, kTypeBottom) << "page " << l.page;
      EXPECT_LT(l.y_max, 297 * kMm - 20 * kMm) << "page " << l.page;
      if (l.page % 2 == 1) {
        EXPECT_GT(l.x_min, kPageWidth / 2) << "page " << l.page;
      } else {
        EXPECT_LT(l.x_max, kPageWidth / 2) << "page " << l.page;
      }
      continue;
    }
    EXPECT_GE(l.y_min, kTypeTop) << "page " << l.page << ": " << l.text;
    EXPECT_LE(l.y_max, kTypeBottom) << "page " << l.page << ": " << l.text;
    EXPECT_GE(l.x_min, 28 * kMm - 0.5) << "page " << l.page << ": " << l.text;
    EXPECT_LE(l.x_max, (28 + 156) * kMm + 0.5) << "page " << l.page << ": " << l.text;
    rows[l.page].insert(std::lround(l.y_min));
  }
  EXPECT_EQ(static_cast<int>(numbered.size()), pages);
  // A page between the first and the last is all body: 22 lines, most of them full lines of 28
  // characters (a line is a character short where "，" may not start the next one).
  EXPECT_EQ(rows[2].size(), 22u);
  std::istringstream second(file_->PageTexts()[1]);
  int full = 0;
  for (std::string line; std::getline(second, line);) {
    const std::string text = Squeezed(line);
    full +=
        std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }) == 28;
  }
  EXPECT_GE(full, 11);
}

TEST(RenderTest, TheSignatureNeverStandsAloneOnAPage) {
  // Paragraphs of a line each, as many as to make the body end on every row around the foot of
  // the first page: where the signature does not fit under the body, the body's last line goes
  // with it to the next page.
  std::set<int> page_counts;
  for (int n = 4; n <= 10; ++n) {
    OfficialDocument doc = Bulletin(0);
    doc.copy_to.clear();
    doc.printer.clear();
    doc.print_date.clear();
    for (int i = 1; i <= n; ++i)
      doc.paragraphs.push_back("（第" + std::to_string(i) + "段）短句。");
    auto pdf = Render(doc);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    const PdfFile file(*pdf);
    const std::vector<std::string> pages = file.PageTexts();
    ASSERT_FALSE(pages.empty());
    page_counts.insert(static_cast<int>(pages.size()));
    const std::string last = Squeezed(pages.back());
    const std::string final_line = "（第" + std::to_string(n) + "段）短句。";
    EXPECT_NE(last.find(final_line + "中共石峰区委督查室2026年12月3日"), std::string::npos)
        << n << " paragraphs: " << last;
  }
  // The range did cross the foot of the first page.
  EXPECT_EQ(page_counts, (std::set<int>{1, 2}));
}

TEST(RenderTest, ADocumentWithoutTheOptionalPartsFitsOnOnePage) {
  OfficialDocument doc;
  doc.issuer = "中共石峰区委办公室";
  doc.title = "关于做好元旦春节期间值班工作的通知";
  doc.paragraphs = {"请各单位严格落实领导带班和24小时值班制度。"};
  auto pdf = Render(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status();
  const PdfFile file(*pdf);
  const std::vector<std::string> pages = file.PageTexts();
  ASSERT_EQ(pages.size(), 1u);
  const std::string text = Squeezed(pages[0]);
  EXPECT_NE(text.find("请各单位严格落实领导带班和24小时值班制度。"), std::string::npos) << text;
  EXPECT_NE(text.find(PageNumber(1)), std::string::npos) << text;
}

TEST(RenderTest, RequiredPartsAreNamedWhenMissing) {
  OfficialDocument doc = Bulletin(1);
  doc.title.clear();
  auto pdf = Render(doc);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(pdf.status().message().find("title"), std::string::npos) << pdf.status();

  doc = Bulletin(1);
  doc.issuer.clear();
  EXPECT_NE(Render(doc).status().message().find("issuer"), std::string::npos);
  doc = Bulletin(0);
  EXPECT_NE(Render(doc).status().message().find("paragraphs"), std::string::npos);
  doc = Bulletin(1);
  doc.signer = "\xff\xfe";
  EXPECT_EQ(Render(doc).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Render(doc).status().message().find("signer"), std::string::npos);
}

}  // namespace
}  // namespace zs::gateway::pdf
