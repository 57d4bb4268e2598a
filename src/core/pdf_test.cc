#include "core/pdf.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The text area of an A4 page with 56 pt margins.
constexpr double kLeft = 56;
constexpr double kRight = 595 - 56;
constexpr double kBottom = 56;
constexpr double kTop = 842 - 56;

// ---- Reading the rendered bytes back, as a PDF reader would -----------------------------------

std::size_t StartXref(const std::string& pdf) {
  const std::size_t at = pdf.rfind("startxref\n");
  if (at == std::string::npos) return std::string::npos;
  return std::stoul(pdf.substr(at + 10));
}

// The cross-reference table's entries (index = object number), or nothing when it is not where
// startxref says or is malformed.
struct XrefEntry {
  std::size_t offset;
  char type;  // 'n' in use, 'f' free
};
std::optional<std::vector<XrefEntry>> ReadXref(const std::string& pdf) {
  std::size_t at = StartXref(pdf);
  if (at == std::string::npos || pdf.compare(at, 5, "xref\n") != 0) return std::nullopt;
  at += 5;
  const std::size_t eol = pdf.find('\n', at);
  int first = -1, count = -1;
  if (std::sscanf(pdf.substr(at, eol - at).c_str(), "%d %d", &first, &count) != 2 || first != 0) {
    return std::nullopt;
  }
  at = eol + 1;
  std::vector<XrefEntry> entries;
  for (int i = 0; i < count; ++i, at += 20) {
    const std::string entry = pdf.substr(at, 20);  // every entry is exactly 20 bytes
    if (entry.size() != 20 || entry[10] != ' ' || entry[16] != ' ' || entry[19] != '\n') {
      return std::nullopt;
    }
    entries.push_back(XrefEntry{std::stoul(entry.substr(0, 10)), entry[17]});
  }
  if (pdf.compare(at, 7, "trailer") != 0) return std::nullopt;
  return entries;
}

std::string Trailer(const std::string& pdf) {
  const std::size_t at = pdf.rfind("trailer\n");
  return pdf.substr(at, pdf.find(">>", at) + 2 - at);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// The number after `key` (and a space) in `text`, or -1.
int IntAfter(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key + " ");
  if (at == std::string::npos || !IsDigit(text[at + key.size() + 1])) return -1;
  return std::stoi(text.substr(at + key.size() + 1));
}

// An object's dictionary (up to its stream, if any), found through the cross-reference table.
std::string Dict(const std::string& pdf, int number) {
  const auto xref = ReadXref(pdf);
  if (!xref || number <= 0 || static_cast<std::size_t>(number) >= xref->size()) return "";
  const std::string header = fmt::format("{} 0 obj\n", number);
  const std::size_t at = (*xref)[number].offset;
  if (pdf.compare(at, header.size(), header) != 0) return "";
  const std::size_t start = at + header.size();
  const std::size_t end = std::min(pdf.find("stream\n", start), pdf.find("endobj", start));
  return pdf.substr(start, end - start);
}

// An object's stream bytes, by its /Length.
std::string Stream(const std::string& pdf, int number) {
  const std::string dict = Dict(pdf, number);
  const int length = IntAfter(dict, "/Length");
  if (dict.empty() || length < 0) return "";
  const std::size_t data = pdf.find("stream\n", (*ReadXref(pdf))[number].offset) + 7;
  return pdf.substr(data, static_cast<std::size_t>(length));
}

// The object numbers of the references "N 0 R" in `text`, in order.
std::vector<int> Refs(const std::string& text) {
  std::vector<int> refs;
  for (std::size_t at = text.find(" 0 R"); at != std::string::npos;
       at = text.find(" 0 R", at + 1)) {
    std::size_t start = at;
    while (start > 0 && IsDigit(text[start - 1])) --start;
    if (start < at) refs.push_back(std::stoi(text.substr(start, at - start)));
  }
  return refs;
}

