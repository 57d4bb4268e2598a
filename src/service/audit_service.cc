#include "service/audit_service.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "core/crypto.h"
#include "service/access.h"
#include "service/audit_log.h"

namespace rapport {

Result<AuditPage> AuditService::Browse(const Actor& actor, std::int64_t before_seq, int limit) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  limit = std::clamp(limit, 1, 200);
  // One more than asked tells whether another page exists.
  RAPPORT_ASSIGN_OR_RETURN(auto entries,
                           store_.ListAuditNewestFirst(actor.clinic_id, before_seq, limit + 1));
  AuditPage page;
  if (entries.size() > static_cast<std::size_t>(limit)) {
    entries.resize(static_cast<std::size_t>(limit));
    page.next_before_seq = entries.back().seq;
  }
  page.entries = std::move(entries);
  // Reading the trail is itself on the trail.
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), {{"audit_log", ""}}));
  return page;
}

namespace {

std::string CheckpointInput(const AuditCheckpoint& c) {
  return fmt::format("rapport-audit-checkpoint-v1;{};{};{};{}", c.seq, c.hash, c.keyed_from_seq,
                     c.at);
}

// "key=value" of one line, or empty.
std::string Field(std::string_view line, std::string_view key) {
  const std::string needle = " " + std::string(key) + "=";
  const std::size_t at = line.find(needle);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + needle.size();
  const std::size_t end = line.find(' ', begin);
  return std::string(line.substr(begin, end == std::string_view::npos ? end : end - begin));
}

std::optional<std::int64_t> Number(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string AuditCheckpoint::Line() const {
  return fmt::format("rapport-audit-checkpoint seq={} hash={} keyed_from={} at={} mac={}", seq,
                     hash, keyed_from_seq, at, mac);
}

Result<AuditCheckpoint> MakeCheckpoint(Store& store, Timestamp now) {
  AuditCheckpoint c;
  RAPPORT_ASSIGN_OR_RETURN(c.keyed_from_seq, store.AuditKeyedFromSeq());
  RAPPORT_ASSIGN_OR_RETURN(const auto head, store.ListAuditNewestFirst(0, 0, 1));
  c.seq = head.empty() ? 0 : head.front().seq;
  c.hash = head.empty() ? std::string(kAuditGenesisHash) : head.front().hash;
  c.at = now;
  c.mac = store.AuditSeal(CheckpointInput(c));
  return c;
}

Status AppendCheckpoint(const std::string& path, const AuditCheckpoint& checkpoint) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Fail(Error::Unavailable(
        fmt::format("cannot open the audit checkpoint file {}: {}", path, std::strerror(errno))));
  }
  const std::string line = checkpoint.Line() + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    return Fail(Error::Unavailable(fmt::format("cannot write the audit checkpoint file {}", path)));
  }
  return Ok();
}

Result<std::optional<AuditCheckpoint>> ReadLastCheckpoint(const Store& store,
                                                          const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::optional<AuditCheckpoint>();
  std::optional<AuditCheckpoint> last;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    AuditCheckpoint c;
    const auto seq = Number(Field(line, "seq"));
    const auto keyed_from = Number(Field(line, "keyed_from"));
    const auto at = Number(Field(line, "at"));
    c.hash = Field(line, "hash");
    c.mac = Field(line, "mac");
    if (!line.starts_with("rapport-audit-checkpoint ") || !seq || !keyed_from || !at) {
      return Fail(Error::FailedPrecondition(
          fmt::format("line {} of {} is not an audit checkpoint", number, path)));
    }
    c.seq = *seq;
    c.keyed_from_seq = *keyed_from;
    c.at = *at;
    if (!ConstantTimeEquals(store.AuditSeal(CheckpointInput(c)), c.mac)) {
      return Fail(Error::FailedPrecondition(
          fmt::format("line {} of {} is not sealed by this database's audit key", number, path)));
    }
    last = c;
  }
  return last;
}

Result<ChainReport> AuditService::VerifyChain(Store& store,
                                              const std::optional<AuditCheckpoint>& checkpoint) {
  constexpr int kPage = 1000;
  ChainReport report;
  if (checkpoint) report.checkpoint_seq = checkpoint->seq;
  RAPPORT_ASSIGN_OR_RETURN(const std::int64_t keyed_from, store.AuditKeyedFromSeq());
  std::int64_t expected_seq = 1;
  std::string prev_hash(kAuditGenesisHash);
  const auto broken = [&](std::int64_t seq, std::string reason) {
    report.ok = false;
    report.first_broken_seq = seq;
    report.reason = std::move(reason);
    return report;
  };
  if (checkpoint && checkpoint->keyed_from_seq != keyed_from) {
    // Moving where the keyed part begins would let plain hashes pass for keyed ones.
    return broken(std::min(checkpoint->keyed_from_seq, keyed_from),
                  fmt::format("the chain says its key begins at entry {}, the last checkpoint "
                              "says {}",
                              keyed_from, checkpoint->keyed_from_seq));
  }
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(auto entries, store.ListAudit(0, expected_seq - 1, kPage));
    for (const AuditEntry& e : entries) {
      if (e.seq != expected_seq) {
        // A missing entry is reported at the first seq that should have been there.
        return broken(expected_seq, fmt::format("entry {} is missing (the next entry is {})",
                                                expected_seq, e.seq));
      }
      if (e.prev_hash != prev_hash) {
        return broken(e.seq, "its previous-hash does not match the entry before it");
      }
      const std::string input = AuditDigestInput(e);
      const std::string expected =
          e.seq >= keyed_from ? store.AuditSeal(input) : Blake2b256Hex(input);
      if (!ConstantTimeEquals(expected, e.hash)) {
        return broken(e.seq, "its contents do not match its seal");
      }
      if (checkpoint && e.seq == checkpoint->seq && e.hash != checkpoint->hash) {
        return broken(e.seq, "it is not the entry the last checkpoint recorded");
      }
      prev_hash = e.hash;
      ++expected_seq;
      ++report.entries_checked;
    }
    if (entries.size() < static_cast<std::size_t>(kPage)) break;
  }
  if (checkpoint && report.entries_checked < checkpoint->seq) {
    return broken(report.entries_checked + 1,
                  fmt::format("entries {} to {} are missing: the last checkpoint ({}) recorded "
                              "{} entries",
                              report.entries_checked + 1, checkpoint->seq,
                              FormatIso8601(checkpoint->at), checkpoint->seq));
  }
  return report;
}

}  // namespace rapport
