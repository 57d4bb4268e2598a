#include "core/pdf.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <utility>

namespace rapport {
namespace {

// Page geometry and type, in points (1/72 inch).
constexpr int kPageWidth = 595;  // A4
constexpr int kPageHeight = 842;
constexpr int kMargin = 56;
constexpr int kTextWidth = kPageWidth - 2 * kMargin;
constexpr int kTop = kPageHeight - kMargin;
constexpr int kBottom = kMargin;
constexpr int kTitleSize = 18, kTitleLeading = 24;
constexpr int kHeadingSize = 14, kHeadingLeading = 19;
constexpr int kBodySize = 11, kBodyLeading = 15;
constexpr int kFooterSize = 9, kFooterBaseline = 30;
// Vertical space before a block; none at the top of a page.
constexpr int kBeforeHeading = 12;
constexpr int kAfterHeading = 4;              // before what follows a heading or the title
constexpr int kBetweenBlocks = kBodyLeading;  // the blank line between paragraphs
constexpr int kGapSpace = 8;                  // Gap()

// Advance widths in thousandths of the font size of the WinAnsiEncoding codes 32..255, from
// Adobe's Helvetica and Helvetica-Bold AFM files; codes WinAnsi leaves unused show a bullet.
constexpr std::array<std::uint16_t, 224> kHelveticaWidths = {
    278,  278,  355, 556, 556,  889,  667,  191,
    333,  333,  389, 584, 278,  333,  278,  278,  // 32-47
    556,  556,  556, 556, 556,  556,  556,  556,
    556,  556,  278, 278, 584,  584,  584,  556,  // 48-63
    1015, 667,  667, 722, 722,  667,  611,  778,
    722,  278,  500, 667, 556,  833,  722,  778,  // 64-79
    667,  778,  722, 667, 611,  722,  667,  944,
    667,  667,  611, 278, 278,  278,  469,  556,  // 80-95
    333,  556,  556, 500, 556,  556,  278,  556,
    556,  222,  222, 500, 222,  833,  556,  556,  // 96-111
    556,  556,  333, 500, 278,  556,  500,  722,
    500,  500,  500, 334, 260,  334,  584,  350,  // 112-127
    556,  350,  222, 556, 333,  1000, 556,  556,
    333,  1000, 667, 333, 1000, 350,  611,  350,  // 128-143
    350,  222,  222, 333, 333,  350,  556,  1000,
    333,  1000, 500, 333, 944,  350,  500,  667,  // 144-159
    278,  333,  556, 556, 556,  556,  260,  556,
    333,  737,  370, 556, 584,  333,  737,  333,  // 160-175
    400,  584,  333, 333, 333,  556,  537,  278,
    333,  333,  365, 556, 834,  834,  834,  611,  // 176-191
    667,  667,  667, 667, 667,  667,  1000, 722,
    667,  667,  667, 667, 278,  278,  278,  278,  // 192-207
    722,  722,  778, 778, 778,  778,  778,  584,
    778,  722,  722, 722, 722,  667,  667,  611,  // 208-223
    556,  556,  556, 556, 556,  556,  889,  500,
    556,  556,  556, 556, 278,  278,  278,  278,  // 224-239
    556,  556,  556, 556, 556,  556,  556,  584,
    611,  556,  556, 556, 556,  500,  556,  500,  // 240-255
};
constexpr std::array<std::uint16_t, 224> kHelveticaBoldWidths = {
    278, 333, 474, 556, 556, 889,  722,  238,  333, 333,  389, 584, 278,  333, 278, 278,  // 32-47
    556, 556, 556, 556, 556, 556,  556,  556,  556, 556,  333, 333, 584,  584, 584, 611,  // 48-63
    975, 722, 722, 722, 722, 667,  611,  778,  722, 278,  556, 722, 611,  833, 722, 778,  // 64-79
    667, 778, 722, 667, 611, 722,  667,  944,  667, 667,  611, 333, 278,  333, 584, 556,  // 80-95
    333, 556, 611, 556, 611, 556,  333,  611,  611, 278,  278, 556, 278,  889, 611, 611,  // 96-111
    611, 611, 389, 556, 333, 611,  556,  778,  556, 556,  500, 389, 280,  389, 584, 350,  // 112-127
    556, 350, 278, 556, 500, 1000, 556,  556,  333, 1000, 667, 333, 1000, 350, 611, 350,  // 128-143
    350, 278, 278, 500, 500, 350,  556,  1000, 333, 1000, 556, 333, 944,  350, 500, 667,  // 144-159
    278, 333, 556, 556, 556, 556,  280,  556,  333, 737,  370, 556, 584,  333, 737, 333,  // 160-175
    400, 584, 333, 333, 333, 611,  556,  278,  333, 333,  365, 556, 834,  834, 834, 611,  // 176-191
    722, 722, 722, 722, 722, 722,  1000, 722,  667, 667,  667, 667, 278,  278, 278, 278,  // 192-207
    722, 722, 778, 778, 778, 778,  778,  584,  778, 722,  722, 722, 722,  667, 667, 611,  // 208-223
    556, 556, 556, 556, 556, 556,  889,  556,  556, 556,  556, 556, 278,  278, 278, 278,  // 224-239
    611, 611, 611, 611, 611, 611,  611,  584,  611, 611,  611, 611, 611,  556, 611, 556,  // 240-255
};

// Windows-1252's characters at 0x80..0x9F, by code point; 0 where the code is unused.
constexpr std::array<char32_t, 32> kWinAnsiHigh = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,       // 0x88
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,  // 0x98
};

constexpr char32_t kReplacement = 0xFFFD;

// Calls emit(code point) for each character of `text`. A malformed sequence (its longest valid
// start, or one stray byte) gives one U+FFFD; overlong forms and surrogates are malformed.
template <typename Emit>
void DecodeUtf8(std::string_view text, Emit emit) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      emit(char32_t{b0});
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the next continuation byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    } else {
      emit(kReplacement);
      ++i;
      continue;
    }
    std::size_t k = 1;
    for (; k < len && i + k < text.size(); ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (b < lo || b > hi) break;
      cp = (cp << 6) | (b & 0x3F);
      lo = 0x80;
      hi = 0xBF;
    }
    emit(k == len ? cp : kReplacement);
    i += k;
  }
}

