#include "domain/people.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <utility>

#include "core/calendar_date.h"
#include "core/json.h"
#include "core/text.h"
#include "domain/enum_names.h"
#include "domain/shipped_data.h"

namespace rapport {

namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoles{{
    {Role::kAdmin, "admin"},
    {Role::kSupervisor, "supervisor"},
    {Role::kTherapist, "therapist"},
    {Role::kClient, "client"},
    {Role::kGuardian, "guardian"},
}};
constexpr std::array<std::pair<EpisodeStatus, std::string_view>, 3> kEpisodeStatuses{{
    {EpisodeStatus::kIntake, "intake"},
    {EpisodeStatus::kActive, "active"},
    {EpisodeStatus::kEnded, "ended"},
}};
constexpr std::array<std::pair<Modality, std::string_view>, 4> kModalities{{
    {Modality::kInPerson, "in-person"},
    {Modality::kVideo, "video"},
    {Modality::kPhone, "phone"},
    {Modality::kText, "text"},
}};
constexpr std::array<std::pair<AppointmentStatus, std::string_view>, 4> kAppointmentStatuses{{
    {AppointmentStatus::kScheduled, "scheduled"},
    {AppointmentStatus::kCompleted, "completed"},
    {AppointmentStatus::kCancelled, "cancelled"},
    {AppointmentStatus::kNoShow, "no-show"},
}};

}  // namespace

std::string_view ToString(Role role) {
  return EnumName(role, kRoles);
}
Result<Role> ParseRole(std::string_view text) {
  return ParseEnum(text, kRoles, "role");
}
std::string_view ToString(EpisodeStatus s) {
  return EnumName(s, kEpisodeStatuses);
}
Result<EpisodeStatus> ParseEpisodeStatus(std::string_view text) {
  return ParseEnum(text, kEpisodeStatuses, "status");
}
std::string_view ToString(Modality m) {
  return EnumName(m, kModalities);
}
Result<Modality> ParseModality(std::string_view text) {
  return ParseEnum(text, kModalities, "modality");
}
std::string_view ToString(AppointmentStatus s) {
  return EnumName(s, kAppointmentStatuses);
}
Result<AppointmentStatus> ParseAppointmentStatus(std::string_view text) {
  return ParseEnum(text, kAppointmentStatuses, "status");
}

Result<std::string> NormalizeEmail(std::string_view email) {
  const std::string_view trimmed = Trim(email);
  std::string out(trimmed);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = out.find('@');
  const bool shape_ok =
      at != std::string::npos && at > 0 && out.find('@', at + 1) == std::string::npos &&
      out.find('.', at + 2) != std::string::npos && out.back() != '.' && out.size() <= 254;
  const bool chars_ok = std::none_of(out.begin(), out.end(), [](unsigned char c) {
    return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '\'' || c == ',' || c == ';' ||
           c == '(' || c == ')' || c == '\\' || c >= 0x7F;
  });
  if (!shape_ok || !chars_ok) {
    return Fail(Error::Field("email", "must be an email address such as name@example.org"));
  }
  return out;
}

bool IsCommonPassword(std::string_view password) {
  if (password.empty()) return false;
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; })) {
    return true;
  }
  std::string lower(password);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Parsed once; the list is immutable, so this is thread-safe after the first call.
  static const std::vector<std::string_view> kList = [] {
    std::vector<std::string_view> out;
    std::string_view text = ShippedCommonPasswords();
    while (!text.empty()) {
      const std::size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return std::binary_search(kList.begin(), kList.end(), std::string_view(lower));
}

Status ValidateNewPassword(std::string_view password) {
  if (!IsCleanUtf8(password)) {
    return Fail(Error::Field("password", "must be valid text"));
  }
  // Characters as a person counts them (code points), not bytes: "é" is one, not two.
  const auto characters =
      static_cast<std::size_t>(std::count_if(password.begin(), password.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      }));
  if (characters < 12) {
    return Fail(Error::Field("password", "must be at least 12 characters long"));
  }
  if (characters > 256) {
    return Fail(Error::Field("password", "must be at most 256 characters long"));
  }
  if (IsCommonPassword(password)) {
    return Fail(Error::Field("password",
                             "is one of the most common passwords, which others try first; "
                             "please choose another"));
  }
  return Ok();
}

Result<std::string> ValidateLineOfText(std::string_view text, std::string_view field,
                                       std::size_t max_bytes) {
  const std::string name(field);
  const std::string_view trimmed = Trim(text);
  if (trimmed.empty()) return Fail(Error::Field(name, "is required"));
  if (trimmed.size() > max_bytes) {
    return Fail(Error::Field(name, fmt::format("must be at most {} characters long", max_bytes)));
  }
  const bool has_control = std::any_of(trimmed.begin(), trimmed.end(),
                                       [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (!IsCleanUtf8(trimmed) || has_control) {
    return Fail(Error::Field(name, "must be plain text on one line"));
  }
  if (HasInvisibleControls(trimmed)) {
    return Fail(
        Error::Field(name, "must not contain invisible characters that change how text is shown"));
  }
  return std::string(trimmed);
}

Result<std::string> NormalizeParagraphs(std::string_view text, std::string_view field,
                                        std::size_t max_chars, bool required) {
  const std::string name(field);
  if (!IsCleanUtf8(text)) return Fail(Error::Field(name, "must be text"));
  std::string lines;
  lines.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      lines += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      lines += text[i];
    }
  }
  std::string out(Trim(lines));
  if (out.empty() && required) return Fail(Error::Field(name, "is required"));
  std::size_t characters = 0;
  for (const char c : out) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (characters > max_chars) {
    return Fail(Error::Field(name, fmt::format("is too long (at most {} characters)", max_chars)));
  }
  if (HasInvisibleControls(out)) {
    return Fail(Error::Field(name, "holds a character that hides or reverses text"));
  }
  for (const char c : out) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7F) {
      return Fail(Error::Field(name, "holds a control character"));
    }
  }
  return out;
}

