#include "service/audit_service.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>

#include "core/crypto.h"
#include "core/csv.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"

namespace rapport {

namespace {

using audit::Id;

std::int64_t IdOf(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() ? id : 0;
}

// Record types whose id is an episode's.
constexpr std::array<std::string_view, 4> kEpisodeRecords = {
    "episode", "feedback", "feedback_draft", "episode_instruments"};

bool IsEpisodeRecord(std::string_view type) {
  return std::find(kEpisodeRecords.begin(), kEpisodeRecords.end(), type) != kEpisodeRecords.end();
}

// Every record of the client's that the trail can name: their account, their episodes and what
// hangs off them, and their guardian links.
Result<std::vector<std::string>> RecordsOfClient(Store& store, UserId client_id) {
  std::vector<std::string> out = {AuditRecordKey("client", Id(client_id)),
                                  AuditRecordKey("user", Id(client_id)),
                                  AuditRecordKey("client_contact", Id(client_id)),
                                  AuditRecordKey("client_record", Id(client_id))};
  RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store.ListEpisodesOfClient(client_id));
  for (const Episode& e : episodes) {
    for (std::string_view type : kEpisodeRecords) out.push_back(AuditRecordKey(type, Id(e.id)));
    RAPPORT_ASSIGN_OR_RETURN(const auto appointments, store.ListAppointmentsOfEpisode(e.id));
    for (const Appointment& a : appointments) {
      out.push_back(AuditRecordKey("appointment", Id(a.id)));
      RAPPORT_ASSIGN_OR_RETURN(const auto requests, store.ListRequestsOfAppointment(a.id));
      for (const AppointmentRequest& r : requests) {
        out.push_back(AuditRecordKey("appointment_request", Id(r.id)));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(const auto responses, store.ListResponsesOfEpisode(e.id));
    for (const FeedbackResponse& r : responses) out.push_back(AuditRecordKey("response", Id(r.id)));
    RAPPORT_ASSIGN_OR_RETURN(const auto alerts, store.ListAlertsOfEpisode(e.id));
    for (const FeedbackAlert& a : alerts) out.push_back(AuditRecordKey("alert", Id(a.id)));
    RAPPORT_ASSIGN_OR_RETURN(const auto versions, store.ListPlanVersions(e.id));
    for (const PlanVersion& v : versions) out.push_back(AuditRecordKey("plan_version", Id(v.id)));
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto links, store.ListGuardianLinksOfChild(client_id));
  for (const GuardianLink& l : links) out.push_back(AuditRecordKey("guardian_link", Id(l.id)));
  return out;
}

// Names the people and records of entries, remembering what it looked up.
class Describer {
 public:
  Describer(Store& store, ClinicId clinic_id) : store_(store), names_(store), clinic_(clinic_id) {}

  Status Describe(AuditRow& row) {
    if (row.actor_id == 0 || row.actor_role == "system") {
      row.actor_name = "System";
    } else {
      RAPPORT_ASSIGN_OR_RETURN(row.actor_name, Person(row.actor_id));
    }
    RAPPORT_ASSIGN_OR_RETURN(row.client_id, ClientOf(row.record_type, row.record_id));
    if (row.client_id != 0) {
      RAPPORT_ASSIGN_OR_RETURN(row.client_name, Person(row.client_id));
    }
    RAPPORT_ASSIGN_OR_RETURN(row.record_words, Words(row));
    if (!row.subjects.empty()) {
      // A caseload or a list read at once: one entry names every record it showed.
      row.record_words += fmt::format(" and {} more record{}", row.subjects.size(),
                                      row.subjects.size() == 1 ? "" : "s");
    }
    return Ok();
  }

 private:
  // A display name; "a removed account" when the user is gone.
  Result<std::string> Person(UserId id) {
    auto name = names_.User(id);
    if (!name && name.error().code == ErrorCode::kNotFound) return std::string("a removed account");
    return name;
  }

  Result<UserId> ClientOfEpisode(EpisodeId id) {
    if (auto it = episodes_.find(id); it != episodes_.end()) return it->second;
    auto episode = store_.GetEpisode(id);
    if (!episode && episode.error().code != ErrorCode::kNotFound) return Fail(episode.error());
    const UserId client = episode && episode->clinic_id == clinic_ ? episode->client_id : 0;
    episodes_[id] = client;
    return client;
  }

  // The client a record belongs to; 0 when none (or not of this clinic).
  Result<UserId> ClientOf(const std::string& type, const std::string& text) {
    const std::int64_t id = IdOf(text);
    if (id == 0) return UserId{0};
    const auto gone = [](const Error& e) { return e.code == ErrorCode::kNotFound; };
    if (type == "client" || type == "user" || type == "client_contact" || type == "client_record") {
      auto user = store_.GetUser(id);
      if (!user) return gone(user.error()) ? Result<UserId>(0) : Fail(user.error());
      return user->role == Role::kClient && user->clinic_id == clinic_ ? id : 0;
    }
    if (IsEpisodeRecord(type)) return ClientOfEpisode(id);
    if (type == "appointment") {
      auto a = store_.GetAppointment(id);
      if (!a) return gone(a.error()) ? Result<UserId>(0) : Fail(a.error());
      return ClientOfEpisode(a->episode_id);
    }
    if (type == "response") {
      auto r = store_.GetResponse(id);
      if (!r) return gone(r.error()) ? Result<UserId>(0) : Fail(r.error());
      return ClientOfEpisode(r->episode_id);
    }
    if (type == "alert") {
      auto a = store_.GetAlert(id);
      if (!a) return gone(a.error()) ? Result<UserId>(0) : Fail(a.error());
      return ClientOfEpisode(a->episode_id);
    }
    if (type == "appointment_request") {
      auto r = store_.GetAppointmentRequest(id);
      if (!r) return gone(r.error()) ? Result<UserId>(0) : Fail(r.error());
      auto a = store_.GetAppointment(r->appointment_id);
      if (!a) return gone(a.error()) ? Result<UserId>(0) : Fail(a.error());
      return ClientOfEpisode(a->episode_id);
    }
    if (type == "guardian_link") {
      auto l = store_.GetGuardianLink(id);
      if (!l) return gone(l.error()) ? Result<UserId>(0) : Fail(l.error());
      return l->child_id;
    }
    if (type == "plan_version") {
      if (!plan_versions_) {
        // Versions are found by episode; the first plan entry learns the clinic's once.
        plan_versions_.emplace();
        RAPPORT_ASSIGN_OR_RETURN(const auto episodes, store_.ListEpisodesOfClinic(clinic_));
        for (const Episode& e : episodes) {
          RAPPORT_ASSIGN_OR_RETURN(const auto versions, store_.ListPlanVersions(e.id));
          for (const PlanVersion& v : versions) (*plan_versions_)[v.id] = e.client_id;
        }
      }
      const auto it = plan_versions_->find(id);
      return it == plan_versions_->end() ? 0 : it->second;
    }
    return UserId{0};
  }

  Result<std::string> Words(const AuditRow& row) {
    const std::string& type = row.record_type;
    const std::string& c = row.client_name;
    if (row.client_id != 0) {
      if (type == "client" || type == "user") return c + "'s record";
      if (type == "client_contact") return c + "'s contact details";
      if (type == "client_record") return c + "'s whole record, downloaded";
      if (type == "episode") return c + "'s episode of care";
      if (type == "feedback") return c + "'s questionnaire answers";
      if (type == "feedback_draft") return c + "'s answers not yet sent";
      if (type == "episode_instruments") return c + "'s questionnaire schedule";
      if (type == "appointment") return "an appointment of " + c;
      if (type == "appointment_request") return "a request about an appointment of " + c;
      if (type == "response") return "a questionnaire answer of " + c;
      if (type == "alert") return "an alert about " + c;
      if (type == "plan_version") return c + "'s treatment plan";
      if (type == "guardian_link") return "a guardian link for " + c;
    }
    if (type == "user" && IdOf(row.record_id) != 0) {
      RAPPORT_ASSIGN_OR_RETURN(const std::string name, Person(IdOf(row.record_id)));
      return name + "'s account";
    }
    if (type == "audit_log") return std::string("the audit log");
    if (type == "session") return std::string("a signed-in session");
    if (type == "clinic" || type == "clinic_safety" || type == "clinic_channels") {
      return std::string("the clinic's settings");
    }
    if (type == "user_list") return std::string("the list of people");
    if (type.empty()) return std::string();
    std::string words = type;
    std::replace(words.begin(), words.end(), '_', ' ');
    return row.record_id.empty() ? words : words + " " + row.record_id;
  }

  Store& store_;
  Names names_;
  ClinicId clinic_;
  std::map<EpisodeId, UserId> episodes_;
  std::optional<std::map<std::int64_t, UserId>> plan_versions_;
};

// What the action filter's "read" covers: plain reads and reading a plan.
std::vector<std::string> ActionsFor(const std::string& action) {
  if (action.empty()) return {};
  if (action == "read") return {"read", "plan.read"};
  return {action};
}

}  // namespace

Result<AuditFilter> AuditService::FilterFor(const Actor& actor, const AuditSearch& search) {
  AuditFilter filter;
  filter.clinic_id = actor.clinic_id;
  filter.actor_id = search.person_id;
  filter.actions = ActionsFor(search.action);
  filter.from = search.from;
  filter.to = search.to;
  std::vector<FieldError> problems;
  const auto of_clinic = [&](UserId id) -> Result<std::optional<User>> {
    auto user = store_.GetUser(id);
    if (!user) {
      if (user.error().code == ErrorCode::kNotFound) return std::optional<User>();
      return Fail(user.error());
    }
    if (user->clinic_id != actor.clinic_id) return std::optional<User>();
    return std::optional<User>(std::move(*user));
  };
  if (search.person_id != 0) {
    RAPPORT_ASSIGN_OR_RETURN(const auto person, of_clinic(search.person_id));
    if (!person) problems.push_back({"person", "is not someone at this clinic"});
  }
  if (search.client_id != 0) {
    RAPPORT_ASSIGN_OR_RETURN(const auto client, of_clinic(search.client_id));
    if (!client || client->role != Role::kClient) {
      problems.push_back({"client", "is not a client of this clinic"});
    } else {
      RAPPORT_ASSIGN_OR_RETURN(filter.records, RecordsOfClient(store_, search.client_id));
    }
  }
  if (search.from != 0 && search.to != 0 && search.to <= search.from) {
    problems.push_back({"to", "must be after the start of the range"});
  }
  if (!problems.empty())
    return Fail(Error::InvalidArgument("the search cannot be run", std::move(problems)));
  return filter;
}

Status AuditService::Each(const AuditFilter& filter, int max,
                          const std::function<Status(AuditRow&)>& f) {
  constexpr int kPage = 500;
  Describer describer(store_, filter.clinic_id);
  std::int64_t before = 0;
  int seen = 0;
  while (seen < max) {
    const int want = std::min(kPage, max - seen);
    RAPPORT_ASSIGN_OR_RETURN(auto entries, store_.SearchAudit(filter, before, want));
    for (AuditEntry& e : entries) {
      AuditRow row;
      static_cast<AuditEntry&>(row) = std::move(e);
      RAPPORT_RETURN_IF_ERROR(describer.Describe(row));
      RAPPORT_RETURN_IF_ERROR(f(row));
      before = row.seq;
      ++seen;
    }
    if (entries.size() < static_cast<std::size_t>(want)) break;
  }
  return Ok();
}

Result<AuditPage> AuditService::Browse(const Actor& actor, std::int64_t before_seq, int limit,
                                       const AuditSearch& search) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  limit = std::clamp(limit, 1, 200);
  RAPPORT_ASSIGN_OR_RETURN(const AuditFilter filter, FilterFor(actor, search));
  // One more than asked tells whether another page exists.
  RAPPORT_ASSIGN_OR_RETURN(auto entries, store_.SearchAudit(filter, before_seq, limit + 1));
  AuditPage page;
  if (entries.size() > static_cast<std::size_t>(limit)) {
    entries.resize(static_cast<std::size_t>(limit));
    page.next_before_seq = entries.back().seq;
  }
  Describer describer(store_, actor.clinic_id);
  for (AuditEntry& e : entries) {
    AuditRow row;
    static_cast<AuditEntry&>(row) = std::move(e);
    RAPPORT_RETURN_IF_ERROR(describer.Describe(row));
    page.entries.push_back(std::move(row));
  }
  // Reading the trail is itself on the trail.
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), {{"audit_log", ""}}));
  return page;
}

