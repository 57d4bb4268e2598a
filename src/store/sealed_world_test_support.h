#pragma once
// For the backends' tests of encryption at rest (store/sql/field_cipher.h): writes a distinctive
// phrase into every sealed field of a clinic's record through the Store's own operations, and
// reads every one of them back. Each backend then looks at its raw storage (SQLite's file, a
// PostgreSQL connection of its own) for the phrase. Header-only; include from one .cc per test
// binary.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/notes.h"
#include "store/store.h"

namespace rapport {

// The records the sealed fields were written into.
struct SealedWorld {
  ClinicId clinic = 0;
  UserId therapist = 0, client = 0, guardian = 0;
  EpisodeId episode = 0;
  AppointmentId appointment = 0;
  GuardianLinkId link = 0;
  AlertId alert = 0;
  ResponseId response = 0;
  AppointmentRequestId request = 0;
  TherapistChangeId change = 0;
  RuptureId rupture = 0;
  PlanEventId event = 0;
};

// `marker` in several places of one text, as a client or therapist would write it.
// The audit entry a key rotation writes with it (service/key_service.h makes the real one).
inline AuditEntry KeyRotationEntry(ClinicId clinic, Timestamp at) {
  AuditEntry entry;
  entry.at = at;
  entry.clinic_id = clinic;
  entry.actor_role = "system";
  entry.action = "rotate_data_key";
  entry.record_type = "clinic";
  entry.record_id = std::to_string(clinic);
  entry.source = "cli";
  return entry;
}

inline std::string Words(std::string_view marker, std::string_view where) {
  return fmt::format("About {}: {} (and {} again)", where, marker, marker);
}

// A clinic with a therapist, a client and a guardian, and one of every record with free text,
// each field holding Words(marker, ...). Written in one write, at `t0`.
inline Result<SealedWorld> WriteEverySealedField(Store& store, std::string_view marker,
                                                 Timestamp t0, std::string_view email_tag = "") {
  SealedWorld w;
  const auto email = [&](std::string_view who) {
    return fmt::format("{}{}@example.org", who, email_tag);
  };
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(w.clinic, txn.InsertClinic(Clinic{0, "Sealed Clinic", {}}));
    NewUser u;
    u.clinic_id = w.clinic;
    u.created_at = t0;
    u.email = email("therapist");
    u.display_name = "Therapist";
    u.role = Role::kTherapist;
    RAPPORT_ASSIGN_OR_RETURN(w.therapist, txn.InsertUser(u));
    u.email = email("client");
    u.display_name = "Client";
    u.role = Role::kClient;
    RAPPORT_ASSIGN_OR_RETURN(w.client, txn.InsertUser(u));
    u.email = email("guardian");
    u.display_name = "Guardian";
    u.role = Role::kGuardian;
    RAPPORT_ASSIGN_OR_RETURN(w.guardian, txn.InsertUser(u));
    Episode e;
    e.clinic_id = w.clinic;
    e.client_id = w.client;
    e.therapist_id = w.therapist;
    e.status = EpisodeStatus::kActive;
    e.started_at = t0;
    RAPPORT_ASSIGN_OR_RETURN(w.episode, txn.InsertEpisode(e));
    RAPPORT_ASSIGN_OR_RETURN(
        w.appointment, txn.InsertAppointment(Appointment{0, w.episode, t0, 50, Modality::kVideo,
                                                         AppointmentStatus::kCompleted}));

    // Answers, the draft and the alert's notes.
    FeedbackResponse r;
    r.episode_id = w.episode;
    r.appointment_id = w.appointment;
    r.instrument = "RAPPORT-CHECK";
    r.instrument_version = "1";
    r.respondent = Respondent::kClient;
    r.respondent_user_id = w.client;
    r.submitted_at = t0 + 1;
    r.answers_json = Json{{"comment", Words(marker, "the session")}}.dump();
    RAPPORT_ASSIGN_OR_RETURN(w.response, txn.InsertResponse(r));
    FeedbackDraft d;
    d.episode_id = w.episode;
    d.author_id = w.client;
    d.answers_json = Json{{"RAPPORT-CHECK/comment", Words(marker, "the draft")}}.dump();
    d.updated_at = t0 + 2;
    RAPPORT_RETURN_IF_ERROR(txn.PutFeedbackDraft(d));
    FeedbackAlert a;
    a.episode_id = w.episode;
    a.clinic_id = w.clinic;
    a.response_id = w.response;
    a.rule_id = "rapport-low";
    a.kind = AlertKind::kRisk;
    a.severity = Severity::kHigh;
    a.title = "Rule title";
    a.explanation = "Rule explanation";
    a.next_step = "Rule next step";
    a.raised_at = t0 + 3;
    RAPPORT_ASSIGN_OR_RETURN(w.alert, txn.InsertAlert(a));
    a.id = w.alert;
    a.state = AlertState::kResolved;
    a.acknowledged_by = w.therapist;
    a.acknowledged_at = t0 + 4;
    a.acknowledge_note = Words(marker, "acknowledging");
    a.resolved_by = w.therapist;
    a.resolved_at = t0 + 5;
    a.resolve_note = Words(marker, "resolving");
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAlertState(a));