// The page objects in order: Root -> Pages -> Kids.
std::vector<int> PageNumbers(const std::string& pdf) {
  const std::string catalog = Dict(pdf, IntAfter(Trailer(pdf), "/Root"));
  const std::string pages = Dict(pdf, IntAfter(catalog, "/Pages"));
  const std::size_t kids = pages.find("/Kids [");
  return Refs(pages.substr(kids, pages.find(']', kids) - kids));
}

std::vector<std::string> PageContents(const std::string& pdf) {
  std::vector<std::string> contents;
  for (int page : PageNumbers(pdf))
    contents.push_back(Stream(pdf, IntAfter(Dict(pdf, page), "/Contents")));
  return contents;
}

// Whether each font resource name of a page is Helvetica-Bold (else Helvetica).
std::map<std::string, bool> FontsOf(const std::string& pdf, int page) {
  std::map<std::string, bool> bold;
  const std::string dict = Dict(pdf, page);
  const std::size_t fonts = dict.find("/Font <<");
  if (fonts == std::string::npos) return bold;
  std::size_t at = fonts + 8;
  const std::size_t end = dict.find(">>", at);
  while ((at = dict.find('/', at)) < end) {  // "/F1 3 0 R"
    const std::size_t space = dict.find(' ', at);
    const std::string name = dict.substr(at + 1, space - at - 1);
    bold[name] = Dict(pdf, std::stoi(dict.substr(space + 1))).find("/BaseFont /Helvetica-Bold") !=
                 std::string::npos;
    at = space;
  }
  return bold;
}

// One text object (BT .. ET) of a content stream: where it starts and what it shows.
struct Shown {
  struct Run {
    bool bold;
    double size;
    std::string text;  // WinAnsi bytes, unescaped
  };
  double x = 0, y = 0;
  std::vector<Run> runs;

  std::string Text() const {
    std::string text;
    for (const Run& run : runs) text += run.text;
    return text;
  }
  double Width() const {
    double width = 0;
    for (const Run& run : runs) width += PdfTextWidth(run.text, run.bold, run.size);
    return width;
  }
};

// Reads a literal string starting at content[i] == '('; leaves i after it.
std::string ReadString(const std::string& content, std::size_t& i) {
  std::string out;
  int depth = 0;
  for (++i; i < content.size(); ++i) {
    const char c = content[i];
    if (c == '\\') {
      const char e = content[++i];
      if (e >= '0' && e <= '7') {
        int value = 0;
        for (int k = 0; k < 3 && content[i] >= '0' && content[i] <= '7'; ++k, ++i) {
          value = value * 8 + (content[i] - '0');
        }
        --i;
        out += static_cast<char>(value);
      } else {
        out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
      }
    } else if (c == '(') {
      ++depth;
      out += c;
    } else if (c == ')') {
      if (depth-- == 0) break;
      out += c;
    } else {
      out += c;
    }
  }
  ++i;
  return out;
}

std::vector<Shown> ShownText(const std::string& content, const std::map<std::string, bool>& fonts) {
  std::vector<Shown> shown;
  std::vector<std::string> operands;
  Shown current;
  bool bold = false;
  double size = 0;
  std::size_t i = 0;
  while (i < content.size()) {
    const char c = content[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      operands.push_back(ReadString(content, i));
    } else {
      const std::size_t end = content.find_first_of(" \n\r\t(", i);
      const std::string token = content.substr(i, end - i);
      i = end;
      if (token == "BT") {
        current = Shown{};
      } else if (token == "ET") {
        shown.push_back(current);
      } else if (token == "Tf") {
        bold = fonts.at(operands.at(operands.size() - 2).substr(1));
        size = std::stod(operands.back());
      } else if (token == "Td") {
        current.x = std::stod(operands.at(operands.size() - 2));
        current.y = std::stod(operands.back());
      } else if (token == "Tj") {
        current.runs.push_back(Shown::Run{bold, size, operands.back()});
      } else {
        operands.push_back(token);
        continue;
      }
      operands.clear();
    }
  }
  return shown;
}

