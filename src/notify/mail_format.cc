#include "notify/mail_format.h"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "core/json.h"
#include "core/text.h"

namespace rapport {
namespace {

constexpr std::string_view kAddressShape =
    "must be one address, as name@example.org or Name <name@example.org>";
// RFC 2047 section 2: an encoded-word is at most 75 characters, and a line holding one at most
// 76. "=?UTF-8?B?" and "?=" take 12 of them.
constexpr std::size_t kMaxEncodedLine = 76;
constexpr std::size_t kEncodedWordOverhead = 12;
// RFC 2045 section 6.7 rule 5: at most 76 characters, of which a soft break's "=" is one.
constexpr std::size_t kMaxQuotedPrintableContent = 75;

bool HasControlCharacter(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsPrintableAscii(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// RFC 5322 section 3.2.3 atext.
bool IsAtext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = '\0';
  for (const char c : s) {
    if (c == '.' ? previous == '.' : !IsAtext(c)) return false;
    previous = c;
  }
  return true;
}

bool IsDomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view label = s.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

bool IsAddress(std::string_view s) {
  const std::size_t at = s.rfind('@');
  if (at == std::string_view::npos || s.size() > 254) return false;
  const std::string_view local = s.substr(0, at);
  return local.size() <= 64 && IsDotAtom(local) && IsDomain(s.substr(at + 1));
}

std::string Base64(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      group <<= 8;
      if (k < n) group |= static_cast<unsigned char>(bytes[i + k]);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kAlphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

std::size_t Utf8SequenceLength(char lead) {
  const auto c = static_cast<unsigned char>(lead);
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) return 2;
  if ((c & 0xf0) == 0xe0) return 3;
  return 4;
}

// A display name as it goes into From or To: atoms as typed, other ASCII as a quoted-string,
// anything else as encoded-words (which RFC 2047 section 5 allows in a phrase).
std::string RenderMailbox(std::string_view header, const Mailbox& mailbox) {
  std::string line = std::string(header) + ": ";
  if (mailbox.display_name.empty()) return line + mailbox.address;
  const std::string_view name = mailbox.display_name;
  bool atoms = name.find("=?") == std::string_view::npos;
  for (const char c : name) atoms = atoms && (IsAtext(c) || c == ' ');
  if (atoms) {
    line += name;
  } else if (IsPrintableAscii(name) && name.find("=?") == std::string_view::npos) {
    line += '"';
    for (const char c : name) {
      if (c == '"' || c == '\\') line += '\\';
      line += c;
    }
    line += '"';
  } else {
    line += EncodeHeaderText(name, line.size());
  }
  const std::size_t last_break = line.rfind("\r\n");
  const std::size_t last_line =
      last_break == std::string::npos ? line.size() : line.size() - last_break - 2;
  const std::string address = "<" + mailbox.address + ">";
  line += last_line + 1 + address.size() > kMaxEncodedLine ? "\r\n " : " ";
  return line + address;
}

Status CheckMessageId(std::string_view id) {
  const auto bad = [] { return Fail(Error::Field("message_id", "must look like <unique@host>")); };
  if (id.size() < 5 || id.size() > 250 || id.front() != '<' || id.back() != '>') return bad();
  const std::string_view inner = id.substr(1, id.size() - 2);
  const std::size_t at = inner.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == inner.size() ||
      inner.find('@', at + 1) != std::string_view::npos) {
    return bad();
  }
  for (const char ch : inner) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>') return bad();
  }
  return Ok();
}

// One byte of a line as quoted-printable: itself when that is safe, else "=XX".
std::string QuotedPrintableToken(std::string_view line, std::size_t i, bool at_line_start) {
  const auto c = static_cast<unsigned char>(line[i]);
  const bool last = i + 1 == line.size();
  bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
  // A line that starts with "." would depend on the transport's dot-stuffing, and one that
  // starts with "From " is mangled by mbox stores; encoding the first character keeps both
  // intact (RFC 2049, section 3).
  if (at_line_start && (c == '.' || line.substr(i).starts_with("From "))) literal = false;
  if (literal) return std::string(1, static_cast<char>(c));
  return fmt::format("={:02X}", c);
}

}  // namespace

