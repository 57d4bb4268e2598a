#include "store/sql/backup_support.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "domain/audit.h"
#include "store/sql/audit_rows.h"
#include "store/sql/sql_rows.h"

namespace rapport {

namespace {

namespace fs = std::filesystem;

std::string FolderOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) {
    return Fail(Error::Unavailable(fmt::format("cannot open {}: {}", path, std::strerror(errno))));
  }
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) {
    return Fail(Error::Unavailable(fmt::format("cannot sync {}: {}", path, std::strerror(error))));
  }
  return Ok();
}

}  // namespace

Status RequireFolderOf(const std::string& path) {
  std::error_code ignored;
  if (fs::is_directory(FolderOf(path), ignored)) return Ok();
  return Fail(Error::FailedPrecondition(
      fmt::format("the folder {} of {} does not exist", FolderOf(path), path)));
}

std::int64_t FileSizeOf(const std::string& path) {
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

bool SamePath(const std::string& a, const std::string& b) {
  std::error_code error;
  if (fs::equivalent(a, b, error)) return true;
  const fs::path absolute_a = fs::absolute(a, error).lexically_normal();
  const fs::path absolute_b = fs::absolute(b, error).lexically_normal();
  return absolute_a == absolute_b;
}

Status RequireBackupFile(const std::string& from) {
  std::error_code error;
  if (!fs::exists(from, error)) {
    return Fail(Error::NotFound(fmt::format("there is no backup file at {}", from)));
  }
  if (!fs::is_regular_file(from, error)) {
    return Fail(Error::FailedPrecondition(fmt::format("{} is not a file", from)));
  }
  return Ok();
}

Result<TempFile> TempFile::Beside(const std::string& target, std::string_view tag) {
  std::string name = fmt::format("{}.{}-XXXXXX", target, tag);
  const int fd = ::mkstemp(name.data());  // mode 0600
  if (fd < 0) {
    return Fail(Error::Unavailable(
        fmt::format("cannot create a file beside {}: {}", target, std::strerror(errno))));
  }
  ::close(fd);
  return TempFile(std::move(name));
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempFile::~TempFile() {
  if (path_.empty()) return;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
}

Status TempFile::Sync() const {
  return SyncPath(path_, 0);
}

Status TempFile::MoveTo(const std::string& target, bool replace) {
  const auto failed = [&](int error) {
    if (error == EEXIST) return Error::AlreadyExists(fmt::format("{} already exists", target));
    return Error::Unavailable(
        fmt::format("cannot rename {} to {}: {}", path_, target, std::strerror(error)));
  };
  if (replace) {
    if (::rename(path_.c_str(), target.c_str()) != 0) return Fail(failed(errno));
  } else if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) !=
             0) {
    if (errno != EINVAL && errno != ENOSYS) return Fail(failed(errno));
    // A file system without RENAME_NOREPLACE: link() refuses a name that exists too.
    if (::link(path_.c_str(), target.c_str()) != 0) return Fail(failed(errno));
    ::unlink(path_.c_str());
  }
  path_.clear();  // in place: no longer ours to remove
  return SyncPath(FolderOf(target), O_DIRECTORY);
}

Result<std::string> ReadKeyFile(const std::string& path, std::string_view what) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "{} file {} does not exist: backups never hold the key files, so the clinic's own must "
        "be put there (or its path given)",
        what, path)));
  }
  std::ifstream in(path);
  std::string hex;
  if (!in || !std::getline(in, hex)) {
    return Fail(Error::Unavailable(fmt::format("cannot read {} file {}", what, path)));
  }
  const bool is_key = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
  if (!is_key) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} file {} does not hold a key (64 hexadecimal characters)", what, path)));
  }
  return hex;
}

Result<ClinicKeys> ReadClinicKeys(const ClinicKeyFiles& files) {
  RAPPORT_ASSIGN_OR_RETURN(std::string audit_key,
                           ReadKeyFile(files.audit_key_path, "the audit key"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string message_key,
                           ReadKeyFile(files.message_key_path, "the message key"));
  RAPPORT_ASSIGN_OR_RETURN(TextSealer sealer, TextSealer::FromHexKey(message_key));
  return ClinicKeys{std::move(audit_key), std::move(sealer)};
}

Status CheckSchemaVersion(int version, std::span<const SqlMigration> migrations) {
  if (migrations.empty()) return Fail(Error::Internal("no schema steps are known"));
  const int first = migrations.front().version;
  const int newest = migrations.back().version;
  if (version > newest) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "it is at schema version {}, newer than this rapport knows ({}): restore it with the "
        "rapport that made it, or a newer one",
        version, newest)));
  }
  if (version < first) {
    return Fail(Error::FailedPrecondition(
        fmt::format("it is at schema version {}, which no Rapport database of this engine has "
                    "(the first is {})",
                    version, first)));
  }
  return Ok();
}