// Every text object of every page, page by page.
std::vector<std::vector<Shown>> ShownPages(const std::string& pdf) {
  std::vector<std::vector<Shown>> pages;
  for (int page : PageNumbers(pdf)) {
    pages.push_back(
        ShownText(Stream(pdf, IntAfter(Dict(pdf, page), "/Contents")), FontsOf(pdf, page)));
  }
  return pages;
}

// The body's lines (not the page footers), in order across pages.
std::vector<Shown> BodyLines(const std::string& pdf) {
  std::vector<Shown> lines;
  for (const auto& page : ShownPages(pdf)) {
    for (const Shown& shown : page) {
      if (shown.y >= kBottom) lines.push_back(shown);
    }
  }
  return lines;
}

std::string Join(const std::vector<Shown>& lines, std::string_view separator) {
  std::string out;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (k > 0) out += separator;
    out += lines[k].Text();
  }
  return out;
}

// The index of the page that shows `text` as one of its lines, or -1.
int PageShowing(const std::string& pdf, std::string_view text) {
  const auto pages = ShownPages(pdf);
  for (std::size_t p = 0; p < pages.size(); ++p) {
    for (const Shown& shown : pages[p]) {
      if (shown.Text() == text) return static_cast<int>(p);
    }
  }
  return -1;
}

std::string SampleRecord() {
  PdfDocument doc("Therapy record: Alex Example");
  doc.Heading("Details");
  doc.Line("Name", "Alex Example");
  doc.Line("Date of birth", "1 May 1990");
  doc.Gap();
  doc.Heading("Session notes");
  for (int k = 0; k < 40; ++k) {
    doc.Paragraph(
        fmt::format("Session {}: we talked about the week (sleep, work) and agreed on a "
                    "small step for next time. Mood 6/10 \\ anxiety lower.",
                    k + 1));
  }
  return doc.Render();
}

// A paragraph of words of very different widths, many lines long.
std::string MixedWords(int words) {
  const char* const kWords[] = {"WWWWWW",   "illicit", "mmm", "a",    "Wolf",       "iiiiiiii",
                                "MOMENTUM", "is",      "—",   "ffff", "well-being", "(ok)"};
  std::string text;
  for (int k = 0; k < words; ++k) {
    if (k > 0) text += ' ';
    text += kWords[(k * 7) % 12];
  }
  return text;
}

// ---- File structure -----------------------------------------------------------------------------

TEST(PdfDocument, StartsWithAVersionAndBinaryCommentAndEndsWithEof) {
  const std::string pdf = SampleRecord();
  EXPECT_THAT(pdf, StartsWith("%PDF-1.4\n%"));
  const std::string comment = pdf.substr(10, pdf.find('\n', 10) - 10);
  ASSERT_GE(comment.size(), 4u);
  for (char c : comment) EXPECT_GE(static_cast<unsigned char>(c), 128) << "binary comment";
  EXPECT_TRUE(pdf.ends_with("\n%%EOF\n"));
}

TEST(PdfDocument, CrossReferenceOffsetsPointExactlyAtEachObject) {
  const std::string pdf = SampleRecord();
  const auto xref = ReadXref(pdf);
  ASSERT_TRUE(xref.has_value());
  ASSERT_GT(xref->size(), 7u);
  EXPECT_EQ((*xref)[0].type, 'f');
  EXPECT_EQ((*xref)[0].offset, 0u);
  for (std::size_t n = 1; n < xref->size(); ++n) {
    EXPECT_EQ((*xref)[n].type, 'n');
    const std::string header = fmt::format("{} 0 obj\n", n);
    EXPECT_EQ(pdf.substr((*xref)[n].offset, header.size()), header) << "object " << n;
  }
  // Every object in the file is in the table.
  std::size_t objects = 0;
  for (std::size_t at = pdf.find(" 0 obj\n"); at != std::string::npos;
       at = pdf.find(" 0 obj\n", at + 1)) {
    std::size_t start = at;
    while (start > 0 && IsDigit(pdf[start - 1])) --start;
    if (start < at && pdf[start - 1] == '\n') ++objects;
  }
  EXPECT_EQ(objects, xref->size() - 1);
}

