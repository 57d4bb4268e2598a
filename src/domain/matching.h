#pragma once
// Finding the right therapist: what a therapist offers, what a client needs and wishes for, and
// the ranked matches with their reasons. Pure: the facts come in, the ranking goes out.
//
// The rules (docs/matching.md):
// - Hard needs (jurisdiction, payer, modality, language, times) filter and are never relaxed;
//   when they leave everyone out, the result says which need did.
// - No hard need is ever inferred from identity. Identity attributes are self-described and
//   optional; one the therapist did not choose to show never counts and is never named.
// - Weighted wishes carry 0 (does not matter), 1 (would be nice) or 2 (matters a lot); the fit is
//   the weight met over the weight asked.
// - Every reason is built from one fact that the score used, so a reason cannot claim what the
//   data does not hold (MatchReason keeps the fact beside its words).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/people.h"

namespace rapport {

// --- Vocabulary -------------------------------------------------------------------------------

// The approaches a therapist may name, as stable identifiers ("cbt") with their plain names
// ("cognitive behavioural therapy (CBT)").
struct Term {
  std::string_view id;
  std::string_view name;
};
std::span<const Term> Approaches();
// Focus areas double as the problem domains of the outcome report ("depression", "anxiety",
// "child-and-family", ...).
std::span<const Term> FocusAreas();
// Age bands a therapist may describe themself by: "20s", "30s", "40s", "50s", "60s-plus".
std::span<const Term> AgeBands();
// The plain name of `id` among `terms` (Approaches(), FocusAreas(), AgeBands()); the id itself
// for one not among them.
std::string_view TermName(std::span<const Term> terms, std::string_view id);
// The plain name of a language from its ISO 639-1 code ("es" -> "Spanish"); the code itself for
// one not in the list.
std::string LanguageName(std::string_view code);

// --- Weekly times -----------------------------------------------------------------------------

// One weekly stretch of time in the clinic's local time: `day` 0 (Monday) to 6 (Sunday), minutes
// after midnight, start < end <= 1440.
struct WeeklySlot {
  int day = 0;
  int start_minute = 0;
  int end_minute = 0;
  bool operator==(const WeeklySlot&) const = default;
};
// "Tuesday evening": the day and the part of the day the slot mostly lies in (morning before
// 12:00, afternoon before 17:00, evening after).
std::string DescribeSlot(const WeeklySlot& slot);
// Whether the two overlap by at least `minutes` (a session's length).
bool Overlaps(const WeeklySlot& a, const WeeklySlot& b, int minutes);

// --- What a therapist offers ------------------------------------------------------------------

// How a therapist works, or how a client likes to work: Beutler's coping style and reactance as
// plain choices. "either" leaves it open. (Not "Direction": domain/instrument.h has one.)
enum class Structure { kEither, kStructured, kOpen };
enum class Directiveness { kEither, kGuided, kSelfLed };
std::string_view ToString(Structure s);      // "either", "structured", "open"
std::string_view ToString(Directiveness d);  // "either", "guided", "self-led"

// A self-described identity attribute: the therapist's own words, shown to clients only when
// `shown`.
struct Described {
  std::string value;  // empty: not described
  bool shown = false;
  bool operator==(const Described&) const = default;
};

struct TherapistIdentity {
  Described age_band;  // one of AgeBands()
  Described gender_identity;
  Described cultural_background;
  Described faith;
  std::optional<bool> lgbtq_affirming;  // none: not said
  bool lgbtq_affirming_shown = false;
  bool operator==(const TherapistIdentity&) const = default;
};

struct TherapistOffer {
  UserId therapist_id = 0;
  std::string display_name;  // from the user record; not stored with the offer
  std::string credentials;   // "Clinical psychologist (HCPC registered)"
  std::string licence_number;
  std::string jurisdiction;  // ISO 3166 code where the licence holds: "GB", "US-CA"
  // Set by an admin who checked the licence; a therapist editing the licence clears them.
  std::optional<Timestamp> licence_verified_at;
  UserId licence_verified_by = 0;
  std::vector<std::string> approaches;   // ids of Approaches()
  std::vector<std::string> focus_areas;  // ids of FocusAreas()
  std::vector<std::string> languages;    // ISO 639-1 codes
  std::vector<Modality> modalities;
  std::string at_a_distance;  // how they keep rapport over video, phone and typed sessions
  std::vector<WeeklySlot> availability;
  std::vector<std::string> payers;  // "self-pay", an insurer's name; compared ignoring case
  std::string fees;                 // "£90 a session; a few lower-fee places"
  bool accepting_new_clients = true;
  Structure structure = Structure::kEither;
  Directiveness direction = Directiveness::kEither;
  TherapistIdentity identity;
  std::string about;  // a few warm sentences in the therapist's own words
  Timestamp updated_at = 0;
};

// Validates and normalises what a therapist wrote (codes lower-cased, lists de-duplicated,
// texts trimmed and checked). Field names are the JSON names. The licence fields the admin
// verifies are left as given.
Result<TherapistOffer> ValidateOffer(TherapistOffer offer);

// The offer as JSON for the therapist and the clinic's staff: everything, identity with its
// `shown` flags.
Json OfferToJson(const TherapistOffer& offer);
// The offer as a client sees it: identity attributes only where shown, and no licence number.
Json OfferToClientJson(const TherapistOffer& offer);
// Reads what a therapist sends (the fields of OfferToJson but the verification and the ids);
// every problem at once, naming the field.
Result<TherapistOffer> OfferFromJson(const Json& body);

// --- What a client needs and wishes for -------------------------------------------------------

struct HardNeeds {
  std::string jurisdiction;            // where the client lives: required to match
  std::string payer;                   // empty: any (self-pay is a payer like any other)
  std::vector<Modality> modalities;    // any of these; empty: any
  std::vector<std::string> languages;  // any of these; empty: any
  std::vector<WeeklySlot> times;       // any of these; empty: any
  bool operator==(const HardNeeds&) const = default;
};

// 0: does not matter, 1: would be nice, 2: matters a lot.
struct Wish {
  std::string value;
  int weight = 0;
  bool operator==(const Wish&) const = default;
};

struct Wishes {
  Wish gender;               // compared with the therapist's shown gender identity, ignoring case
  Wish age_band;             // one of AgeBands()
  Wish cultural_background;  // ignoring case
  Wish faith;                // ignoring case
  int lgbtq_affirming = 0;   // weight of wishing for an LGBTQ+ affirming therapist
  Wish approach;             // one of Approaches()
  std::vector<std::string> focus_areas;  // what brings them, ids of FocusAreas()
  int focus_weight = 0;
  bool operator==(const Wishes&) const = default;
};

struct ClientPreferences {
  UserId client_id = 0;
  HardNeeds needs;
  Wishes wishes;
  std::string identity_note;  // what matters to them about culture and identity, in their words
  Structure structure = Structure::kEither;
  Directiveness direction = Directiveness::kEither;
  int session_minutes = 50;  // how long a time must overlap to count
  Timestamp updated_at = 0;
};

Result<ClientPreferences> ValidatePreferences(ClientPreferences preferences);
Json PreferencesToJson(const ClientPreferences& preferences);
Result<ClientPreferences> PreferencesFromJson(const Json& body);

// --- Matching ---------------------------------------------------------------------------------

enum class HardNeed { kAccepting, kJurisdiction, kPayer, kModality, kLanguage, kTimes };
// "accepting", "jurisdiction", "payer", "modality", "language", "times".
std::string_view ToString(HardNeed need);
// The need as a client reads it: "taking new clients", "where you live", "how you would pay",
// "how you would like to meet", "a language you speak", "times that suit you".
std::string_view NeedWords(HardNeed need);

// One fact behind a match, and the plain words for it. `kind` names what was compared and
// `value` the shared value, so that a test (or a curious coordinator) can check the words against
// both sides' data.
struct MatchReason {
  enum class Kind {
    kLanguage,   // value: language code both share
    kModality,   // value: modality offered that the client accepts
    kTimes,      // value: the therapist's slot, "day:start-end", that overlaps one of the client's
    kPayer,      // value: the payer both name
    kFocus,      // value: focus area id both name
    kApproach,   // value: approach id
    kGender,     // value: the therapist's shown gender identity
    kAgeBand,    // value: the therapist's shown age band
    kCulture,    // value: the therapist's shown cultural background
    kFaith,      // value: the therapist's shown faith
    kAffirming,  // value: "yes"
    kStructure,  // value: the therapist's structure
    kDirection,  // value: the therapist's direction
  };
  Kind kind;
  std::string value;
  std::string text;  // "speaks Spanish"
  bool operator==(const MatchReason&) const = default;
};
std::string_view ToString(MatchReason::Kind kind);

// What the clinic's own outcomes say about one therapist with one focus area, already shrunk
// (analysis/outcome_report.h): the estimate of reliable improvement, its standard error, and the
// clinic's rate it was shrunk towards.
struct OutcomeSignal {
  double estimate = 0;
  double standard_error = 0;
  double clinic_rate = 0;
};
// (therapist, focus area) -> signal; only pairs with at least the clinic's minimum of ended
// episodes are present.
using OutcomeSignals = std::map<std::pair<UserId, std::string>, OutcomeSignal>;

struct RankedMatch {
  UserId therapist_id = 0;
  double fit = 0;      // weight of wishes met over weight asked, 0..1 (1 when none asked)
  double style = 0;    // how well the ways of working agree, 0..1 (1 when the client is open)
  double outcome = 0;  // the outcome term, -kMaxOutcomeTerm..kMaxOutcomeTerm; 0 when off
  double score = 0;    // what the ranking sorts by
  std::vector<MatchReason> reasons;  // hard needs met first, then wishes met
  std::vector<std::string> unmet;    // wishes not met, in plain words ("not an ACT therapist")
};

struct MatchResult {
  std::vector<RankedMatch> matches;  // best first; ties by therapist id
  int considered = 0;                // offers looked at
  // How many therapists each hard need left out (one therapist may be left out by several).
  std::map<HardNeed, int> left_out_by;
  // When nobody is left, the needs which alone left out everyone that the others let through,
  // so that the client or the coordinator may choose to relax one knowingly.
  std::vector<HardNeed> blocking;
};

// The outcome term is capped so that it orders people who fit about equally well and never
// overrides fit.
inline constexpr double kMaxOutcomeTerm = 0.1;

struct MatchOptions {
  int limit = 3;
  // Weigh the clinic's outcomes (the clinic's setting); `signals` is ignored when false.
  bool use_outcomes = false;
  const OutcomeSignals* signals = nullptr;
};

// Which hard needs `offer` fails for `preferences`; empty when it may be offered.
std::vector<HardNeed> FailedNeeds(const ClientPreferences& preferences,
                                  const TherapistOffer& offer);

// Ranks the offers that meet every hard need. kFailedPrecondition (field "jurisdiction") when the
// client has not said where they live.
Result<MatchResult> Match(const ClientPreferences& preferences,
                          std::span<const TherapistOffer> offers, const MatchOptions& options);

Json MatchResultToJson(const MatchResult& result);

}  // namespace rapport
