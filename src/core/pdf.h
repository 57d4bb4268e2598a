#pragma once
// Writing a readable text document as a PDF, such as a client's own record to download. Pure,
// dependency-free PDF 1.4: the standard Helvetica and Helvetica-Bold fonts (not embedded) in
// WinAnsiEncoding, uncompressed content streams, and the same bytes for the same calls (no dates).

#include <string>
#include <string_view>
#include <vector>

namespace rapport {

// A text document laid out on A4 pages: a title, headings, paragraphs and key-value lines, with
// word wrap by the real glyph widths and page breaks, each page numbered "Page N of M" at its
// foot. Text is UTF-8; characters outside Windows-1252 are shown as '?', control characters are
// dropped.
class PdfDocument {
 public:
  // The title is shown at the top of the first page and is the document's Info /Title.
  explicit PdfDocument(std::string title);

  // Bold and larger; never the last line of a page (it moves to the next with what follows).
  void Heading(std::string_view text);
  // Wrapped; paragraphs are separated by a blank line; '\n' starts a new line.
  void Paragraph(std::string_view text);
  // "Label: value" with the label in bold, wrapped; '\n' in the value starts a new line.
  void Line(std::string_view label, std::string_view value);
  // A little vertical space before whatever comes next.
  void Gap();

  // The whole PDF file's bytes.
  std::string Render() const;

 private:
  enum class Kind { kHeading, kParagraph, kLine, kGap };
  struct Block {
    Kind kind;
    std::string text;
    std::string value;
  };

  std::string title_;
  std::vector<Block> blocks_;
};

// The width in points of `winansi` (WinAnsiEncoding bytes) set in Helvetica, or Helvetica-Bold
// when `bold`, at `size` points, by the fonts' standard metrics. Bytes below 32 have no width.
double PdfTextWidth(std::string_view winansi, bool bold, double size);

}  // namespace rapport