TEST(PdfDocument, StartxrefPointsAtTheCrossReferenceTable) {
  const std::string pdf = SampleRecord();
  const std::size_t at = StartXref(pdf);
  ASSERT_LT(at, pdf.size());
  EXPECT_EQ(pdf.substr(at, 5), "xref\n");
  EXPECT_EQ(at, pdf.rfind("xref\n0 "));
}

TEST(PdfDocument, TrailerNamesSizeRootAndInfo) {
  const std::string pdf = SampleRecord();
  const auto xref = ReadXref(pdf);
  ASSERT_TRUE(xref.has_value());
  const std::string trailer = Trailer(pdf);
  EXPECT_EQ(IntAfter(trailer, "/Size"), static_cast<int>(xref->size()));
  EXPECT_THAT(Dict(pdf, IntAfter(trailer, "/Root")), HasSubstr("/Type /Catalog"));
  EXPECT_THAT(Dict(pdf, IntAfter(trailer, "/Info")), HasSubstr("/Title <FEFF"));
}

TEST(PdfDocument, EachStreamLengthIsTheBytesBetweenStreamAndEndstream) {
  const std::string pdf = SampleRecord();
  int streams = 0;
  for (std::size_t at = pdf.find("stream\n"); at != std::string::npos;
       at = pdf.find("stream\n", at + 1)) {
    if (at >= 3 && pdf.compare(at - 3, 3, "end") == 0) continue;
    const std::size_t dict = pdf.rfind("<<", at);
    const int length = IntAfter(pdf.substr(dict, at - dict), "/Length");
    const std::size_t data = at + 7;
    const std::size_t end = pdf.find("\nendstream", data);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(static_cast<std::size_t>(length), end - data);
    at = end;
    ++streams;
  }
  EXPECT_EQ(streams, static_cast<int>(PageNumbers(pdf).size()));
}

TEST(PdfDocument, UsesTheStandardHelveticaFontsInWinAnsiOnA4Pages) {
  const std::string pdf = SampleRecord();
  const std::vector<int> pages = PageNumbers(pdf);
  ASSERT_FALSE(pages.empty());
  for (int page : pages) {
    EXPECT_THAT(Dict(pdf, page), HasSubstr("/MediaBox [0 0 595 842]"));
    std::vector<bool> bold;
    for (const auto& [name, is_bold] : FontsOf(pdf, page)) bold.push_back(is_bold);
    EXPECT_THAT(bold, ElementsAre(false, true));
  }
  EXPECT_THAT(pdf, HasSubstr("/BaseFont /Helvetica /Encoding /WinAnsiEncoding"));
  EXPECT_THAT(pdf, HasSubstr("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"));
  EXPECT_THAT(pdf, Not(HasSubstr("/FontFile")));
  EXPECT_THAT(pdf, Not(HasSubstr("/Filter")));
}

TEST(PdfDocument, RendersTheSameBytesEveryTime) {
  PdfDocument doc("Record");
  doc.Paragraph("Same text.");
  EXPECT_EQ(doc.Render(), doc.Render());
  EXPECT_EQ(SampleRecord(), SampleRecord());
  EXPECT_THAT(SampleRecord(), Not(HasSubstr("/CreationDate")));
}

TEST(PdfDocument, AnEmptyDocumentIsOneNumberedPage) {
  const std::string pdf = PdfDocument("").Render();
  ASSERT_EQ(PageNumbers(pdf).size(), 1u);
  EXPECT_EQ(Join(ShownPages(pdf)[0], "|"), "Page 1 of 1");
}

// ---- Text ---------------------------------------------------------------------------------------