// Control and invisible formatting characters, which a document does not show.
bool IsInvisible(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

// `utf8` in WinAnsiEncoding bytes: '\n' kept (or a space unless `keep_newlines`), a tab a space,
// control characters dropped and characters WinAnsi lacks shown as '?'.
std::string ToWinAnsi(std::string_view utf8, bool keep_newlines) {
  std::string out;
  out.reserve(utf8.size());
  DecodeUtf8(utf8, [&](char32_t c) {
    if (c == '\n') {
      out += keep_newlines ? '\n' : ' ';
    } else if (c == '\t') {
      out += ' ';
    } else if (IsInvisible(c)) {
      return;
    } else if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) {
      out += static_cast<char>(c);
    } else {
      for (std::size_t k = 0; k < kWinAnsiHigh.size(); ++k) {
        if (kWinAnsiHigh[k] == c) {
          out += static_cast<char>(0x80 + k);
          return;
        }
      }
      out += '?';
    }
  });
  return out;
}

// `utf8` as a PDF text string: UTF-16BE with a byte order mark, written in hex.
std::string Utf16Hex(std::string_view utf8) {
  std::string out = "<FEFF";
  const auto unit = [&](char32_t u) {
    out += fmt::format("{:04X}", static_cast<std::uint32_t>(u));
  };
  DecodeUtf8(utf8, [&](char32_t c) {
    if (c == '\n' || c == '\t') c = ' ';
    if (IsInvisible(c)) return;
    if (c >= 0x10000) {
      c -= 0x10000;
      unit(0xD800 + (c >> 10));
      unit(0xDC00 + (c & 0x3FF));
    } else {
      unit(c);
    }
  });
  out += '>';
  return out;
}

