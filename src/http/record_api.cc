#include "http/record_api.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/local_time.h"
#include "core/pdf.h"
#include "domain/catalog.h"
#include "domain/scoring.h"
#include "http/fhir.h"
#include "http/fhir_plan.h"
#include "http/route_support.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "service/record_service.h"

namespace rapport {

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kDash = "\u2014";  // an em dash; WinAnsi has it
constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// --- Words ---------------------------------------------------------------------------------------

// The wall time of `t` in the clinic's zone (UTC when the system does not know the zone).
LocalTime Local(Timestamp t, const std::string& zone) {
  auto local = ToLocalTime(t, zone);
  if (!local) local = ToLocalTime(t, "UTC");
  return local.value_or(LocalTime{});
}

// "1 June 2026"
std::string Day(Timestamp t, const std::string& zone) {
  const LocalTime local = Local(t, zone);
  return fmt::format("{} {} {}", local.day, kMonths[static_cast<std::size_t>(local.month - 1)],
                     local.year);
}

// "1 June 2026 at 09:30"
std::string DayAndTime(Timestamp t, const std::string& zone) {
  const LocalTime local = Local(t, zone);
  return fmt::format("{} at {:02}:{:02}", Day(t, zone), local.minute_of_day / 60,
                     local.minute_of_day % 60);
}

// How an episode ended, said to the client.
std::string_view EndedWords(EndReason reason) {
  switch (reason) {
    case EndReason::kGoalsMet: return "You reached the goals you set together.";
    case EndReason::kMutualAgreement: return "You and your therapist agreed it was time to end.";
    case EndReason::kClientChoseToStop: return "You chose to stop.";
    case EndReason::kNoContact:
      return "The clinic could not reach you for a while, so this course was closed.";
    case EndReason::kTransferred: return "You moved to another therapist at the clinic.";
    case EndReason::kReferredOut: return "You were referred to care outside the clinic.";
    case EndReason::kOther: return "It ended for another reason, written below.";
  }
  return "It ended.";
}

std::string_view StatusWords(EpisodeStatus status) {
  switch (status) {
    case EpisodeStatus::kIntake: return "Getting started";
    case EpisodeStatus::kActive: return "Under way";
    case EpisodeStatus::kEnded: return "Ended";
  }
  return "";
}

// "2027-09-01" as "1 September 2027"; other text as it is.
std::string DateWords(const std::string& date) {
  const auto number = [&](std::size_t from, std::size_t length) {
    int value = 0;
    const char* first = date.data() + from;
    const auto [end, ec] = std::from_chars(first, first + length, value);
    return ec == std::errc() && end == first + length ? value : -1;
  };
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return date;
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return date;
  return fmt::format("{} {} {}", day, kMonths[static_cast<std::size_t>(month - 1)], year);
}

// Where a version of the plan stands, with its date; `open` while the episode goes on.
std::string VersionWords(const PlanVersion& v, bool open, const std::string& zone) {
  const Timestamp proposed = v.proposed_at.value_or(v.updated_at);
  const Timestamp decided = v.decided_at.value_or(proposed);
  switch (v.status) {
    case PlanVersionStatus::kDraft: return "a draft";
    case PlanVersionStatus::kProposed:
      return fmt::format("proposed to you on {}, waiting for your answer", Day(proposed, zone));
    case PlanVersionStatus::kChangesRequested:
      return fmt::format("proposed on {}; you asked for changes on {}", Day(proposed, zone),
                         Day(decided, zone));
    case PlanVersionStatus::kDeclined:
      return fmt::format("proposed on {}; you said no to it on {}", Day(proposed, zone),
                         Day(decided, zone));
    case PlanVersionStatus::kWithdrawn:
      return fmt::format("proposed on {}; taken back by your therapist on {} to be corrected",
                         Day(proposed, zone), Day(decided, zone));
    case PlanVersionStatus::kAgreed:
      return fmt::format("agreed on {}{}", Day(decided, zone),
                         open ? ": the plan you are working to now" : "");
    case PlanVersionStatus::kSuperseded:
      return fmt::format("agreed on {}, later replaced by a newer version", Day(decided, zone));
  }
  return "";
}

std::string_view ComparatorWords(Comparator comparator) {
  switch (comparator) {
    case Comparator::kBelow: return "below";
    case Comparator::kAtMost: return "at most";
    case Comparator::kAbove: return "above";
    case Comparator::kAtLeast: return "at least";
  }
  return "";
}

std::string PlainTitle(const InstrumentCatalog& catalog, const std::string& code) {
  const Instrument* instrument = catalog.Find(code);
  return instrument != nullptr ? instrument->PlainTitle() : code;
}

std::string BenchmarkWords(const Benchmark& b, const InstrumentCatalog& catalog) {
  if (b.kind == BenchmarkKind::kQuestionnaire) {
    return fmt::format("your score on \"{}\" {} {}", PlainTitle(catalog, b.instrument),
                       ComparatorWords(b.comparator), FormatScore(b.target));
  }
  return fmt::format("what you expect to see: {}", b.levels[2]);
}

// "1 June 2026 — Your mood: 16 (moderately severe)"
std::string AnswerWords(const RecordAnswer& a, const std::string& zone) {
  const FeedbackResponse& r = a.response;
  std::string text = fmt::format("{} {} {}: ", Day(r.submitted_at, zone), kDash, a.title);
  if (r.total) {
    text += FormatScore(*r.total);
    if (!r.band.empty()) text += fmt::format(" ({})", r.band);
  } else {
    text += "answered";
  }
  if (r.respondent != Respondent::kClient) text += fmt::format(", answered by {}", a.answered_by);
  return text;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

// A questionnaire in everyday words, as the client's summary page says it: where it started,
// where it is now, which way is better, and whether the change is more than the week-to-week
// wobble (reliable change, never named).
std::string MeasureForClient(const MeasureSummary& m) {
  const std::string scale =
      fmt::format("out of {}; {} is better", FormatScore(m.max),
                  m.direction == Direction::kHigherIsWorse ? "lower" : "higher");
  if (m.answers == 1) {
    return fmt::format("{} was answered once: {} ({}).", m.title, FormatScore(m.first), scale);
  }
  const std::string change = !m.change                ? ""
                             : m.change->improved     ? " That is a real improvement."
                             : m.change->deteriorated ? " That is a real change for the worse."
                                                      : "";
  return fmt::format("{} went from {} to {} over {} answers ({}).{}", m.title, FormatScore(m.first),
                     FormatScore(m.last), m.answers, scale, change);
}

std::vector<std::string> MeasureLines(const std::vector<MeasureSummary>& measures) {
  std::vector<std::string> out;
  for (const MeasureSummary& m : measures) {
    if (m.answers > 0) out.push_back(MeasureForClient(m));
  }
  return out;
}

std::vector<std::string> GoalLines(const std::vector<GoalSummary>& goals) {
  std::vector<std::string> out;
  for (const GoalSummary& g : goals) {
    std::string achievement(Display(g.achievement));
    if (!achievement.empty()) {
      achievement[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(achievement[0])));
    }
    out.push_back(fmt::format("{}: {}", g.description, achievement));
  }
  return out;
}

std::vector<std::string> ReferralLines(const std::vector<Referral>& referrals) {
  std::vector<std::string> out;
  for (const Referral& r : referrals) {
    std::string line = r.name;
    if (!r.contact.empty()) line += fmt::format(" ({})", r.contact);
    if (!r.why.empty()) line += fmt::format(": {}", r.why);
    out.push_back(std::move(line));
  }
  return out;
}

// A titled part of a summary or a handover, for both the PDF and the FHIR Composition: its lines,
// each shown on its own.
struct Part {
  std::string title;
  std::vector<std::string> lines;
};

void AddPart(std::vector<Part>& parts, std::string title, std::vector<std::string> lines) {
  if (!lines.empty()) parts.push_back(Part{std::move(title), std::move(lines)});
}
void AddPart(std::vector<Part>& parts, std::string title, const std::string& text) {
  if (!text.empty()) parts.push_back(Part{std::move(title), {text}});
}

std::vector<Part> SummaryParts(const DischargeSummary& s) {
  std::vector<Part> parts;
  AddPart(parts, "Sessions you came to", std::to_string(s.sessions_attended));
  AddPart(parts, "How your answers changed", MeasureLines(s.measures));
  AddPart(parts, "Your goals", GoalLines(s.goals));
  if (s.words) {
    const EndingWords& w = *s.words;
    AddPart(parts, "Looking back", w.ending_note);
    AddPart(parts, "What helped", w.what_helped);
    AddPart(parts, "What helped less", w.what_did_not);
    AddPart(parts, "Early signs to watch for", w.relapse_signs);
    AddPart(parts, "If things start to slip", w.if_it_returns);
    AddPart(parts, "Other places to turn to", ReferralLines(w.referrals));
  }
  AddPart(parts, "Where to get help", s.where_to_get_help);
  return parts;
}

std::vector<Part> HandoverParts(const RecordHandover& h, const std::string& zone) {
  const HandoverPacket& p = h.packet;
  std::vector<Part> parts;
  AddPart(parts, "Shared on", Day(h.consented_at, zone));
  AddPart(parts, "Shared with", h.shared_with);
  if (p.shared.empty()) {
    AddPart(parts, "What you shared", std::string("Only your name."));
  }
  if (p.shared.contains(PacketSection::kPlan)) AddPart(parts, "Your goals", GoalLines(p.goals));
  if (p.shared.contains(PacketSection::kMeasures)) {
    AddPart(parts, "How your answers changed", MeasureLines(p.measures));
  }
  if (p.shared.contains(PacketSection::kWhatHelped)) {
    AddPart(parts, "What helped", p.what_helped);
    AddPart(parts, "What helped less", p.what_did_not);
  }
  if (p.shared.contains(PacketSection::kPreferences)) {
    AddPart(parts, "What you would like from your next therapist", p.preferences);
  }
  return parts;
}

// --- The PDF
// ---------------------------------------------------------------------------------------

void PdfParts(PdfDocument& pdf, const std::vector<Part>& parts) {
  for (const Part& part : parts) pdf.Line(part.title, Joined(part.lines));
}

void PdfPlan(PdfDocument& pdf, const RecordEpisode& e, const InstrumentCatalog& catalog,
             const std::string& zone) {
  if (e.plan_versions.empty()) return;
  pdf.Heading("Your treatment plan");
  for (const RecordPlanVersion& v : e.plan_versions) {
    const PlanContent& c = v.content;
    pdf.Line(fmt::format("Version {}", v.version.number),
             VersionWords(v.version, e.episode.status != EpisodeStatus::kEnded, zone));
    if (!c.summary.empty()) pdf.Line("In short", c.summary);
    for (const Problem& p : c.problems) pdf.Line("What you want help with", p.client_words);
    for (const Goal& g : c.goals) {
      std::string goal = g.description;
      if (!g.due_date.empty()) goal += fmt::format(" (by {})", DateWords(g.due_date));
      pdf.Line("Goal", goal);
      for (const Benchmark& b : g.benchmarks) {
        pdf.Line("How you will both know", BenchmarkWords(b, catalog));
      }
    }
    if (!v.version.client_comment.empty()) pdf.Line("What you said", v.version.client_comment);
    std::vector<std::string> agreed;
    for (const RecordSignature& s : v.signatures) {
      agreed.push_back(fmt::format("{} on {}", s.name, Day(s.signed_at, zone)));
    }
    if (!agreed.empty()) pdf.Line("Signed by", Joined(agreed));
    pdf.Gap();
  }
}

void PdfEpisode(PdfDocument& pdf, const RecordEpisode& e, const InstrumentCatalog& catalog,
                const std::string& zone) {
  pdf.Heading(fmt::format("Your therapy with {}", e.therapist_name));
  pdf.Line("Therapist", e.therapist_name);
  pdf.Line("Started", Day(e.episode.started_at, zone));
  if (e.episode.status == EpisodeStatus::kEnded) {
    const std::optional<Timestamp> ended =
        e.ending ? std::optional<Timestamp>(e.ending->ended_at) : e.episode.ended_at;
    if (ended) pdf.Line("Ended", Day(*ended, zone));
    pdf.Line("How it ended", e.ending ? std::string(EndedWords(e.ending->words.reason))
                                      : std::string("It ended before reasons were recorded."));
  } else {
    pdf.Line("Now", StatusWords(e.episode.status));
  }

  PdfPlan(pdf, e, catalog, zone);

  if (!e.answers.empty()) {
    pdf.Heading("Questionnaires you answered");
    std::vector<std::string> lines;
    for (const RecordAnswer& a : e.answers) lines.push_back(AnswerWords(a, zone));
    pdf.Paragraph(Joined(lines));
  }

  if (!e.messages.empty()) {
    pdf.Heading("Messages");
    for (const RecordMessage& m : e.messages) {
      pdf.Paragraph(fmt::format("{} {} {}: {}", DayAndTime(m.message.sent_at, zone), kDash,
                                m.sender_name, m.message.body));
    }
  }

  if (e.summary) {
    pdf.Heading("The summary of your therapy");
    PdfParts(pdf, SummaryParts(*e.summary));
  }

  for (const RecordHandover& h : e.handovers) {
    pdf.Heading("What you shared when you changed therapist");
    PdfParts(pdf, HandoverParts(h, zone));
  }
}

// --- The FHIR Bundle
// -------------------------------------------------------------------------------

Json Ref(std::string reference, const std::string& display) {
  Json out = {{"reference", std::move(reference)}};
  if (!display.empty()) out["display"] = display;
  return out;
}

std::string PatientRef(UserId id) {
  return fmt::format("Patient/{}", id);
}

std::string PractitionerRef(UserId id) {
  return fmt::format("Practitioner/{}", id);
}

std::string Xhtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Narrative: each line a paragraph.
Json Narrative(const std::vector<std::string>& lines) {
  std::string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
  for (const std::string& line : lines) div += "<p>" + Xhtml(line) + "</p>";
  div += "</div>";
  return {{"status", "generated"}, {"div", std::move(div)}};
}

Json Sections(const std::vector<Part>& parts) {
  Json sections = Json::array();
  for (const Part& part : parts) {
    sections.push_back({{"title", part.title}, {"text", Narrative(part.lines)}});
  }
  return sections;
}

Json CommunicationJson(const RecordMessage& m, const RecordEpisode& e,
                       const std::string& client_name) {
  const Json client = Ref(PatientRef(e.episode.client_id), client_name);
  const Json therapist =
      Ref(PractitionerRef(m.from_client ? e.episode.therapist_id : m.message.sender_id),
          m.from_client ? e.therapist_name : m.sender_name);
  Json c = {{"resourceType", "Communication"},
            {"id", fmt::format("message-{}", m.message.id)},
            {"status", "completed"},
            {"subject", client},
            {"sent", FormatIso8601(m.message.sent_at)},
            {"sender", m.from_client ? client : therapist},
            {"recipient", Json::array({m.from_client ? therapist : client})},
            {"payload", Json::array({{{"contentString", m.message.body}}})}};
  if (m.message.read_at) c["received"] = FormatIso8601(*m.message.read_at);
  return c;
}

Json SummaryJson(const DischargeSummary& s, const RecordEpisode& e, const ClientRecord& record) {
  const Timestamp ended = s.ended_at.value_or(record.made_at);
  Json period = {{"start", FormatIso8601(s.started_at)}};
  if (s.ended_at) period["end"] = FormatIso8601(*s.ended_at);
  Json composition = {
      {"resourceType", "Composition"},
      {"id", fmt::format("summary-{}", e.episode.id)},
      {"status", "final"},
      {"type",
       {{"coding",
         Json::array(
             {{{"system", kLoinc}, {"code", "18842-5"}, {"display", "Discharge summary"}}})},
        {"text", "Discharge summary"}}},
      {"subject", Ref(PatientRef(e.episode.client_id), record.client_name)},
      {"date", FormatIso8601(ended)},
      {"author", Json::array({Ref(PractitionerRef(e.episode.therapist_id), e.therapist_name)})},
      {"title", fmt::format("The summary of your therapy with {}", e.therapist_name)},
      {"event", Json::array({{{"period", std::move(period)}}})}};
  Json sections = Sections(SummaryParts(s));
  if (!sections.empty()) composition["section"] = std::move(sections);
  return composition;
}

Json HandoverJson(const RecordHandover& h, const RecordEpisode& e, const ClientRecord& record) {
  const Json client = Ref(PatientRef(e.episode.client_id), record.client_name);
  Json composition = {{"resourceType", "Composition"},
                      {"id", fmt::format("handover-{}", h.change_id)},
                      {"status", "final"},
                      {"type", {{"text", "Handover for a change of therapist"}}},
                      {"subject", client},
                      {"date", FormatIso8601(h.consented_at)},
                      {"author", Json::array({client})},
                      {"title", "What you shared when you changed therapist"}};
  Json sections = Sections(HandoverParts(h, record.time_zone));
  if (!sections.empty()) composition["section"] = std::move(sections);
  return composition;
}

// --- Routes
// ----------------------------------------------------------------------------------------

Or<ClientRecord> Record(RecordService& records, const Actor& actor, std::int64_t id) {
  auto record = records.RecordOf(actor, id);
  if (!record) return ErrorReply(record.error());
  return std::move(*record);
}

}  // namespace

