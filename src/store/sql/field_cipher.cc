#include "store/sql/field_cipher.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

namespace rapport {

namespace {

// The clinic of a row, through the record that owns it.
constexpr std::string_view kViaEpisode =
    "(SELECT e.clinic_id FROM episodes e WHERE e.id = t.episode_id)";
constexpr std::string_view kOwnClinic = "t.clinic_id";

std::vector<SealedColumn> MakeSealedColumns() {
  const std::vector<std::string_view> id = {"id"};
  return {
      {Field::kResponseAnswers,
       "responses",
       "answers",
       {"episode_id", "respondent_user_id", "instrument", "submitted_at"},
       id,
       kViaEpisode},
      {Field::kDraftAnswers,
       "feedback_drafts",
       "answers_json",
       {"episode_id", "author_id"},
       {"episode_id", "author_id"},
       kViaEpisode},
      {Field::kAlertAcknowledgeNote,
       "alerts",
       "acknowledge_note",
       {"episode_id", "rule_id", "raised_at"},
       id,
       kOwnClinic},
      {Field::kAlertResolveNote,
       "alerts",
       "resolve_note",
       {"episode_id", "rule_id", "raised_at"},
       id,
       kOwnClinic},
      {Field::kPlanContent,
       "plan_versions",
       "content_json",
       {"episode_id", "number"},
       id,
       kViaEpisode},
      {Field::kPlanClientComment,
       "plan_versions",
       "client_comment",
       {"episode_id", "number"},
       id,
       kViaEpisode},
      {Field::kPlanEventPayload,
       "plan_events",
       "payload_json",
       {"episode_id", "kind", "subject", "actor_id", "at"},
       id,
       kViaEpisode},
      {Field::kRequestNote,
       "appointment_requests",
       "note",
       {"appointment_id", "requested_by", "created_at"},
       id,
       kOwnClinic},
      {Field::kRequestReply,
       "appointment_requests",
       "reply",
       {"appointment_id", "requested_by", "created_at"},
       id,
       kOwnClinic},
      {Field::kGuardianException,
       "guardian_links",
       "exception_reason",
       {"guardian_id", "child_id"},
       id,
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.child_id)"},
      {Field::kGuardianConsentNote,
       "guardian_links",
       "consent_note",
       {"guardian_id", "child_id"},
       id,
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.child_id)"},
      {Field::kMessageBody,
       "episode_messages",
       "sealed",
       {"clinic_id", "episode_id", "sender_id", "sent_at"},
       id,
       kOwnClinic},
      {Field::kClientPreferences,
       "client_preferences",
       "preferences",
       {"client_id"},
       {"client_id"},
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.client_id)"},
      {Field::kFirstStepBrings,
       "first_steps",
       "brings",
       {"client_id"},
       {"client_id"},
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.client_id)"},
      {Field::kFirstStepHopes,
       "first_steps",
       "hopes",
       {"client_id"},
       {"client_id"},
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.client_id)"},
      {Field::kFirstStepWorries,
       "first_steps",
       "worries",
       {"client_id"},
       {"client_id"},
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.client_id)"},
      {Field::kEndingWords,
       "episode_endings",
       "words",
       {"episode_id"},
       {"episode_id"},
       kViaEpisode},
      {Field::kNoteSections, "session_notes", "sections", {"appointment_id"}, id, kViaEpisode},
      {Field::kAddendumText,
       "note_addenda",
       "text",
       {"note_id", "author_id", "created_at"},
       id,
       "(SELECT e.clinic_id FROM session_notes n JOIN episodes e ON e.id = n.episode_id "
       "WHERE n.id = t.note_id)"},
      {Field::kChangeReason,
       "therapist_changes",
       "reason",
       {"episode_id", "requested_by", "requested_at"},
       id,
       kOwnClinic},
      {Field::kChangeToOutside,
       "therapist_changes",
       "to_outside",
       {"episode_id", "requested_by", "requested_at"},
       id,
       kOwnClinic},
      {Field::kChangePacket,
       "therapist_changes",
       "packet",
       {"episode_id", "requested_by", "requested_at"},
       id,
       kOwnClinic},
      {Field::kRuptureWhatHappened,
       "ruptures",
       "what_happened",
       {"episode_id", "noted_by", "noted_at"},
       id,
       kViaEpisode},
      {Field::kRuptureWhatWasSaid,
       "ruptures",
       "what_was_said",
       {"episode_id", "noted_by", "noted_at"},
       id,
       kViaEpisode},
      {Field::kRuptureWhatChanges,
       "ruptures",
       "what_changes",
       {"episode_id", "noted_by", "noted_at"},
       id,
       kViaEpisode},
      {Field::kStandingCourtOrder,
       "guardian_standings",
       "court_order",
       {"link_id"},
       {"link_id"},
       "(SELECT u.clinic_id FROM guardian_links l JOIN users u ON u.id = l.child_id "
       "WHERE l.id = t.link_id)"},
      {Field::kStandingContactNote,
       "guardian_standings",
       "contact_note",
       {"link_id"},
       {"link_id"},
       "(SELECT u.clinic_id FROM guardian_links l JOIN users u ON u.id = l.child_id "
       "WHERE l.id = t.link_id)"},
      {Field::kConsentNote,
       "care_consents",
       "note",
       {"child_id", "kind", "recorded_by", "recorded_at"},
       id,
       "(SELECT u.clinic_id FROM users u WHERE u.id = t.child_id)"},
      {Field::kDisclosureReason,
       "safety_disclosures",
       "reason",
       {"episode_id", "item_key", "disclosed_by", "disclosed_at"},
       id,
       kViaEpisode},
      // An e-mail's words may carry a person's (the answer to a request, where care continues).
      {Field::kNotificationBody,
       "notifications",
       "body",
       {"clinic_id", "recipient_id", "channel", "reason", "created_at"},
       id,
       kOwnClinic},
  };
}

}  // namespace

std::span<const SealedColumn> SealedColumns() {
  static const std::vector<SealedColumn> columns = [] {
    std::vector<SealedColumn> made = MakeSealedColumns();
    // Sealed() indexes by Field: the table is in Field's order, one column each.
    for (std::size_t i = 0; i < made.size(); ++i) {
      if (static_cast<std::size_t>(made[i].field) != i) std::abort();
    }
    return made;
  }();
  return columns;
}

const SealedColumn& Sealed(Field field) {
  return SealedColumns()[static_cast<std::size_t>(field)];
}

std::string FieldContext(const SealedColumn& column, std::span<const std::string> owner) {
  std::string context = fmt::format("rapport field v1\n{}.{}\n", column.table, column.column);
  for (std::size_t i = 0; i < column.owner.size(); ++i) {
    const std::string_view value = i < owner.size() ? std::string_view(owner[i]) : "";
    // The length first, so that no two lists of values make the same text.
    context += fmt::format("{}={}:{}\n", column.owner[i], value.size(), value);
  }
  return context;
}

std::string NameField(const SealedColumn& column, std::span<const std::string> owner) {
  std::string named = fmt::format("{}.{} of", column.table, column.column);
  for (std::size_t i = 0; i < column.owner.size(); ++i) {
    named += fmt::format("{} {}={}", i == 0 ? "" : ",", column.owner[i],
                         i < owner.size() ? owner[i] : std::string());
  }
  return named;
}

std::optional<std::int64_t> SealedKeyId(std::string_view stored) {
  if (!stored.starts_with(kSealedPrefix)) return std::nullopt;
  const std::string_view rest = stored.substr(kSealedPrefix.size());
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, id);
  if (ec != std::errc{} || end != rest.data() + dot || id <= 0) return std::nullopt;
  return id;
}

bool IsSealedValue(std::string_view stored) {
  return SealedKeyId(stored).has_value();
}

std::string_view SealedPart(std::string_view stored) {
  if (!IsSealedValue(stored)) return {};
  const std::string_view rest = stored.substr(kSealedPrefix.size());
  return rest.substr(rest.find('.') + 1);
}

std::string FormatSealed(std::int64_t key_id, std::string_view sealed) {
  return fmt::format("{}{}.{}", kSealedPrefix, key_id, sealed);
}

}  // namespace rapport