TEST(PdfTextWidth, UsesHelveticaAndHelveticaBoldGlyphWidths) {
  EXPECT_DOUBLE_EQ(PdfTextWidth(" ", false, 1000), 278);
  EXPECT_DOUBLE_EQ(PdfTextWidth("a", false, 1000), 556);
  EXPECT_DOUBLE_EQ(PdfTextWidth("W", false, 1000), 944);
  EXPECT_DOUBLE_EQ(PdfTextWidth("i", false, 1000), 222);
  EXPECT_DOUBLE_EQ(PdfTextWidth("i", true, 1000), 278);
  EXPECT_DOUBLE_EQ(PdfTextWidth("b", true, 1000), 611);
  EXPECT_DOUBLE_EQ(PdfTextWidth("@", false, 1000), 1015);
  EXPECT_DOUBLE_EQ(PdfTextWidth("\x97", false, 1000), 1000);  // em dash
  EXPECT_DOUBLE_EQ(PdfTextWidth("\x92", true, 1000), 278);    // right single quote
  EXPECT_DOUBLE_EQ(PdfTextWidth("\xFC", false, 1000), 556);   // u umlaut
  EXPECT_DOUBLE_EQ(PdfTextWidth("\xFF", true, 1000), 556);    // y umlaut
  EXPECT_DOUBLE_EQ(PdfTextWidth("Wai", false, 11), (944 + 556 + 222) * 11 / 1000.0);
}

TEST(PdfDocument, WrapsLongTextWithinTheTextWidth) {
  PdfDocument doc(
      "A title long enough to need a second line when it is set in eighteen point bold");
  doc.Heading(MixedWords(30));
  doc.Paragraph(MixedWords(400));
  doc.Line("A rather long label", MixedWords(60));
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_GT(lines.size(), 20u);
  for (const Shown& line : lines) {
    EXPECT_GE(line.x, kLeft);
    EXPECT_LE(line.x + line.Width(), kRight + 1e-9) << line.Text();
  }
}

TEST(PdfDocument, FillsEachWrappedLineAsFarAsTheNextWordAllows) {
  PdfDocument doc("");
  doc.Paragraph(MixedWords(400));
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_GT(lines.size(), 10u);
  for (std::size_t k = 0; k + 1 < lines.size(); ++k) {
    const std::string next = lines[k + 1].Text();
    const std::string next_word = next.substr(0, next.find(' '));
    EXPECT_GT(lines[k].Width() + PdfTextWidth(" " + next_word, false, 11), kRight - kLeft)
        << lines[k].Text();
  }
}

TEST(PdfDocument, WrappingAndPageBreaksKeepEveryWordInOrder) {
  PdfDocument doc("");
  const std::string text = MixedWords(3000);  // several pages
  doc.Paragraph(text);
  const std::string pdf = doc.Render();
  ASSERT_GT(PageNumbers(pdf).size(), 2u);
  std::string expected = text;
  for (std::size_t at; (at = expected.find("\u2014")) != std::string::npos;) {
    expected.replace(at, 3, "\x97");
  }
  EXPECT_EQ(Join(BodyLines(pdf), " "), expected);
}

TEST(PdfDocument, BreaksAWordLongerThanALine) {
  PdfDocument doc("");
  const std::string word(400, 'x');
  doc.Paragraph("short " + word + " end");
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines.front().Text(), "short");
  EXPECT_EQ(lines.back().Text().substr(lines.back().Text().size() - 4), " end");
  std::string joined;
  for (std::size_t k = 1; k < lines.size(); ++k) {
    EXPECT_LE(lines[k].x + lines[k].Width(), kRight + 1e-9);
    joined += lines[k].Text();
  }
  EXPECT_EQ(joined, word + " end");
  // The broken pieces fill their lines: one more letter would not fit.
  EXPECT_GT(lines[1].Width() + PdfTextWidth("x", false, 11), kRight - kLeft);
}

TEST(PdfDocument, KeepsTextInsideTheMargins) {
  const std::string pdf = SampleRecord();
  const auto pages = ShownPages(pdf);
  ASSERT_GT(pages.size(), 1u);
  for (const auto& page : pages) {
    for (const Shown& shown : page) {
      if (shown.Text().starts_with("Page ")) continue;  // the footer, in the bottom margin
      const double size = shown.runs.front().size;
      EXPECT_GE(shown.y - 0.207 * size, kBottom) << shown.Text();  // Helvetica's descender
      EXPECT_LE(shown.y + 0.718 * size, kTop) << shown.Text();     // and its ascender
    }
  }
}