    // The plan, its client comment and an event.
    PlanVersion v;
    v.episode_id = w.episode;
    v.number = 1;
    v.status = PlanVersionStatus::kAgreed;
    v.content_json = Json{{"summary", Words(marker, "the plan")}}.dump();
    v.content_hash = Blake2b256Hex(v.content_json);
    v.created_by = w.therapist;
    v.created_at = t0;
    v.updated_at = t0 + 6;
    v.client_comment = Words(marker, "the client's comment");
    RAPPORT_RETURN_IF_ERROR(txn.InsertPlanVersion(v));
    PlanEvent ev;
    ev.episode_id = w.episode;
    ev.kind = PlanEventKind::kThoughtRecord;
    ev.subject = "g1";
    ev.payload_json = Json{{"thought", Words(marker, "a thought record")}}.dump();
    ev.actor_id = w.client;
    ev.at = t0 + 7;
    RAPPORT_ASSIGN_OR_RETURN(w.event, txn.InsertPlanEvent(ev));

    // A request to move the appointment, and its answer.
    AppointmentRequest req;
    req.clinic_id = w.clinic;
    req.appointment_id = w.appointment;
    req.requested_by = w.client;
    req.kind = ChangeKind::kMove;
    req.note = Words(marker, "the request");
    req.created_at = t0 + 8;
    RAPPORT_ASSIGN_OR_RETURN(w.request, txn.InsertAppointmentRequest(req));
    req.id = w.request;
    req.state = RequestState::kDeclined;
    req.decided_by = w.therapist;
    req.decided_at = t0 + 9;
    req.reply = Words(marker, "the reply");
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointmentRequest(req));

    // The guardian: link, standing, consent and a disclosure.
    GuardianLink link;
    link.guardian_id = w.guardian;
    link.child_id = w.client;
    link.requested_by = w.therapist;
    link.requested_at = t0;
    link.exception_reason = Words(marker, "the exception");
    RAPPORT_ASSIGN_OR_RETURN(w.link, txn.InsertGuardianLink(link));
    link.id = w.link;
    link.accepted_at = t0 + 1;
    link.consent_recorded_by = w.therapist;
    link.consent_recorded_at = t0 + 2;
    link.consent_note = Words(marker, "consent to share");
    RAPPORT_RETURN_IF_ERROR(txn.UpdateGuardianLink(link));
    GuardianStanding standing;
    standing.link_id = w.link;
    standing.authority = LegalAuthority::kLimitedByCourtOrder;
    standing.court_order = Words(marker, "the court order");
    standing.contact_channel = ContactChannel::kPhone;
    standing.contact_note = Words(marker, "how to reach them");
    standing.updated_by = w.therapist;
    standing.updated_at = t0 + 3;
    RAPPORT_RETURN_IF_ERROR(txn.PutGuardianStanding(standing));
    CareConsent consent;
    consent.child_id = w.client;
    consent.kind = ConsentKind::kGuardianConsent;
    consent.guardian_link_id = w.link;
    consent.given_on = "2026-09-01";
    consent.renew_by = "2027-09-01";
    consent.note = Words(marker, "the consent");
    consent.recorded_by = w.therapist;
    consent.recorded_at = t0 + 4;
    RAPPORT_RETURN_IF_ERROR(txn.InsertCareConsent(consent));
    SafetyDisclosure disclosure;
    disclosure.episode_id = w.episode;
    disclosure.guardian_link_id = w.link;
    disclosure.item_key = "p1";
    disclosure.reason = Words(marker, "why safety requires it");
    disclosure.disclosed_by = w.therapist;
    disclosure.disclosed_at = t0 + 5;
    RAPPORT_RETURN_IF_ERROR(txn.InsertSafetyDisclosure(disclosure));

    // Finding a therapist: preferences and the first step.
    ClientPreferences p;
    p.client_id = w.client;
    p.identity_note = Words(marker, "identity");
    p.updated_at = t0;
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientPreferences(p));
    RAPPORT_RETURN_IF_ERROR(txn.UpsertFirstStep(
        FirstStep{w.client, Words(marker, "what brings me"), Words(marker, "what I hope"),
                  Words(marker, "what worries me"), true, t0}));

    // The session note and an addendum.
    SessionNote note;
    note.appointment_id = w.appointment;
    note.episode_id = w.episode;
    note.author_id = w.therapist;
    note.note_template = ShippedNoteTemplates()[0];
    note.sections = {{"data", Words(marker, "the data")},
                     {"assessment", Words(marker, "the assessment")},
                     {"plan", ""}};
    note.created_at = t0 + 10;
    note.updated_at = t0 + 10;
    RAPPORT_ASSIGN_OR_RETURN(const NoteId note_id, txn.InsertSessionNote(note));
    note.id = note_id;
    note.state = NoteState::kSigned;
    note.signed_at = t0 + 11;
    note.signed_by = w.therapist;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateSessionNote(note));
    RAPPORT_RETURN_IF_ERROR(txn.InsertNoteAddendum(
        NoteAddendum{0, note_id, w.therapist, Words(marker, "the addendum"), t0 + 12}));

    // A rupture and its repair.
    Rupture rupture;
    rupture.episode_id = w.episode;
    rupture.noted_by = w.therapist;
    rupture.noted_at = t0 + 13;
    rupture.note.what_happened = Words(marker, "what happened");
    RAPPORT_ASSIGN_OR_RETURN(w.rupture, txn.InsertRupture(rupture));
    RAPPORT_RETURN_IF_ERROR(txn.RecordRepair(
        w.rupture, w.therapist, t0 + 14,
        RepairNote{Words(marker, "what was said"), Words(marker, "what changes")}));

    // A referral with its handover packet, then the ending.
    TherapistChange change;
    change.clinic_id = w.clinic;
    change.episode_id = w.episode;
    change.client_id = w.client;
    change.from_therapist_id = w.therapist;
    change.kind = TherapistChangeKind::kReferral;
    change.requested_by = w.therapist;
    change.requested_at = t0 + 15;
    change.reason = Words(marker, "the referral");
    change.to_outside = Words(marker, "the service outside");
    RAPPORT_ASSIGN_OR_RETURN(w.change, txn.InsertTherapistChange(change));
    change.id = w.change;
    change.status = ChangeStatus::kConsented;
    change.consented_at = t0 + 16;
    HandoverPacket packet;
    packet.client_name = "Client";
    packet.from_therapist_name = "Therapist";
    packet.preferences = Words(marker, "the packet");
    change.packet = SharedOnly(packet, {PacketSection::kPreferences});
    RAPPORT_RETURN_IF_ERROR(txn.UpdateTherapistChange(change));
    EpisodeEnding ending;
    ending.episode_id = w.episode;
    ending.ended_by = w.therapist;
    ending.ended_at = t0 + 17;
    ending.words.reason = EndReason::kReferredOut;
    ending.words.what_helped = Words(marker, "what helped");
    ending.words.referrals = {Referral{"Service", "0300 123", Words(marker, "the referral's why")}};
    RAPPORT_RETURN_IF_ERROR(txn.InsertEpisodeEnding(ending));

    // A message, and an e-mail whose words carry the therapist's.
    RAPPORT_RETURN_IF_ERROR(txn.InsertEpisodeMessage(EpisodeMessage{
        0, w.clinic, w.episode, w.client, Words(marker, "a message"), t0 + 18, std::nullopt}));
    Notification mail;
    mail.clinic_id = w.clinic;
    mail.recipient_id = w.client;
    mail.channel = Channel::kEmail;
    mail.reason = "appointment_decision";
    mail.dedupe_key = fmt::format("sealed-world:{}", w.clinic);
    mail.address = email("client");
    mail.subject = "Rapport: an answer about your appointment";
    mail.body = Words(marker, "an e-mail");
    mail.created_at = t0 + 19;
    mail.next_attempt_at = t0 + 19;
    RAPPORT_RETURN_IF_ERROR(txn.InsertNotification(mail));
    return Ok();
  }));
  return w;
}