Result<std::string> AuditService::ExportCsv(const Actor& actor, const AuditSearch& search) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_ASSIGN_OR_RETURN(const AuditFilter filter, FilterFor(actor, search));
  std::string out = "seq,at,person,role,action,record,client,source,detail\r\n";
  RAPPORT_RETURN_IF_ERROR(Each(filter, kMaxExportRows, [&out](AuditRow& row) {
    const std::string fields[] = {
        std::to_string(row.seq), FormatIso8601(row.at), row.actor_name, row.actor_role, row.action,
        row.record_words,        row.client_name,       row.source,     row.detail};
    bool first = true;
    for (const std::string& field : fields) {
      if (!first) out += ',';
      first = false;
      out += CsvField(field);
    }
    out += "\r\n";
    return Ok();
  }));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write(
      [&](WriteTxn& txn) { return audit::Append(txn, actor, now, "export", "audit_log", ""); }));
  return out;
}

Result<std::vector<RecordReader>> AuditService::ReadersOfClient(const Actor& actor,
                                                                UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSupervisor}));
  if (actor.role == Role::kAdmin) {
    auto client = store_.GetUser(client_id);
    if (!client && client.error().code != ErrorCode::kNotFound) return Fail(client.error());
    if (!client || client->role != Role::kClient || client->clinic_id != actor.clinic_id) {
      return Fail(DeniedAndAudited(store_, actor, "client", client_id));
    }
  } else {
    RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  }
  AuditFilter filter;
  filter.clinic_id = actor.clinic_id;
  filter.actions = ActionsFor("read");
  RAPPORT_ASSIGN_OR_RETURN(filter.records, RecordsOfClient(store_, client_id));
  std::vector<RecordReader> out;
  RAPPORT_RETURN_IF_ERROR(Each(filter, kMaxExportRows, [&out](AuditRow& row) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const RecordReader& r) { return r.user_id == row.actor_id; });
    if (it == out.end()) {
      it = out.insert(
          out.end(), RecordReader{row.actor_id, row.actor_name, row.actor_role, 0, row.at, row.at});
    }
    ++it->reads;
    it->first_at = std::min(it->first_at, row.at);
    it->last_at = std::max(it->last_at, row.at);
    return Ok();
  }));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"audit_log", Id(client_id)}}));
  return out;
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
  AuditChainCheck chain(keyed_from,
                        [&store](const std::string& input) { return store.AuditSeal(input); });
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(auto entries, store.ListAudit(0, chain.checked(), kPage));
    for (const AuditEntry& e : entries) {
      if (std::optional<AuditChainBreak> at = chain.Next(e)) {
        return broken(at->seq, std::move(at->reason));
      }
      if (checkpoint && e.seq == checkpoint->seq && e.hash != checkpoint->hash) {
        return broken(e.seq, "it is not the entry the last checkpoint recorded");
      }
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
