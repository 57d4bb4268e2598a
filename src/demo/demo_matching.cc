#include "demo/demo_matching.h"

#include <fmt/format.h>

#include <array>
#include <random>
#include <string_view>
#include <utility>

#include "demo/demo_answers.h"
#include "domain/matching.h"
#include "domain/scoring.h"
#include "service/audit_log.h"
#include "service/new_episode.h"
#include "service/submission.h"

namespace rapport {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
// Its own stream, so that the rest of the clinic comes out as it always did.
constexpr std::uint32_t kSeed = 20261206;

WeeklySlot Slot(int day, int from_hour, int to_hour) {
  return WeeklySlot{day, from_hour * 60, to_hour * 60};
}

Described Shown(std::string value) {
  return Described{std::move(value), true};
}
Described Private(std::string value) {
  return Described{std::move(value), false};
}

// The three therapists' offers, in the demo's order of therapists.
std::array<TherapistOffer, 3> Offers() {
  TherapistOffer sofia;
  sofia.credentials = "Clinical psychologist (HCPC registered); CBT and play therapy";
  sofia.licence_number = "PYL04219";
  sofia.jurisdiction = "GB";
  sofia.approaches = {"cbt", "play"};
  sofia.focus_areas = {"anxiety", "depression", "child-and-family", "self-esteem"};
  sofia.languages = {"en", "sv"};
  sofia.modalities = {Modality::kInPerson, Modality::kVideo};
  sofia.at_a_distance =
      "On video I keep the first few minutes for how the week has been and how the call feels, "
      "and I check in about the connection as much as about the work. If talking gets hard we "
      "can switch to typing in the same room.";
  sofia.availability = {Slot(0, 9, 17), Slot(1, 17, 20), Slot(3, 9, 13)};
  sofia.payers = {"self-pay", "Bupa", "AXA Health"};
  sofia.fees = "£95 a session; two lower-fee places a week";
  sofia.structure = Structure::kStructured;
  sofia.direction = Directiveness::kGuided;
  sofia.identity.age_band = Shown("30s");
  sofia.identity.gender_identity = Shown("woman");
  sofia.identity.cultural_background = Shown("Swedish");
  sofia.identity.lgbtq_affirming = true;
  sofia.identity.lgbtq_affirming_shown = true;
  sofia.about =
      "I work with adults and younger children, often with worry, low mood and confidence. "
      "Sessions with me have a shape: we agree what to work on and try things out between "
      "sessions, at a pace that suits you.";

  TherapistOffer daniel;
  daniel.credentials = "Counselling psychologist (HCPC registered); ACT and mindfulness";
  daniel.licence_number = "PYL11873";
  daniel.jurisdiction = "GB";
  daniel.approaches = {"act", "cbt", "mbct"};
  daniel.focus_areas = {"anxiety", "stress", "work", "identity"};
  daniel.languages = {"en", "ja"};
  daniel.modalities = {Modality::kVideo, Modality::kPhone, Modality::kText, Modality::kInPerson};
  daniel.at_a_distance =
      "Most of my clients meet me on video or by phone. I say out loud what I would otherwise "
      "show with my face, and I ask often how it is landing, because a screen hides a lot.";
  daniel.availability = {Slot(1, 17, 21), Slot(2, 12, 18), Slot(5, 10, 13)};
  daniel.payers = {"self-pay", "Vitality"};
  daniel.fees = "£85 a session";
  daniel.structure = Structure::kEither;
  daniel.direction = Directiveness::kSelfLed;
  daniel.identity.age_band = Shown("40s");
  daniel.identity.gender_identity = Shown("man");
  daniel.identity.cultural_background = Shown("Japanese British");
  // Described but kept private: it must never reach a client or count in a match.
  daniel.identity.faith = Private("Buddhist");
  daniel.identity.lgbtq_affirming = true;
  daniel.identity.lgbtq_affirming_shown = true;
  daniel.about =
      "I help teenagers and adults with anxiety, stress at work or school, and big changes. I "
      "follow your lead and bring in exercises when they help.";

  TherapistOffer priya;
  priya.credentials = "Clinical social worker (Social Work England); EMDR and systemic practice";
  priya.licence_number = "SW90412";
  priya.jurisdiction = "GB";
  priya.approaches = {"emdr", "person-centred", "systemic"};
  priya.focus_areas = {"trauma", "grief", "relationships", "depression"};
  priya.languages = {"en", "ta", "hi"};
  priya.modalities = {Modality::kInPerson, Modality::kVideo};
  priya.at_a_distance =
      "Over video we start and end each session the same way, so that it has edges even at "
      "home, and we agree what to do if the call drops at a difficult moment.";
  priya.availability = {Slot(1, 18, 20), Slot(3, 16, 20)};
  priya.payers = {"self-pay", "Bupa"};
  priya.fees = "£90 a session";
  priya.structure = Structure::kOpen;
  priya.direction = Directiveness::kEither;
  priya.identity.age_band = Shown("50s");
  priya.identity.gender_identity = Shown("woman");
  priya.identity.cultural_background = Shown("Tamil");
  priya.about =
      "I work with grief, relationships and rebuilding after difficult years, at your pace and "
      "with room for the people and places you come from.";
  return {sofia, daniel, priya};
}

// Kai knows what he is looking for: video or phone, evenings or a Wednesday lunchtime, help with
// anxiety and work, and someone who follows his lead.
ClientPreferences KaiPreferences(UserId id, Timestamp now) {
  ClientPreferences p;
  p.client_id = id;
  p.needs.jurisdiction = "GB";
  p.needs.payer = "self-pay";
  p.needs.modalities = {Modality::kVideo, Modality::kPhone};
  p.needs.languages = {"en"};
  p.needs.times = {Slot(1, 18, 21), Slot(2, 12, 15)};
  p.wishes.focus_areas = {"anxiety", "work"};
  p.wishes.focus_weight = 2;
  p.wishes.approach = Wish{"act", 1};
  p.identity_note = "I'd like someone who gets that my family's expectations are part of this.";
  p.direction = Directiveness::kSelfLed;
  p.updated_at = now - 2 * kDay;
  return p;
}

constexpr std::array<std::string_view, 12> kFirstNames = {
    "Alex", "Bea", "Chris", "Dana", "Eli", "Fern", "Gus", "Hollis", "Imani", "Jude", "Kit", "Lou"};
constexpr std::array<std::string_view, 9> kLastNames = {
    "Ashby", "Brook", "Carver", "Dunn", "Ellery", "Frost", "Gale", "Hart", "Irving"};

// How each therapist's former clients tended to do in each domain: points of improvement on
// average (PHQ-9 for depression, GAD-7 for anxiety). Made up, and different enough that the
// report has something to show once shrunk.
struct Tendency {
  double depression;
  double anxiety;
};
constexpr std::array<Tendency, 3> kTendencies{{{5.0, 6.5}, {4.0, 7.0}, {7.0, 4.0}}};

Status SeedFormerClients(WriteTxn& txn, const Actor& system, const DemoMatchingInput& input,
                         const InstrumentCatalog& catalog, DemoSummary& summary) {
  const Instrument* phq9 = catalog.Find("PHQ-9");
  const Instrument* gad7 = catalog.Find("GAD-7");
  if (phq9 == nullptr || gad7 == nullptr) {
    return Fail(Error::Internal("a shipped questionnaire is missing"));
  }
  std::mt19937 random(kSeed);
  std::normal_distribution<double> spread(0.0, 3.5);
  int n = 0;
  for (std::size_t t = 0; t < input.therapists.size(); ++t) {
    for (int i = 0; i < kDemoFormerClientsPerTherapist; ++i, ++n) {
      const std::string name =
          fmt::format("{} {}", kFirstNames[static_cast<std::size_t>(n) % kFirstNames.size()],
                      kLastNames[static_cast<std::size_t>(n / 4) % kLastNames.size()]);
      const std::string email = fmt::format("former.{:02}@demo.rapport", n + 1);
      const Timestamp ended = input.now - (20 + 3 * i + static_cast<int>(t)) * kWeek;
      // One in seven came only once or twice (a dropout, with no second measure); the others
      // three to fourteen times.
      const int sessions =
          i % 7 == 3 ? 1 + static_cast<int>(random() % 2) : 3 + static_cast<int>(random() % 12);
      const Timestamp started = ended - sessions * kWeek;
      RAPPORT_ASSIGN_OR_RETURN(
          const UserId id, txn.InsertUser(NewUser{input.clinic_id, email, name, Role::kClient, "",
                                                  started - kWeek, true}));
      // Their care has ended and their accounts are closed; their outcomes stay the clinic's.
      RAPPORT_RETURN_IF_ERROR(txn.SetUserActive(id, false));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, input.now, "create", "user", audit::Id(id)));
      const ClientProfile profile{id, "", "", ""};
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(profile));
      RAPPORT_ASSIGN_OR_RETURN(
          Episode episode,
          OpenIntakeEpisode(txn, system, id, input.therapists[t], profile, started));
      RAPPORT_RETURN_IF_ERROR(txn.UpdateEpisodeStatus(episode.id, EpisodeStatus::kEnded, ended));
      // Why it ended: those who came once or twice stopped on their own; the rest, mostly
      // finished as agreed.
      EpisodeEnding ending{episode.id, input.therapists[t], ended, {}};
      ending.words.reason = sessions < 3 ? EndReason::kClientChoseToStop
                            : i % 5 == 1 ? EndReason::kMutualAgreement
                                         : EndReason::kGoalsMet;
      RAPPORT_RETURN_IF_ERROR(txn.InsertEpisodeEnding(ending));
      ++summary.episodes;
      std::vector<AppointmentId> held;
      for (int s = 0; s < sessions; ++s) {
        Appointment a{0,  episode.id,          started + s * kWeek + 10 * kHour,
                      50, Modality::kInPerson, AppointmentStatus::kCompleted};
        RAPPORT_ASSIGN_OR_RETURN(a.id, txn.InsertAppointment(a));
        held.push_back(a.id);
        ++summary.appointments;
      }
      const bool depression = i % 2 == 0;
      const Instrument& instrument = depression ? *phq9 : *gad7;
      const double baseline = depression ? 13 + random() % 8 : 11 + random() % 7;
      const Tendency& tendency = kTendencies[t];
      // Fewer sessions, less change: a short course seldom moves much.
      const double dose = std::min(1.0, sessions / 8.0);
      double latest = std::max(
          0.0, baseline -
                   dose * ((depression ? tendency.depression : tendency.anxiety) + spread(random)));
      // Now and then therapy coincides with things getting worse.
      if (i % 9 == 5) latest = baseline + 6 + static_cast<double>(random() % 3);
      // The baseline at the first session and the latest at the last one; a client who came
      // only once or twice has no second measure. Answers between are not written, so that the
      // clinic's expected course stays the questionnaire's norm (there is nothing at session 1).
      std::vector<std::pair<double, int>> points{{baseline, 0}};
      if (sessions >= 3) points.emplace_back(latest, sessions - 1);
      for (const auto& [target, session] : points) {
        const Answers answers = AnswersNear(instrument, target, random);
        RAPPORT_ASSIGN_OR_RETURN(const ScoreResult score,
                                 Score(instrument, answers, Completeness::kRequireRequired));
        const Timestamp at = started + session * kWeek + 11 * kHour;
        const FeedbackResponse r =
            ResponseRecord({episode.id, held[static_cast<std::size_t>(session)],
                            Respondent::kClient, id, at, session},
                           instrument, AnswersToJson(answers).dump(), score);
        RAPPORT_ASSIGN_OR_RETURN(const ResponseId response, txn.InsertResponse(r));
        ++summary.responses;
        RAPPORT_RETURN_IF_ERROR(
            audit::Append(txn, system, input.now, "submit", "response", audit::Id(response)));
      }
    }
  }
  return Ok();
}

}  // namespace