// Reads every field WriteEverySealedField wrote back through the store, expecting what was written.
inline void ExpectEverySealedFieldReadsBack(Store& store, const SealedWorld& w,
                                            std::string_view marker) {
  const auto words = [&](std::string_view where) { return Words(marker, where); };
  auto response = store.GetResponse(w.response);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->answers_json, Json({{"comment", words("the session")}}).dump());
  auto draft = store.GetFeedbackDraft(w.episode, w.client);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->answers_json, Json({{"RAPPORT-CHECK/comment", words("the draft")}}).dump());
  auto alert = store.GetAlert(w.alert);
  ASSERT_TRUE(alert.has_value()) << alert.error().message;
  EXPECT_EQ(alert->acknowledge_note, words("acknowledging"));
  EXPECT_EQ(alert->resolve_note, words("resolving"));
  auto version = store.GetPlanVersion(w.episode, 1);
  ASSERT_TRUE(version.has_value()) << version.error().message;
  EXPECT_EQ(version->content_json, Json({{"summary", words("the plan")}}).dump());
  EXPECT_EQ(version->client_comment, words("the client's comment"));
  auto event = store.GetPlanEvent(w.event);
  ASSERT_TRUE(event.has_value()) << event.error().message;
  EXPECT_EQ(event->payload_json, Json({{"thought", words("a thought record")}}).dump());
  auto request = store.GetAppointmentRequest(w.request);
  ASSERT_TRUE(request.has_value()) << request.error().message;
  EXPECT_EQ(request->note, words("the request"));
  EXPECT_EQ(request->reply, words("the reply"));
  auto link = store.GetGuardianLink(w.link);
  ASSERT_TRUE(link.has_value()) << link.error().message;
  EXPECT_EQ(link->exception_reason, words("the exception"));
  EXPECT_EQ(link->consent_note, words("consent to share"));
  auto standing = store.GetGuardianStanding(w.link);
  ASSERT_TRUE(standing.has_value()) << standing.error().message;
  EXPECT_EQ(standing->court_order, words("the court order"));
  EXPECT_EQ(standing->contact_note, words("how to reach them"));
  auto consents = store.ListCareConsentsOfChild(w.client);
  ASSERT_TRUE(consents.has_value()) << consents.error().message;
  ASSERT_EQ(consents->size(), 1u);
  EXPECT_EQ(consents->front().note, words("the consent"));
  auto disclosures = store.ListSafetyDisclosuresOfEpisode(w.episode);
  ASSERT_TRUE(disclosures.has_value()) << disclosures.error().message;
  ASSERT_EQ(disclosures->size(), 1u);
  EXPECT_EQ(disclosures->front().reason, words("why safety requires it"));
  auto preferences = store.GetClientPreferences(w.client);
  ASSERT_TRUE(preferences.has_value()) << preferences.error().message;
  EXPECT_EQ(preferences->identity_note, words("identity"));
  auto step = store.GetFirstStep(w.client);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->brings, words("what brings me"));
  EXPECT_EQ(step->hopes, words("what I hope"));
  EXPECT_EQ(step->worries, words("what worries me"));
  auto note = store.GetSessionNoteOfAppointment(w.appointment);
  ASSERT_TRUE(note.has_value()) << note.error().message;
  EXPECT_EQ(note->sections, (NoteSections{{"data", words("the data")},
                                          {"assessment", words("the assessment")},
                                          {"plan", ""}}));
  ASSERT_EQ(note->addenda.size(), 1u);
  EXPECT_EQ(note->addenda.front().text, words("the addendum"));
  auto rupture = store.GetRupture(w.rupture);
  ASSERT_TRUE(rupture.has_value()) << rupture.error().message;
  EXPECT_EQ(rupture->note.what_happened, words("what happened"));
  ASSERT_TRUE(rupture->repair.has_value());
  EXPECT_EQ(rupture->repair->what_was_said, words("what was said"));
  EXPECT_EQ(rupture->repair->what_changes, words("what changes"));
  auto change = store.GetTherapistChange(w.change);
  ASSERT_TRUE(change.has_value()) << change.error().message;
  EXPECT_EQ(change->reason, words("the referral"));
  EXPECT_EQ(change->to_outside, words("the service outside"));
  ASSERT_TRUE(change->packet.has_value());
  EXPECT_EQ(change->packet->preferences, words("the packet"));
  auto ending = store.GetEpisodeEnding(w.episode);
  ASSERT_TRUE(ending.has_value()) << ending.error().message;
  EXPECT_EQ(ending->words.what_helped, words("what helped"));
  ASSERT_EQ(ending->words.referrals.size(), 1u);
  EXPECT_EQ(ending->words.referrals.front().why, words("the referral's why"));
  auto messages = store.ListEpisodeMessages(w.episode);
  ASSERT_TRUE(messages.has_value()) << messages.error().message;
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(messages->front().body, words("a message"));
  auto mail = store.ListMail(w.clinic, DeliveryState::kPending, 0, 10);
  ASSERT_TRUE(mail.has_value()) << mail.error().message;
  ASSERT_EQ(mail->size(), 1u);
  EXPECT_EQ(mail->front().body, words("an e-mail"));
}