// `winansi` as the body of a PDF literal string.
std::string Escape(std::string_view winansi) {
  std::string out;
  out.reserve(winansi.size());
  for (char c : winansi) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A coordinate: at most two decimals, no trailing zeros.
std::string Num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Width in thousandths of the font size.
long Units(std::string_view winansi, bool bold) {
  const auto& widths = bold ? kHelveticaBoldWidths : kHelveticaWidths;
  long units = 0;
  for (char c : winansi) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 32) units += widths[b - 32];
  }
  return units;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Text in one font.
struct Run {
  bool bold;
  std::string text;  // WinAnsi
};
using Runs = std::vector<Run>;

// Fills lines of the text width word by word; a word longer than a line is broken.
class Wrapper {
 public:
  explicit Wrapper(int size) : size_(size) {}

  // Words are separated by single spaces; runs of spaces count as one.
  void Add(std::string_view text, bool bold) {
    for (std::string_view word : Split(text, ' ')) {
      if (!word.empty()) AddWord(word, bold);
    }
  }

  // The lines; one empty line when nothing was added.
  std::vector<Runs> Finish() {
    if (!line_.empty() || lines_.empty()) Flush();
    return std::move(lines_);
  }

 private:
  bool Fits(long units) const { return units * size_ <= 1000L * kTextWidth; }

  void AddWord(std::string_view word, bool bold) {
    if (!line_.empty()) {
      const long with_word = units_ + Units(" ", bold) + Units(word, bold);
      if (Fits(with_word)) {
        Append(" ", bold);
        Append(word, bold);
        units_ = with_word;
        return;
      }
      Flush();
    }
    long units = Units(word, bold);
    while (!Fits(units)) {
      // The longest start that fits, at least one character, on a line of its own.
      std::size_t n = 1;
      long start = Units(word.substr(0, 1), bold);
      while (n < word.size() && Fits(start + Units(word.substr(n, 1), bold))) {
        start += Units(word.substr(n, 1), bold);
        ++n;
      }
      Append(word.substr(0, n), bold);
      Flush();
      word.remove_prefix(n);
      units -= start;
    }
    Append(word, bold);
    units_ = units;
  }

  void Append(std::string_view text, bool bold) {
    if (line_.empty() || line_.back().bold != bold) line_.push_back(Run{bold, ""});
    line_.back().text += text;
  }

  void Flush() {
    lines_.push_back(std::move(line_));
    line_.clear();
    units_ = 0;
  }

  int size_;
  Runs line_;
  long units_ = 0;
  std::vector<Runs> lines_;
};

// One line of the document, before it is given a page.
struct TextLine {
  Runs runs;  // none for a blank line
  int size;
  int leading;
  int space_before;  // dropped at the top of a page
  bool keep_with_next;
};

struct Placed {
  const TextLine* line;
  double baseline;
};
using Page = std::vector<Placed>;

// Turns the document's blocks into lines and the lines into pages.
class Layout {
 public:
  void Title(std::string_view utf8) {
    const std::string text = ToWinAnsi(utf8, /*keep_newlines=*/false);
    Wrapper wrapper(kTitleSize);
    wrapper.Add(text, /*bold=*/true);
    if (text.find_first_not_of(' ') != std::string::npos) {
      Add(Kind::kTitle, wrapper.Finish(), kTitleSize, kTitleLeading, /*keep_with_next=*/true);
    }
  }

  void Heading(std::string_view utf8) {
    const std::string text = ToWinAnsi(utf8, /*keep_newlines=*/false);
    if (text.find_first_not_of(' ') == std::string::npos) return;
    Wrapper wrapper(kHeadingSize);
    wrapper.Add(text, /*bold=*/true);
    Add(Kind::kHeading, wrapper.Finish(), kHeadingSize, kHeadingLeading, /*keep_with_next=*/true);
  }

