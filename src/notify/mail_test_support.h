#pragma once
// Test support (header-only so it stays out of the library): just enough MIME decoding to
// compare a message as it arrived with what was sent: header unfolding, RFC 2047 "B" words,
// quoted-printable. Trusts its input (it reads Rapport's own output); pure, thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace rapport::testing {

inline std::string DecodeBase64(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) continue;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// Unfolds a header value and decodes its "=?UTF-8?B?...?=" words (RFC 2047: the folding
// whitespace between two encoded-words is not part of the text).
inline std::string DecodeHeader(std::string value) {
  std::string unfolded;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 3, "\r\n ") == 0) {
      i += 1;
      continue;
    }
    unfolded += value[i];
  }
  std::string out;
  std::size_t i = 0;
  bool after_word = false;
  while (i < unfolded.size()) {
    const std::size_t start = unfolded.find("=?UTF-8?B?", i);
    if (start == std::string::npos) {
      out += unfolded.substr(i);
      break;
    }
    const std::string between = unfolded.substr(i, start - i);
    if (!(after_word && between.find_first_not_of(' ') == std::string::npos)) out += between;
    const std::size_t end = unfolded.find("?=", start + 10);
    out += DecodeBase64(unfolded.substr(start + 10, end - start - 10));
    i = end + 2;
    after_word = true;
  }
  return out;
}

inline std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

// A message split into its headers (by name, value as written) and its body.
struct ParsedMail {
  std::map<std::string, std::string> headers;  // raw values, folding kept
  std::string body;                            // still encoded
};

inline ParsedMail Parse(const std::string& data) {
  ParsedMail mail;
  const std::size_t end = data.find("\r\n\r\n");
  mail.body = data.substr(end + 4);
  std::string name;
  std::size_t i = 0;
  while (i < end) {
    std::size_t eol = data.find("\r\n", i);
    if (eol > end) eol = end;
    const std::string line = data.substr(i, eol - i);
    if (line.starts_with(" ") || line.starts_with("\t")) {
      mail.headers[name] += "\r\n" + line;
    } else {
      name = line.substr(0, line.find(':'));
      mail.headers[name] = line.substr(line.find(':') + 2);
    }
    i = eol + 2;
  }
  return mail;
}

// `text` with every LF as CRLF: how the sender writes the lines of a body.
inline std::string Crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace rapport::testing