// `marker` and the forms it would take in storage written as base64 (standard and URL-safe, at
// each of the three alignments) or hexadecimal (either case): any of them found in raw bytes
// means the words are there.
inline std::vector<std::string> MarkerForms(std::string_view marker) {
  std::vector<std::string> forms = {std::string(marker)};
  static constexpr char kStandard[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto base64 = [](std::string_view bytes, bool url) {
    std::string out;
    for (std::size_t i = 0; i + 2 < bytes.size(); i += 3) {
      const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                         (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                         static_cast<unsigned char>(bytes[i + 2]);
      for (int shift = 18; shift >= 0; shift -= 6) {
        char c = kStandard[(v >> shift) & 63];
        if (url && c == '+') c = '-';
        if (url && c == '/') c = '_';
        out += c;
      }
    }
    return out;  // whole groups only: what any encoding of the bytes must contain
  };
  for (const bool url : {false, true}) {
    for (std::size_t skip = 0; skip < 3; ++skip) {
      forms.push_back(base64(marker.substr(skip), url));
    }
  }
  std::string lower;
  std::string upper;
  for (const char c : marker) {
    lower += fmt::format("{:02x}", static_cast<unsigned char>(c));
    upper += fmt::format("{:02X}", static_cast<unsigned char>(c));
  }
  forms.push_back(lower);
  forms.push_back(upper);
  return forms;
}

}  // namespace rapport