  void Paragraph(std::string_view utf8) {
    const std::string text = ToWinAnsi(utf8, /*keep_newlines=*/true);
    if (text.find_first_not_of(" \n") == std::string::npos) return;
    std::vector<Runs> lines;
    for (std::string_view hard_line : Split(text, '\n')) {
      Wrapper wrapper(kBodySize);
      wrapper.Add(hard_line, /*bold=*/false);
      for (Runs& line : wrapper.Finish()) lines.push_back(std::move(line));
    }
    Add(Kind::kParagraph, std::move(lines), kBodySize, kBodyLeading, /*keep_with_next=*/false);
  }

  void Line(std::string_view label_utf8, std::string_view value_utf8) {
    std::string label = ToWinAnsi(label_utf8, /*keep_newlines=*/false);
    const std::string value = ToWinAnsi(value_utf8, /*keep_newlines=*/true);
    const std::size_t label_end = label.find_last_not_of(' ');
    label.erase(label_end == std::string::npos ? 0 : label_end + 1);
    if (!label.empty() && label.back() != ':') label += ':';
    if (label.empty() && value.find_first_not_of(" \n") == std::string::npos) return;
    std::vector<Runs> lines;
    bool first = true;
    for (std::string_view hard_line : Split(value, '\n')) {
      Wrapper wrapper(kBodySize);
      if (first) wrapper.Add(label, /*bold=*/true);
      wrapper.Add(hard_line, /*bold=*/false);
      for (Runs& line : wrapper.Finish()) lines.push_back(std::move(line));
      first = false;
    }
    Add(Kind::kLine, std::move(lines), kBodySize, kBodyLeading, /*keep_with_next=*/false);
  }

  void Gap() { pending_gap_ += kGapSpace; }

  // Fills pages top to bottom. A line that keeps with the next (a heading's) goes to a new page
  // unless it and the lines it keeps with fit on this one.
  std::vector<Page> Paginate() const {
    std::vector<Page> pages(1);
    int cursor = kTop;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const TextLine& line = lines_[i];
      bool fresh = pages.back().empty();
      if (fresh && line.runs.empty()) continue;  // no blank line at the top of a page
      int need = (fresh ? 0 : line.space_before) + line.leading;
      for (std::size_t j = i; lines_[j].keep_with_next && j + 1 < lines_.size(); ++j) {
        need += lines_[j + 1].space_before + lines_[j + 1].leading;
      }
      if (!fresh && cursor - need < kBottom) {
        pages.emplace_back();
        cursor = kTop;
        fresh = true;
        if (line.runs.empty()) continue;
      }
      if (!fresh) cursor -= line.space_before;
      cursor -= line.leading;
      // The line's box is [cursor, cursor + leading]; the baseline sits a little above its foot.
      const double baseline = cursor + (line.leading - line.size) / 2.0 + 0.2 * line.size;
      pages.back().push_back(Placed{&line, baseline});
    }
    return pages;
  }

 private:
  enum class Kind { kNone, kTitle, kHeading, kParagraph, kLine };

  int SpaceBefore(Kind kind) const {
    switch (last_) {
      case Kind::kNone: return 0;
      case Kind::kTitle:
      case Kind::kHeading: return kind == Kind::kHeading ? kBeforeHeading : kAfterHeading;
      case Kind::kParagraph: return kind == Kind::kHeading ? kBeforeHeading : kBetweenBlocks;
      case Kind::kLine:
        return kind == Kind::kHeading ? kBeforeHeading : kind == Kind::kLine ? 0 : kBetweenBlocks;
    }
    return 0;
  }

  void Add(Kind kind, std::vector<Runs> lines, int size, int leading, bool keep_with_next) {
    int space_before = SpaceBefore(kind) + pending_gap_;
    for (Runs& runs : lines) {
      lines_.push_back(TextLine{std::move(runs), size, leading, space_before, keep_with_next});
      space_before = 0;
    }
    last_ = kind;
    pending_gap_ = 0;
  }

  std::vector<TextLine> lines_;
  Kind last_ = Kind::kNone;
  int pending_gap_ = 0;
};

