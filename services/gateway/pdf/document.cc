#include "pdf/document.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <glib.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace zs::gateway::pdf {
namespace {

// Everything is in PDF points (1/72 inch) from the top left corner of the page; the standard's
// sizes are in millimetres.
constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double Mm(double mm) { return mm * kPointsPerMm; }

// GB/T 9704-2012 5.2: A4, a type area (版心) of 156 × 225 mm, 37 mm from the top and 28 mm from
// the left (so 26 mm on the right and 35 mm at the bottom).
constexpr double kPageWidth = Mm(210);
constexpr double kPageHeight = Mm(297);
constexpr double kTop = Mm(37);
constexpr double kLeft = Mm(28);
constexpr double kTypeWidth = Mm(156);
constexpr double kTypeHeight = Mm(225);
constexpr double kRight = kLeft + kTypeWidth;
constexpr double kBottom = kTop + kTypeHeight;

// 5.2.2: 22 lines of 28 characters. The body is set on a grid of 22 rows filling the type area
// (a pitch of 28.99 pt) and every line of text sits in a row of its own, so a page holds exactly 22
// lines whatever the font's own line height, nothing can run into the bottom margin, and a page
// break is a matter of counting rows. (This replaces Pango's line spacing: the lines of a layout
// are measured by Pango and drawn one by one at the rows' baselines.)
constexpr int kRows = 22;
constexpr double kPitch = kTypeHeight / kRows;

// Type sizes in the Chinese 号 system. 3号 is 15.75 pt (word processors round it to 16 pt): 28
// characters of 15.75 pt are 441 pt and fit the 442.2 pt measure, 28 of 16 pt would not.
constexpr double kBodySize = 15.75;    // 3号: body, number, recipients, signature
constexpr double kTitleSize = 22;      // 2号: title
constexpr double kHeaderSize = 36;     // 小初: the issuer's red mark, at most
constexpr double kMinHeaderSize = 22;  // ... shrunk down to 2号 for a long name to fit the measure
constexpr double kSmallSize = 14;      // 4号: page numbers and the 版记

// The standard asks for 仿宋 (body) and 小标宋 (title, header). Debian has neither: its closest
// faces are Noto Serif CJK (a 宋体/明朝 style serif), regular for 仿宋 and bold for 小标宋.
constexpr const char* kSerif = "Noto Serif CJK SC";

struct Rgb {
  double r, g, b;
};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kRed{230 / 255.0, 0, 18 / 255.0};  // #E60012, the usual 红头 red

// 7.2.3: the issuer's mark starts 35 mm below the top of the type area; 7.2.4: the number two
// blank lines below it; 7.2.5: the red line 4 mm below the number; 7.3.1: the title two blank lines
// below the red line; 7.3.2: the recipients one blank line below the title.
constexpr double kHeaderDrop = Mm(35);
constexpr double kRedLineGap = Mm(4);
constexpr double kRedLineWidth = Mm(0.5);
// 7.4.1: thick (0.35 mm) first and last lines in the 版记, thin (0.25 mm) ones between.
constexpr double kThickRule = Mm(0.35);
constexpr double kThinRule = Mm(0.25);
// 7.5: the page number's dashes 7 mm below the type area.
constexpr double kPageNumberDrop = Mm(7);

template <typename T>
struct GObjectUnref {
  void operator()(T* p) const { g_object_unref(p); }
};
using ContextPtr = std::unique_ptr<PangoContext, GObjectUnref<PangoContext>>;
// A layout is shared by the placed lines cut from it.
using LayoutPtr = std::shared_ptr<PangoLayout>;

struct FontDescriptionFree {
  void operator()(PangoFontDescription* p) const { pango_font_description_free(p); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* p) const { cairo_surface_destroy(p); }
};
struct CairoDestroy {
  void operator()(cairo_t* p) const { cairo_destroy(p); }
};

// One line of a layout as Pango measured it, in points, relative to the layout's top left.
struct Line {
  int index = 0;
  double x = 0;           // the line's origin (alignment and indent included)
  double top = 0;         // its logical top
  double ascent = 0;      // logical top to baseline
  double height = 0;      // logical height
  double ink_bottom = 0;  // lowest ink below the baseline
};

// A piece of text laid out by Pango and measured line by line.
struct Block {
  LayoutPtr layout;
  std::vector<Line> lines;
  double width = 0;   // logical width of the widest line
  double height = 0;  // logical height of the whole
  double ink_top = 0, ink_bottom = 0;
};

enum class Kind { kHead, kBody, kSignature, kImprint };

// A line put on a page.
struct Placed {
  LayoutPtr layout;
  int index = 0;
  double x = 0, baseline = 0;
  Rgb color = kBlack;
  Kind kind = Kind::kBody;
  int row = -1;  // the grid row, or -1 when placed freely (the header)
};

// A horizontal rule across part of a page.
struct Rule {
  double x0 = 0, x1 = 0, y = 0, width = 0;
  Rgb color = kBlack;
};

struct Page {
  std::vector<Placed> lines;
  std::vector<Rule> rules;
};

double FromPango(int units) { return static_cast<double>(units) / PANGO_SCALE; }
int ToPango(double points) { return static_cast<int>(std::lround(points * PANGO_SCALE)); }

struct Style {
  double size = kBodySize;
  bool bold = false;
  double width = -1;  // the measure to wrap at; -1 for no wrapping
  PangoAlignment align = PANGO_ALIGN_LEFT;
  double indent = 0;  // positive: the first line; negative: a hanging indent of the others
  bool justify = false;
};

Block Lay(PangoContext* context, const std::string& text, const Style& s) {
  Block b;
  b.layout = LayoutPtr(pango_layout_new(context), [](PangoLayout* l) { g_object_unref(l); });
  PangoLayout* layout = b.layout.get();
  std::unique_ptr<PangoFontDescription, FontDescriptionFree> font(pango_font_description_new());
  pango_font_description_set_family(font.get(), kSerif);
  pango_font_description_set_weight(font.get(), s.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  // Absolute: in user units, which are points on a PDF surface.
  pango_font_description_set_absolute_size(font.get(), s.size * PANGO_SCALE);
  pango_layout_set_font_description(layout, font.get());
  if (s.width > 0) {
    pango_layout_set_width(layout, ToPango(s.width));
    // Chinese breaks between any two characters (Pango keeps the punctuation rules: no "，" at a
    // line's start); a long Latin word or number is broken rather than run past the margin.
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(layout, s.align);
  pango_layout_set_indent(layout, ToPango(s.indent));
  pango_layout_set_justify(layout, s.justify);
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));

  PangoRectangle ink, logical;
  pango_layout_get_extents(layout, &ink, &logical);
  b.width = FromPango(logical.width);
  b.height = FromPango(logical.height);
  b.ink_top = FromPango(ink.y);
  b.ink_bottom = FromPango(ink.y + ink.height);
  PangoLayoutIter* it = pango_layout_get_iter(layout);
  int index = 0;
  do {
    PangoRectangle line_ink, line_logical, own;
    pango_layout_iter_get_line_extents(it, &line_ink, &line_logical);
    pango_layout_line_get_extents(pango_layout_iter_get_line_readonly(it), nullptr, &own);
    const int baseline = pango_layout_iter_get_baseline(it);
    Line l;
    l.index = index++;
    l.x = FromPango(line_logical.x - own.x);
    l.top = FromPango(line_logical.y);
    l.ascent = FromPango(baseline - line_logical.y);
    l.height = FromPango(line_logical.height);
    l.ink_bottom = FromPango(line_ink.y + line_ink.height - baseline);
    b.lines.push_back(l);
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  return b;
}

// Centred text of several lines set symmetrically (7.3.1: 梯形 or 菱形) rather than as full lines
// and a short last one: laid out at the narrowest measure that keeps the number of lines, and
// centred in the full one (`s.width`) again.
Block Balanced(PangoContext* context, const std::string& text, Style s) {
  Block b = Lay(context, text, s);
  if (b.lines.size() < 2) return b;
  const double full = s.width;
  double fits = full, lo = full / static_cast<double>(b.lines.size());
  while (fits - lo > 1) {
    s.width = (lo + fits) / 2;
    if (Lay(context, text, s).lines.size() == b.lines.size()) {
      fits = s.width;
    } else {
      lo = s.width;
    }
  }
  s.width = fits;
  b = Lay(context, text, s);
  for (Line& l : b.lines) l.x += (full - fits) / 2;
  return b;
}

// The pages being filled: a cursor on the grid of rows of the last page.
class Flow {
 public:
  Flow() : pages_(1) {}

  int row() const { return row_; }
  void SetRow(int row) { row_ = row; }
  // Blank rows; past the end of a page they are simply lost (a page never starts blank).
  void Skip(int rows) { row_ += rows; }
  void NewPage() {
    pages_.emplace_back();
    row_ = 0;
  }
  bool AtTopOfPage() const { return row_ == 0; }

  // The lines of `b` one per row from the current row on, continuing on a new page when a page
  // is full: a paragraph is split between pages by lines.
  void Put(const Block& b, double x, Rgb color, Kind kind) {
    for (const Line& l : b.lines) {
      if (row_ >= kRows) NewPage();
      PutInRow(b, l, x, row_++, color, kind);
    }
  }

  // `b` whole in as few rows as its height needs, centred in them (a title larger than the body
  // type); on a new page if it does not fit.
  void PutTogether(const Block& b, double x, Rgb color, Kind kind) {
    const int rows = std::max(1, static_cast<int>(std::ceil(b.height / kPitch - 1e-6)));
    if (row_ + rows > kRows && !AtTopOfPage()) NewPage();
    const double top = kTop + row_ * kPitch + (rows * kPitch - b.height) / 2;
    for (const Line& l : b.lines) {
      pages_.back().lines.push_back(
          {b.layout, l.index, x + l.x, top + l.top + l.ascent, color, kind, row_});
    }
    row_ += rows;
  }

  // One line of `b` in row `row` of the current page, centred in it vertically.
  Placed& PutInRow(const Block& b, const Line& l, double x, int row, Rgb color, Kind kind) {
    const double baseline = kTop + row * kPitch + (kPitch - l.height) / 2 + l.ascent;
    return pages_.back().lines.emplace_back(
        Placed{b.layout, l.index, x + l.x, baseline, color, kind, row});
  }

  // A line anywhere on the current page (the header, above the grid's use).
  void PutAt(const Block& b, double x, double top, Rgb color) {
    for (const Line& l : b.lines) {
      pages_.back().lines.push_back(
          {b.layout, l.index, x + l.x, top + l.top + l.ascent, color, Kind::kHead, -1});
    }
  }

  void AddRule(const Rule& r) { pages_.back().rules.push_back(r); }

  // Moves the last line of the body to the top of a new page, so that what follows it (the
  // signature) does not stand alone on a page without any of the text it signs. False when the
  // current page does not end with a line of the body.
  bool CarryLastBodyLine() {
    std::vector<Placed>& lines = pages_.back().lines;
    if (lines.empty() || lines.back().kind != Kind::kBody || lines.back().row < 0) return false;
    Placed moved = std::move(lines.back());
    lines.pop_back();
    NewPage();
    moved.baseline -= moved.row * kPitch;
    moved.row = 0;
    pages_.back().lines.push_back(std::move(moved));
    row_ = 1;
    return true;
  }

  std::vector<Page>& pages() { return pages_; }

 private:
  std::vector<Page> pages_;
  int row_ = 0;
};

// The 版头 (the issuer's mark, the number, the red line) and the title on the first page, leaving
// the flow at the row where the recipients start.
void PutHead(PangoContext* context, const OfficialDocument& doc, Flow& flow) {
  // The issuer's mark: as large as 小初 and never wider than the type area.
  Style header{.size = kHeaderSize, .bold = true};
  const double natural = Lay(context, doc.issuer, header).width;
  if (natural > kTypeWidth) {
    header.size = std::max(kMinHeaderSize, kHeaderSize * kTypeWidth / natural * 0.995);
  }
  header.width = kTypeWidth;
  header.align = PANGO_ALIGN_CENTER;
  const Block mark = Balanced(context, doc.issuer, header);
  // "上边缘" is the top of the ink, not of Pango's taller logical box.
  const double mark_top = kTop + kHeaderDrop - mark.ink_top;
  flow.PutAt(mark, kLeft, mark_top, kRed);
  double below = mark_top + mark.ink_bottom;

  // The row a free element ends in counts as the first blank row below it when the element ends
  // in its upper half: rounding up instead would leave nearly three blank rows for the standard's
  // two whenever the element ends just below a row's top.
  auto row_at = [](double y) { return static_cast<int>(std::lround((y - kTop) / kPitch)); };
  if (!doc.number.empty()) {
    const Block number = Lay(context, doc.number,
                             {.size = kBodySize, .width = kTypeWidth, .align = PANGO_ALIGN_CENTER});
    flow.SetRow(row_at(below) + 2);
    for (const Line& l : number.lines) {
      const Placed& p = flow.PutInRow(number, l, kLeft, flow.row(), kBlack, Kind::kHead);
      below = p.baseline + l.ink_bottom;
      flow.Skip(1);
    }
  }
  const double red_line = below + kRedLineGap;
  flow.AddRule({kLeft, kRight, red_line, kRedLineWidth, kRed});

  flow.SetRow(row_at(red_line + kRedLineWidth / 2) + 2);
  const Block title = Balanced(
      context, doc.title,
      {.size = kTitleSize, .bold = true, .width = kTypeWidth, .align = PANGO_ALIGN_CENTER});
  flow.PutTogether(title, kLeft, kBlack, Kind::kHead);
  flow.Skip(1);
}

void PutBody(PangoContext* context, const OfficialDocument& doc, Flow& flow) {
  if (!doc.recipients.empty()) {
    // At the left margin, and so are the lines it wraps to.
    flow.Put(Lay(context, doc.recipients, {.size = kBodySize, .width = kTypeWidth}), kLeft, kBlack,
             Kind::kBody);
  }
  for (const std::string& paragraph : doc.paragraphs) {
    // Two characters in on the first line, justified so that the right edge is straight.
    flow.Put(
        Lay(context, paragraph,
            {.size = kBodySize, .width = kTypeWidth, .indent = 2 * kBodySize, .justify = true}),
        kLeft, kBlack, Kind::kBody);
  }
}

// 7.3.5: one blank line under the body, the date four characters from the right margin, the
// issuer's name centred over the date (moved left if it is longer, to stay two characters in).
void PutSignature(PangoContext* context, const OfficialDocument& doc, Flow& flow) {
  std::vector<std::pair<Block, double>> rows;  // a block and its x
  const Style plain{.size = kBodySize};
  if (!doc.date.empty()) {
    Block date = Lay(context, doc.date, plain);
    const double date_x = kRight - 4 * kBodySize - date.width;
    if (!doc.signer.empty()) {
      Block signer = Lay(context, doc.signer, plain);
      const double x =
          std::min(date_x + (date.width - signer.width) / 2, kRight - 2 * kBodySize - signer.width);
      rows.emplace_back(std::move(signer), x);
    }
    rows.emplace_back(std::move(date), date_x);
  } else if (!doc.signer.empty()) {
    Block signer = Lay(context, doc.signer, plain);
    const double x = kRight - 4 * kBodySize - signer.width;
    rows.emplace_back(std::move(signer), x);
  }
  if (rows.empty()) return;
  const int needed = 1 + static_cast<int>(rows.size());
  if (flow.row() + needed > kRows) {
    if (!flow.CarryLastBodyLine()) flow.NewPage();
  }
  if (!flow.AtTopOfPage()) flow.Skip(1);
  for (const auto& [block, x] : rows) {
    flow.PutInRow(block, block.lines.front(), x, flow.row(), kBlack, Kind::kSignature);
    flow.Skip(1);
  }
}

// 7.4: the 版记 at the foot of the last page, its last rule on the bottom edge of the type area:
// 抄送 (one character in from either side, wrapped lines aligned after the colon), then the
// printer at the left and the print date at the right, one character in.
absl::Status PutImprint(PangoContext* context, const OfficialDocument& doc, Flow& flow) {
  const double inner = kTypeWidth - 2 * kSmallSize;
  std::optional<Block> copy_to;
  if (!doc.copy_to.empty()) {
    const std::string label = "抄送：";
    std::string text = label + doc.copy_to;
    if (!text.ends_with("。")) text += "。";
    const double hang = Lay(context, label, {.size = kSmallSize}).width;
    copy_to = Lay(context, text, {.size = kSmallSize, .width = inner, .indent = -hang});
  }
  std::optional<Block> printer, printed;
  if (!doc.printer.empty()) printer = Lay(context, doc.printer, {.size = kSmallSize});
  if (!doc.print_date.empty()) {
    std::string text = doc.print_date;
    if (!text.ends_with("印发")) text += "印发";
    printed = Lay(context, text, {.size = kSmallSize});
  }
  const int copy_rows = copy_to ? static_cast<int>(copy_to->lines.size()) : 0;
  const int print_rows = (printer || printed) ? 1 : 0;
  const int rows = copy_rows + print_rows;
  if (rows == 0) return absl::OkStatus();
  if (rows >= kRows) return absl::InvalidArgumentError("copy_to: too long for the foot of a page");
  // Below the text with at least a blank row between, or alone at the foot of a new page.
  if (!flow.AtTopOfPage() && flow.row() + 1 > kRows - rows) flow.NewPage();

  const int first = kRows - rows;
  flow.AddRule({kLeft, kRight, kTop + first * kPitch, kThickRule, kBlack});
  int row = first;
  if (copy_to) {
    for (const Line& l : copy_to->lines) {
      flow.PutInRow(*copy_to, l, kLeft + kSmallSize, row++, kBlack, Kind::kImprint);
    }
    if (print_rows > 0) flow.AddRule({kLeft, kRight, kTop + row * kPitch, kThinRule, kBlack});
  }
  if (printer) {
    flow.PutInRow(*printer, printer->lines.front(), kLeft + kSmallSize, row, kBlack,
                  Kind::kImprint);
  }
  if (printed) {
    flow.PutInRow(*printed, printed->lines.front(), kRight - kSmallSize - printed->width, row,
                  kBlack, Kind::kImprint);
  }
  flow.AddRule({kLeft, kRight, kBottom, kThickRule, kBlack});
  flow.SetRow(kRows);
  return absl::OkStatus();
}

// 7.5: "— N —" in 4号 under the type area, one character in from the right on odd pages and from
// the left on even ones (the outer edge of a page printed on both sides).
void DrawPageNumber(cairo_t* cr, PangoContext* context, int number) {
  const Block b = Lay(context, "— " + std::to_string(number) + " —", {.size = kSmallSize});
  const Line& l = b.lines.front();
  const double x = number % 2 == 1 ? kRight - kSmallSize - b.width : kLeft + kSmallSize;
  // The dashes sit about the middle of the ink, which is placed 7 mm under the type area.
  const double middle = (b.ink_top + b.ink_bottom) / 2 - (l.top + l.ascent);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_move_to(cr, x + l.x, kBottom + kPageNumberDrop - middle);
  pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(b.layout.get(), l.index));
}

void DrawPage(cairo_t* cr, const Page& page) {
  for (const Rule& r : page.rules) {
    cairo_set_source_rgb(cr, r.color.r, r.color.g, r.color.b);
    cairo_set_line_width(cr, r.width);
    cairo_move_to(cr, r.x0, r.y);
    cairo_line_to(cr, r.x1, r.y);
    cairo_stroke(cr);
  }
  for (const Placed& p : page.lines) {
    cairo_set_source_rgb(cr, p.color.r, p.color.g, p.color.b);
    cairo_move_to(cr, p.x, p.baseline);
    pango_cairo_show_layout_line(cr, pango_layout_get_line_readonly(p.layout.get(), p.index));
  }
}

cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

absl::Status Check(const OfficialDocument& doc) {
  if (doc.issuer.empty()) return absl::InvalidArgumentError("issuer: required");
  if (doc.title.empty()) return absl::InvalidArgumentError("title: required");
  if (doc.paragraphs.empty()) return absl::InvalidArgumentError("paragraphs: required");
  // Pango would replace broken UTF-8 with boxes and warn on stderr; say which field it is.
  const std::pair<std::string_view, const std::string*> fields[] = {
      {"issuer", &doc.issuer},         {"number", &doc.number},   {"title", &doc.title},
      {"recipients", &doc.recipients}, {"signer", &doc.signer},   {"date", &doc.date},
      {"copy_to", &doc.copy_to},       {"printer", &doc.printer}, {"print_date", &doc.print_date}};
  for (const auto& [name, value] : fields) {
    if (!g_utf8_validate(value->data(), static_cast<gssize>(value->size()), nullptr)) {
      return absl::InvalidArgumentError(std::string(name) + ": not valid UTF-8");
    }
  }
  for (const std::string& p : doc.paragraphs) {
    if (!g_utf8_validate(p.data(), static_cast<gssize>(p.size()), nullptr)) {
      return absl::InvalidArgumentError("paragraphs: not valid UTF-8");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Render(const OfficialDocument& doc) {
  if (absl::Status s = Check(doc); !s.ok()) return s;

  std::string pdf;
  std::unique_ptr<cairo_surface_t, SurfaceDestroy> surface(
      cairo_pdf_surface_create_for_stream(&Append, &pdf, kPageWidth, kPageHeight));
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, doc.title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "Zhongshu");
#endif
  std::unique_ptr<cairo_t, CairoDestroy> cr(cairo_create(surface.get()));

  ContextPtr context(pango_cairo_create_context(cr.get()));
  // Points as user units, and glyphs where the font puts them: Pango rounds positions to whole
  // units by default, which would make 28 characters of 15.75 pt overflow the measure.
  pango_cairo_context_set_resolution(context.get(), 72);
  pango_context_set_round_glyph_positions(context.get(), FALSE);
  pango_context_set_language(context.get(), pango_language_from_string("zh-cn"));

  Flow flow;
  PutHead(context.get(), doc, flow);
  PutBody(context.get(), doc, flow);
  PutSignature(context.get(), doc, flow);
  if (absl::Status s = PutImprint(context.get(), doc, flow); !s.ok()) return s;

  int number = 0;
  for (const Page& page : flow.pages()) {
    DrawPage(cr.get(), page);
    DrawPageNumber(cr.get(), context.get(), ++number);
    cairo_show_page(cr.get());
  }
  flow.pages().clear();
  cr.reset();
  cairo_surface_finish(surface.get());
  if (cairo_status_t st = cairo_surface_status(surface.get()); st != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(std::string("PDF: ") + cairo_status_to_string(st));
  }
  return pdf;
}

}  // namespace zs::gateway::pdf