Result<Mailbox> ParseMailbox(std::string_view text, std::string_view field) {
  const std::string name(field);
  if (!IsCleanUtf8(text)) return Fail(Error::Field(name, "must be valid UTF-8 text"));
  if (HasControlCharacter(text)) {
    return Fail(Error::Field(name, "must be one line without control characters"));
  }
  text = Trim(text, kBlanks);
  if (text.empty()) return Fail(Error::Field(name, "is required"));
  Mailbox mailbox;
  const std::size_t open = text.find('<');
  if (open == std::string_view::npos) {
    if (text.find('>') != std::string_view::npos) {
      return Fail(Error::Field(name, std::string(kAddressShape)));
    }
    mailbox.address = std::string(text);
  } else {
    if (text.back() != '>' || text.find('<', open + 1) != std::string_view::npos ||
        text.find('>') != text.size() - 1) {
      return Fail(Error::Field(name, std::string(kAddressShape)));
    }
    std::string_view display = Trim(text.substr(0, open), kBlanks);
    if (display.size() >= 2 && display.front() == '"' && display.back() == '"') {
      display = display.substr(1, display.size() - 2);
      for (std::size_t i = 0; i < display.size(); ++i) {
        if (display[i] == '\\' && i + 1 < display.size()) ++i;
        mailbox.display_name += display[i];
      }
    } else {
      mailbox.display_name = std::string(display);
    }
    mailbox.address = std::string(text.substr(open + 1, text.size() - open - 2));
  }
  if (!IsAddress(mailbox.address)) return Fail(Error::Field(name, std::string(kAddressShape)));
  return mailbox;
}

Result<RenderedMail> RenderMail(const MailMessage& message, Timestamp date) {
  RAPPORT_ASSIGN_OR_RETURN(const Mailbox from, ParseMailbox(message.from, "from"));
  RAPPORT_ASSIGN_OR_RETURN(const Mailbox to, ParseMailbox(message.to, "to"));
  if (!IsCleanUtf8(message.subject)) {
    return Fail(Error::Field("subject", "must be valid UTF-8 text"));
  }
  if (HasControlCharacter(message.subject)) {
    return Fail(Error::Field("subject", "must be one line without control characters"));
  }
  if (message.subject.size() > 1000) {
    return Fail(Error::Field("subject", "must be at most 1000 bytes"));
  }
  if (!IsCleanUtf8(message.text)) {
    return Fail(Error::Field("text", "must be valid UTF-8 text without NUL characters"));
  }
  RAPPORT_RETURN_IF_ERROR(CheckMessageId(message.message_id));

  RenderedMail mail{from.address, to.address, {}};
  std::string& d = mail.data;
  d += "Date: " + FormatMailDate(date) + "\r\n";
  d += RenderMailbox("From", from) + "\r\n";
  d += RenderMailbox("To", to) + "\r\n";
  d += "Subject: " + EncodeHeaderText(message.subject, 9) + "\r\n";
  d += "Message-ID: " + message.message_id + "\r\n";
  d += "MIME-Version: 1.0\r\n";
  d += "Content-Type: text/plain; charset=UTF-8\r\n";
  d += "Content-Transfer-Encoding: quoted-printable\r\n";
  // RFC 3834: tells vacation responders not to answer a machine.
  d += "Auto-Submitted: auto-generated\r\n";
  d += "\r\n";
  d += EncodeQuotedPrintable(message.text);
  return mail;
}

std::string FormatMailDate(Timestamp t) {
  using namespace std::chrono;
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_seconds s = floor<seconds>(sys_time<milliseconds>(milliseconds(t)));
  const sys_days day = floor<days>(s);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> time(s - day);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday(day).c_encoding()],
                     static_cast<unsigned>(ymd.day()),
                     kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string EncodeQuotedPrintable(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  const auto encode_line = [&out](std::string_view line) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::string token = QuotedPrintableToken(line, i, length == 0);
      if (length + token.size() > kMaxQuotedPrintableContent) {
        out += "=\r\n";
        length = 0;
        token = QuotedPrintableToken(line, i, true);
      }
      out += token;
      length += token.size();
    }
    out += "\r\n";
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    encode_line(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < text.size()) encode_line(text.substr(start));
  return out;
}

std::string EncodeHeaderText(std::string_view text, std::size_t used) {
  if (IsPrintableAscii(text) && text.find("=?") == std::string_view::npos &&
      used + text.size() <= 78) {
    return std::string(text);
  }
  std::string out;
  std::size_t i = 0;
  bool first = true;
  while (i < text.size()) {
    // A continuation line starts with the one space that folds it.
    const std::size_t room =
        first ? (used + kEncodedWordOverhead + 8 < kMaxEncodedLine ? kMaxEncodedLine - used
                                                                   : kEncodedWordOverhead + 8)
              : kMaxEncodedLine - 1;
    const std::size_t max_bytes = (room - kEncodedWordOverhead) / 4 * 3;
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t n = Utf8SequenceLength(text[end]);
      if (end + n - i > max_bytes) break;
      end += n;
    }
    if (!first) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i)) + "?=";
    i = end;
    first = false;
  }
  return out;
}

}  // namespace rapport