// Shows `runs` from (x, baseline) in one text object.
std::string ShowText(const Runs& runs, int size, double x, double baseline) {
  std::string out = "BT\n";
  bool first = true;
  for (const Run& run : runs) {
    out += fmt::format("/{} {} Tf\n", run.bold ? "F2" : "F1", size);
    if (first) out += fmt::format("{} {} Td\n", Num(x), Num(baseline));
    first = false;
    out += fmt::format("({}) Tj\n", Escape(run.text));
  }
  out += "ET\n";
  return out;
}

std::string PageContent(const Page& page, std::size_t number, std::size_t count) {
  std::string out;
  for (const Placed& placed : page) {
    if (placed.line->runs.empty()) continue;
    out += ShowText(placed.line->runs, placed.line->size, kMargin, placed.baseline);
  }
  const std::string footer = fmt::format("Page {} of {}", number, count);
  const double x = (kPageWidth - PdfTextWidth(footer, false, kFooterSize)) / 2;
  out += ShowText({Run{false, footer}}, kFooterSize, x, kFooterBaseline);
  return out;
}

std::string FontObject(std::string_view base_font) {
  return fmt::format("<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                     base_font);
}

}  // namespace

double PdfTextWidth(std::string_view winansi, bool bold, double size) {
  return static_cast<double>(Units(winansi, bold)) * size / 1000.0;
}

PdfDocument::PdfDocument(std::string title) : title_(std::move(title)) {}

void PdfDocument::Heading(std::string_view text) {
  blocks_.push_back(Block{Kind::kHeading, std::string(text), {}});
}

void PdfDocument::Paragraph(std::string_view text) {
  blocks_.push_back(Block{Kind::kParagraph, std::string(text), {}});
}

void PdfDocument::Line(std::string_view label, std::string_view value) {
  blocks_.push_back(Block{Kind::kLine, std::string(label), std::string(value)});
}

void PdfDocument::Gap() {
  blocks_.push_back(Block{Kind::kGap, {}, {}});
}

std::string PdfDocument::Render() const {
  Layout layout;
  layout.Title(title_);
  for (const Block& block : blocks_) {
    switch (block.kind) {
      case Kind::kHeading: layout.Heading(block.text); break;
      case Kind::kParagraph: layout.Paragraph(block.text); break;
      case Kind::kLine: layout.Line(block.text, block.value); break;
      case Kind::kGap: layout.Gap(); break;
    }
  }
  const std::vector<Page> pages = layout.Paginate();

  // Objects 1-5, then each page followed by its content stream.
  constexpr int kFirstPage = 6;
  std::vector<std::string> objects;
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (std::size_t p = 0; p < pages.size(); ++p) {
    kids += fmt::format("{}{} 0 R", p == 0 ? "" : " ", kFirstPage + 2 * p);
  }
  objects.push_back(fmt::format("<< /Type /Pages /Kids [{}] /Count {} >>", kids, pages.size()));
  objects.push_back(FontObject("Helvetica"));
  objects.push_back(FontObject("Helvetica-Bold"));
  objects.push_back(fmt::format("<< /Title {} /Producer (Rapport) >>", Utf16Hex(title_)));
  for (std::size_t p = 0; p < pages.size(); ++p) {
    objects.push_back(fmt::format(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R "
        "/F2 4 0 R >> >> /Contents {} 0 R >>",
        kPageWidth, kPageHeight, kFirstPage + 2 * p + 1));
    const std::string content = PageContent(pages[p], p + 1, pages.size());
    objects.push_back(
        fmt::format("<< /Length {} >>\nstream\n{}\nendstream", content.size(), content));
  }

  // A binary comment on the second line tells transfer programs the file is binary.
  std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t k = 0; k < objects.size(); ++k) {
    offsets.push_back(out.size());
    out += fmt::format("{} 0 obj\n{}\nendobj\n", k + 1, objects[k]);
  }
  const std::size_t xref = out.size();
  out += fmt::format("xref\n0 {}\n0000000000 65535 f\r\n", objects.size() + 1);
  for (std::size_t offset : offsets) out += fmt::format("{:010} 00000 n\r\n", offset);
  out += fmt::format("trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{}\n%%EOF\n",
                     objects.size() + 1, xref);
  return out;
}

}  // namespace rapport