namespace {

constexpr int kChainPage = 1000;

// The first seq sealed with the key: entries before it were written before the chain had one.
Result<std::int64_t> KeyedFrom(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                           c.Prepare("SELECT keyed_from_seq FROM audit_chain WHERE id = 1"));
  RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return Fail(Error::FailedPrecondition("the audit chain has no key record"));
  return query.Int(0);
}

Result<ChainWalk> Walk(SqlConnection& c, std::string_view audit_key) {
  ChainWalk walk;
  RAPPORT_ASSIGN_OR_RETURN(const std::int64_t keyed_from, KeyedFrom(c));
  AuditChainCheck chain(keyed_from, [audit_key](const std::string& input) {
    return HmacSha256Hex(audit_key, input);
  });
  for (;;) {
    std::vector<AuditEntry> entries;
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery query,
                               c.Prepare("SELECT " RAPPORT_AUDIT_COLUMNS
                                         " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"));
      query.Bind(chain.checked()).Bind(kChainPage);
      RAPPORT_ASSIGN_OR_RETURN(entries, All(query, ReadAuditRow));
    }
    for (const AuditEntry& e : entries) {
      if (std::optional<AuditChainBreak> at = chain.Next(e)) {
        walk.first_broken_seq = at->seq;
        walk.reason = std::move(at->reason);
        return walk;
      }
      ++walk.entries;
    }
    if (entries.size() < static_cast<std::size_t>(kChainPage)) return walk;
  }
}

}  // namespace

Result<ChainWalk> WalkAuditChain(SqlConnection& c, std::string_view audit_key) {
  if (!c.InAutocommit()) return Walk(c, audit_key);
  RAPPORT_RETURN_IF_ERROR(c.dialect() == SqlDialect::kSqlite
                              ? c.BeginRead()
                              : c.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Result<ChainWalk> walk = Walk(c, audit_key);
  c.RollbackIfOpen();  // it only read
  return walk;
}

Status CheckMasterKey(SqlConnection& c, const std::string& master_key_path) {
  RAPPORT_ASSIGN_OR_RETURN(const std::string hex, ReadKeyFile(master_key_path, "the master key"));
  RAPPORT_ASSIGN_OR_RETURN(const TextSealer master, TextSealer::FromHexKey(hex));
  const std::string fingerprint = master.Fingerprint();
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery query, c.Prepare("SELECT count(*) FROM data_keys WHERE master_fingerprint <> ?"));
  query.Bind(fingerprint);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (row && query.Int(0) == 0) return Ok();
  return Fail(Error::FailedPrecondition(fmt::format(
      "the master key file {} is not the key the data keys were wrapped with: none of the free "
      "text they seal would open",
      master_key_path)));
}

Result<std::int64_t> CheckRestoredData(SqlConnection& c, const DatabaseDigest& digest,
                                       const ClinicKeyFiles& files) {
  RAPPORT_ASSIGN_OR_RETURN(const ClinicKeys keys, ReadClinicKeys(files));
  const auto data_keys =
      std::find_if(digest.tables.begin(), digest.tables.end(),
                   [](const TableDigest& table) { return table.table == "data_keys"; });
  if (data_keys != digest.tables.end() && data_keys->rows > 0) {
    RAPPORT_RETURN_IF_ERROR(CheckMasterKey(c, files.master_key_path));
  }
  RAPPORT_ASSIGN_OR_RETURN(const ChainWalk walk, WalkAuditChain(c, keys.audit_key));
  if (walk.first_broken_seq != 0) {
    return Fail(Error::FailedPrecondition(fmt::format(
        "its audit chain does not verify with the audit key file {}: broken at entry {}: {}",
        files.audit_key_path, walk.first_broken_seq, walk.reason)));
  }
  if (walk.entries != digest.audit_entries) {
    return Fail(Error::FailedPrecondition(
        fmt::format("its audit chain holds {} entries, of which {} verified", digest.audit_entries,
                    walk.entries)));
  }
  return walk.entries;
}

}  // namespace rapport