Result<std::string> ValidateDisplayName(std::string_view name) {
  return ValidateLineOfText(name, "display_name", 200);
}

Status ValidateDateOfBirth(std::string_view date, Timestamp now) {
  const auto born = ParseCalendarDate(date);
  if (!born) return Fail(Error::Field("date_of_birth", "must be a date such as 2014-05-30"));
  if (*born > UtcDateOf(now)) return Fail(Error::Field("date_of_birth", "cannot be in the future"));
  if (AgeInYears(date, now) > 130) {
    return Fail(Error::Field("date_of_birth", "is more than 130 years ago"));
  }
  return Ok();
}

int AgeInYears(std::string_view date_of_birth, Timestamp now) {
  const auto born = ParseCalendarDate(date_of_birth);
  if (!born) return -1;
  const auto today = UtcDateOf(now);
  int age = static_cast<int>(today.year()) - static_cast<int>(born->year());
  if (today.month() < born->month() ||
      (today.month() == born->month() && today.day() < born->day())) {
    --age;
  }
  return age;
}

bool IsMinor(const ClientProfile& profile, Timestamp now, int age_of_majority) {
  if (profile.date_of_birth.empty()) return false;
  const int age = AgeInYears(profile.date_of_birth, now);
  return age >= 0 && age < age_of_majority;
}

Status ValidateAgeOfMajority(int age) {
  if (age < 14 || age > 21) {
    return Fail(Error::Field("age_of_majority", "must be a whole number from 14 to 21"));
  }
  return Ok();
}

std::string_view ToString(GuardianLinkState state) {
  switch (state) {
    case GuardianLinkState::kAwaitingGuardian: return "awaiting_guardian";
    case GuardianLinkState::kAwaitingConsent: return "awaiting_consent";
    case GuardianLinkState::kActive: return "active";
  }
  return "awaiting_guardian";
}

GuardianLink EstablishedGuardianLink(UserId guardian_id, UserId child_id, Timestamp at,
                                     std::string note) {
  GuardianLink link;
  link.guardian_id = guardian_id;
  link.child_id = child_id;
  link.requested_at = at;
  link.accepted_at = at;
  link.consent_recorded_at = at;
  link.consent_note = std::move(note);
  return link;
}

GuardianLinkState StateOf(const GuardianLink& link) {
  if (!link.accepted_at) return GuardianLinkState::kAwaitingGuardian;
  if (!link.consent_recorded_at) return GuardianLinkState::kAwaitingConsent;
  return GuardianLinkState::kActive;
}

Status CheckEpisodeTransition(EpisodeStatus from, EpisodeStatus to) {
  const bool allowed = (from == EpisodeStatus::kIntake && to == EpisodeStatus::kActive) ||
                       (from == EpisodeStatus::kIntake && to == EpisodeStatus::kEnded) ||
                       (from == EpisodeStatus::kActive && to == EpisodeStatus::kEnded);
  if (allowed) return Ok();
  return Fail(Error::FailedPrecondition(
      fmt::format("An episode cannot move from {} to {}.", ToString(from), ToString(to))));
}

Status ValidateAppointmentDuration(int minutes) {
  if (minutes < 5 || minutes > 480) {
    return Fail(Error::Field("duration_minutes", "must be between 5 and 480 minutes"));
  }
  return Ok();
}

Status CheckAppointmentTransition(AppointmentStatus from, AppointmentStatus to) {
  if (from == to) return Ok();
  if (from == AppointmentStatus::kScheduled) return Ok();
  return Fail(Error::FailedPrecondition(
      fmt::format("An appointment that is {} cannot become {}.", ToString(from), ToString(to))));
}

std::string_view ToString(ChangeKind kind) {
  return kind == ChangeKind::kCancel ? "cancel" : "move";
}

Result<ChangeKind> ParseChangeKind(std::string_view text) {
  if (text == "cancel") return ChangeKind::kCancel;
  if (text == "move") return ChangeKind::kMove;
  return Fail(Error::Field("kind", "must be one of: cancel, move"));
}

std::string_view ToString(RequestState state) {
  switch (state) {
    case RequestState::kPending: return "pending";
    case RequestState::kAccepted: return "accepted";
    case RequestState::kDeclined: return "declined";
    case RequestState::kWithdrawn: return "withdrawn";
  }
  return "pending";
}

bool IsShortNotice(Timestamp starts_at, Timestamp now, int notice_hours) {
  return starts_at - now < static_cast<Timestamp>(notice_hours) * 60 * 60 * 1000;
}

}  // namespace rapport