TEST(PdfDocument, ParagraphNewlinesStartNewLinesAndParagraphsAreBlankLineSeparated) {
  PdfDocument doc("");
  doc.Paragraph("first\nsecond\n\nfourth");
  doc.Paragraph("next paragraph");
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].Text(), "first");
  EXPECT_EQ(lines[1].Text(), "second");
  EXPECT_EQ(lines[2].Text(), "fourth");
  EXPECT_EQ(lines[3].Text(), "next paragraph");
  const double leading = lines[0].y - lines[1].y;
  EXPECT_DOUBLE_EQ(leading, 15);
  EXPECT_DOUBLE_EQ(lines[1].y - lines[2].y, 2 * leading);  // the empty line
  EXPECT_DOUBLE_EQ(lines[2].y - lines[3].y, 2 * leading);  // the blank line between paragraphs
}

TEST(PdfDocument, ShowsTitleHeadingsAndBodyInTheirSizesAndWeights) {
  PdfDocument doc("Record");
  doc.Heading("Goals");
  doc.Paragraph("Sleep better.");
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].Text(), "Record");
  EXPECT_EQ(lines[0].runs[0].size, 18);
  EXPECT_TRUE(lines[0].runs[0].bold);
  EXPECT_EQ(lines[1].Text(), "Goals");
  EXPECT_EQ(lines[1].runs[0].size, 14);
  EXPECT_TRUE(lines[1].runs[0].bold);
  EXPECT_EQ(lines[2].Text(), "Sleep better.");
  EXPECT_EQ(lines[2].runs[0].size, 11);
  EXPECT_FALSE(lines[2].runs[0].bold);
}

TEST(PdfDocument, LineShowsTheLabelInBoldThenTheValue) {
  PdfDocument doc("");
  doc.Line("Date of birth", "1 May 1990");
  doc.Line("Therapist:", "Dr Sam Lee\nRoom 4");
  const std::vector<Shown> lines = BodyLines(doc.Render());
  ASSERT_EQ(lines.size(), 3u);
  ASSERT_EQ(lines[0].runs.size(), 2u);
  EXPECT_TRUE(lines[0].runs[0].bold);
  EXPECT_EQ(lines[0].runs[0].text, "Date of birth:");
  EXPECT_FALSE(lines[0].runs[1].bold);
  EXPECT_EQ(lines[0].runs[1].text, " 1 May 1990");
  EXPECT_EQ(lines[1].Text(), "Therapist: Dr Sam Lee");
  EXPECT_EQ(lines[2].Text(), "Room 4");
  EXPECT_DOUBLE_EQ(lines[0].y - lines[1].y, 15);  // consecutive lines, no blank between
}

TEST(PdfDocument, GapAddsVerticalSpace) {
  PdfDocument plain("");
  plain.Line("A", "1");
  plain.Line("B", "2");
  PdfDocument gapped("");
  gapped.Line("A", "1");
  gapped.Gap();
  gapped.Line("B", "2");
  const auto without = BodyLines(plain.Render());
  const auto with = BodyLines(gapped.Render());
  ASSERT_EQ(without.size(), 2u);
  ASSERT_EQ(with.size(), 2u);
  EXPECT_GT(with[0].y - with[1].y, without[0].y - without[1].y);
}

TEST(PdfDocument, MapsUtf8ToWinAnsiAndOtherCharactersToQuestionMarks) {
  PdfDocument doc("");
  doc.Paragraph(
      "\u201CQuoted\u201D \u2014 it\u2019s \u20AC5\u2026 \u2018ok\u2019 \u2013 "
      "\u4E2D \U0001F600 Gr\u00FC\u00DFe \xFF!");
  const std::string pdf = doc.Render();
  const std::string expected =
      "\x93Quoted\x94 \x97 it\x92s \x80"
      "5\x85 \x91ok\x92 \x96 ? ? Gr\xFC\xDF"
      "e ?!";
  EXPECT_EQ(Join(BodyLines(pdf), "|"), expected);
  EXPECT_THAT(PageContents(pdf)[0], HasSubstr("(" + expected + ") Tj"));
}

