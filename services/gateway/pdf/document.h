#pragma once

// An official document (公文) as a PDF, laid out after GB/T 9704-2012 "党政机关公文格式": A4, the
// standard's type area and margins, 22 lines of 28 characters, the red header (红头) with the
// document number and the red line, the title, the body, the signature and date, the 版记 at the
// foot of the last page, and "— N —" page numbers. Pure: Pango and Cairo into memory, no files,
// no network.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace zs::gateway::pdf {

// The parts of a document; empty optional parts are left out of the page.
struct OfficialDocument {
  std::string issuer;  // 发文机关标志, "中共石峰区委办公室" or a journal's name "督查通报"
  std::string number;  // 发文字号 "石办督〔2026〕3号" or a journal's 期号 "第 12 期"; optional
  std::string title;  // 标题, centred, may wrap
  std::string recipients;  // 主送机关 "各镇（街道）党（工）委，区直各单位："; optional
  std::vector<std::string> paragraphs;  // 正文, a paragraph each
  std::string signer;                   // 发文机关署名; optional
  std::string date;                     // 成文日期 "2026年12月3日"; optional
  std::string copy_to;                  // 抄送 (版记); optional
  std::string printer;     // 印发机关 (版记) "中共石峰区委办公室"; optional
  std::string print_date;  // 印发日期 (版记) "2026年12月3日"; "印发" is added after it
};

// The document as a PDF: A4 pages, GB/T 9704 margins, the body in a serif CJK face with the fonts
// embedded (the text can be searched and copied). INVALID_ARGUMENT naming the field when issuer,
// title or paragraphs are empty, a field is not UTF-8 or the 抄送 list would not fit on a page;
// INTERNAL if Cairo fails. Safe to call from several threads at once (Pango gives each thread its
// own font map, loaded on its first call). The fonts' subsets make a document about half a
// megabyte, whatever its length.
absl::StatusOr<std::string> Render(const OfficialDocument& doc);

}  // namespace zs::gateway::pdf