std::string ClientRecordPdf(const ClientRecord& record, const InstrumentCatalog& catalog) {
  const std::string& zone = record.time_zone;
  PdfDocument pdf(fmt::format("Your record at {}", record.clinic_name));
  pdf.Paragraph(fmt::format(
      "This is your own copy of your record at {}, made for you, {}, on {}. It holds each course "
      "of therapy you have had with us: who you saw and when, the treatment plans you were "
      "shown, the questionnaires you answered and their scores, the messages between you and "
      "your therapist, and the summary written when a course ended.",
      record.clinic_name, record.client_name, DayAndTime(record.made_at, zone)));
  pdf.Paragraph(
      "It is yours to keep, print or share with whoever you choose. If anything here is unclear "
      "or looks wrong, please ask your therapist or the clinic. If you need help urgently, please "
      "do not wait for a reply to a message: call your local crisis line or emergency number.");
  if (record.episodes.empty()) {
    pdf.Paragraph("There is nothing in your record yet.");
  }
  for (const RecordEpisode& e : record.episodes) PdfEpisode(pdf, e, catalog, zone);
  return pdf.Render();
}

Json ClientRecordBundle(const ClientRecord& record, const InstrumentCatalog& catalog,
                        std::string_view fhir_base) {
  Json entries = Json::array();
  const auto add = [&](Json resource) {
    const std::string url =
        fmt::format("{}/{}/{}", fhir_base, resource["resourceType"].get<std::string>(),
                    resource["id"].get<std::string>());
    entries.push_back({{"fullUrl", url}, {"resource", std::move(resource)}});
  };
  add(FhirPatientJson(record.client, record.profile));
  for (const RecordEpisode& e : record.episodes) {
    CarePlanFacts facts;
    facts.episode_id = e.episode.id;
    facts.episode_ended = e.episode.status == EpisodeStatus::kEnded;
    facts.client_id = e.episode.client_id;
    facts.client_name = record.client_name;
    facts.therapist_id = e.episode.therapist_id;
    facts.therapist_name = e.therapist_name;
    facts.homework_done = e.homework_done;
    for (const RecordPlanVersion& v : e.plan_versions) {
      facts.newest = v.version.number == e.newest_plan_number;
      add(FhirCarePlanJson(facts, v.version, v.content));
    }
    for (const RecordAnswer& a : e.answers) {
      const Instrument* instrument = catalog.Find(a.response.instrument);
      add(FhirQuestionnaireResponseJson(a.response, e.episode.client_id, instrument));
      if (a.response.total) {
        add(FhirScoreObservationJson(a.response, instrument, e.episode.client_id));
      }
    }
    for (const RecordMessage& m : e.messages) {
      add(CommunicationJson(m, e, record.client_name));
    }
    if (e.summary) add(SummaryJson(*e.summary, e, record));
    for (const RecordHandover& h : e.handovers) add(HandoverJson(h, e, record));
  }
  return {{"resourceType", "Bundle"},
          {"id", fmt::format("record-{}", record.client.id)},
          {"type", "collection"},
          {"timestamp", FormatIso8601(record.made_at)},
          {"entry", std::move(entries)}};
}

namespace {

// The handlers of AddRecordRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct RecordHandlers {
  RecordService& records;

  Reply RecordPdf(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    auto record = Record(records, actor, id);
    if (!record) return std::unexpected(std::move(record.error()));
    return Download("application/pdf", ClientRecordPdf(*record, records.catalog()),
                    "rapport-record.pdf");
  }

  Reply RecordBundle(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto record = Record(records, actor, id);
    if (!record) return std::unexpected(std::move(record.error()));
    return AsDownload(
        FhirResponse(200, ClientRecordBundle(*record, records.catalog(), FhirBaseUrl(request))),
        "rapport-record.fhir.json");
  }
};

}  // namespace

void AddRecordRoutes(Router& router, AuthService& auth, RecordService& records) {
  using H = RecordHandlers;
  const H h{records};
  router.Add("GET", "/api/v1/clients/{id}/record.pdf", IdRoute(auth, Bind(h, &H::RecordPdf)));
  router.Add("GET", "/api/v1/clients/{id}/record", IdRoute(auth, Bind(h, &H::RecordBundle)));
}

}  // namespace rapport