TEST(PdfDocument, EscapesParenthesesAndBackslashesAndDropsControlCharacters) {
  PdfDocument doc("");
  doc.Paragraph("a (note) :) back\\slash\x01\x7F\u0085 ok\u200B\ttab");
  const std::string pdf = doc.Render();
  EXPECT_THAT(PageContents(pdf)[0], HasSubstr(R"((a \(note\) :\) back\\slash ok tab) Tj)"));
  EXPECT_EQ(Join(BodyLines(pdf), "|"), "a (note) :) back\\slash ok tab");
}

TEST(PdfDocument, TitleIsTheInfoTitleInUtf16AndShownOnTheFirstPage) {
  const std::string pdf = PdfDocument("Caf\u00E9 \u4E2D (A)").Render();
  const std::string info = Dict(pdf, IntAfter(Trailer(pdf), "/Info"));
  EXPECT_THAT(info, HasSubstr("/Title <FEFF004300610066"
                              "00E90020"
                              "4E2D"
                              "0020002800410029>"));
  const auto lines = BodyLines(pdf);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].Text(), "Caf\xE9 ? (A)");
}

// ---- Pages --------------------------------------------------------------------------------------

TEST(PdfDocument, ManyParagraphsMakeSeveralNumberedPages) {
  PdfDocument doc("Notes");
  for (int k = 0; k < 150; ++k) doc.Paragraph(fmt::format("Paragraph {} of the record.", k + 1));
  const std::string pdf = doc.Render();
  const std::vector<int> pages = PageNumbers(pdf);
  const std::string catalog = Dict(pdf, IntAfter(Trailer(pdf), "/Root"));
  const int count = IntAfter(Dict(pdf, IntAfter(catalog, "/Pages")), "/Count");
  ASSERT_GE(count, 3);
  EXPECT_EQ(static_cast<int>(pages.size()), count);
  const auto shown = ShownPages(pdf);
  for (int p = 0; p < count; ++p) {
    const std::string footer = fmt::format("Page {} of {}", p + 1, count);
    std::vector<std::string> footers;
    for (const Shown& line : shown[p]) {
      if (line.y < kBottom) footers.push_back(line.Text());
    }
    EXPECT_THAT(footers, ElementsAre(footer)) << "page " << p + 1;
  }
  EXPECT_EQ(PageShowing(pdf, "Paragraph 1 of the record."), 0);
  EXPECT_EQ(PageShowing(pdf, "Paragraph 150 of the record."), count - 1);
  EXPECT_EQ(BodyLines(pdf).size(), 151u);  // nothing lost at the breaks
}

TEST(PdfDocument, HeadingIsNeverTheLastLineOfAPage) {
  // `lines` key-value lines, then a heading, then (or not) a paragraph: which page shows the
  // heading?
  const auto heading_page = [](int lines, bool then_paragraph) {
    PdfDocument doc("Record");
    for (int k = 0; k < lines; ++k) doc.Line("Item", std::to_string(k));
    doc.Heading("Next part");
    if (then_paragraph) doc.Paragraph("What the heading is about.");
    return PageShowing(doc.Render(), "Next part");
  };
  // Fill the first page until only the heading's own line still fits at its foot.
  int lines = 0;
  while (heading_page(lines + 1, false) == 0 && lines < 200) ++lines;
  ASSERT_GT(lines, 10);
  ASSERT_LT(lines, 200);
  ASSERT_EQ(heading_page(lines, false), 0);  // as the document's last line it may end a page
  EXPECT_EQ(heading_page(lines, true), 1);   // with text after it, it goes over with the text
}

}  // namespace
}  // namespace rapport