Status SeedMatching(WriteTxn& txn, const Actor& system, const DemoMatchingInput& input,
                    const InstrumentCatalog& catalog, DemoSummary& summary) {
  std::array<TherapistOffer, 3> offers = Offers();
  for (std::size_t t = 0; t < offers.size() && t < input.therapists.size(); ++t) {
    TherapistOffer& offer = offers[t];
    offer.therapist_id = input.therapists[t];
    offer.updated_at = input.now - 40 * kDay;
    // The admin checked two licences last month; the third waits for them.
    if (t < 2) {
      offer.licence_verified_at = input.now - 30 * kDay;
      offer.licence_verified_by = input.admin_id;
    }
    RAPPORT_ASSIGN_OR_RETURN(offer, ValidateOffer(std::move(offer)));
    RAPPORT_RETURN_IF_ERROR(txn.UpsertTherapistOffer(offer));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, input.now, "update", "therapist_offer",
                                          audit::Id(offer.therapist_id)));
  }

  const std::array<std::pair<std::string_view, std::string_view>, 2> waiting{
      {{kDemoWaitingClient, "River Jones"}, {kDemoMatchedClient, "Kai Brennan"}}};
  for (const auto& [email, name] : waiting) {
    RAPPORT_ASSIGN_OR_RETURN(
        const UserId id,
        txn.InsertUser(NewUser{input.clinic_id, std::string(email), std::string(name),
                               Role::kClient, input.password_hash, input.now - 3 * kDay, true}));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, input.now, "create", "user", audit::Id(id)));
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{id, "", "", "GB"}));
    summary.accounts.push_back({std::string(email), std::string(name), Role::kClient});
    if (email == kDemoMatchedClient) {
      RAPPORT_ASSIGN_OR_RETURN(const ClientPreferences preferences,
                               ValidatePreferences(KaiPreferences(id, input.now)));
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientPreferences(preferences));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, input.now, "update", "client_preferences", audit::Id(id)));
    }
  }
  return SeedFormerClients(txn, system, input, catalog, summary);
}

}  // namespace rapport
