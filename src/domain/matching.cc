#include "domain/matching.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "core/field_problems.h"
#include "core/text.h"
#include "domain/enum_names.h"
#include "domain/escalation.h"

namespace rapport {

// --- Vocabulary -------------------------------------------------------------------------------

namespace {

constexpr std::array<Term, 13> kApproaches{{
    {"cbt", "cognitive behavioural therapy (CBT)"},
    {"act", "acceptance and commitment therapy (ACT)"},
    {"dbt", "dialectical behaviour therapy (DBT)"},
    {"emdr", "eye movement desensitisation and reprocessing (EMDR)"},
    {"psychodynamic", "psychodynamic therapy"},
    {"person-centred", "person-centred counselling"},
    {"systemic", "systemic and family therapy"},
    {"schema", "schema therapy"},
    {"cft", "compassion-focused therapy (CFT)"},
    {"ipt", "interpersonal therapy (IPT)"},
    {"mbct", "mindfulness-based cognitive therapy (MBCT)"},
    {"solution-focused", "solution-focused therapy"},
    {"play", "play therapy"},
}};

constexpr std::array<Term, 13> kFocusAreas{{
    {"depression", "depression"},
    {"anxiety", "anxiety"},
    {"trauma", "trauma"},
    {"relationships", "relationships"},
    {"grief", "grief and loss"},
    {"stress", "stress"},
    {"self-esteem", "self-esteem"},
    {"ocd", "OCD"},
    {"eating", "eating difficulties"},
    {"addiction", "addiction"},
    {"child-and-family", "children and families"},
    {"identity", "identity and sexuality"},
    {"work", "work and study"},
}};

constexpr std::array<Term, 5> kAgeBands{{
    {"20s", "20s"},
    {"30s", "30s"},
    {"40s", "40s"},
    {"50s", "50s"},
    {"60s-plus", "60 or over"},
}};

// The languages a clinic is most likely to meet; a code not listed is shown as itself.
constexpr std::array<Term, 48> kLanguages{{
    {"am", "Amharic"},    {"ar", "Arabic"},    {"bg", "Bulgarian"},  {"bn", "Bengali"},
    {"cs", "Czech"},      {"cy", "Welsh"},     {"da", "Danish"},     {"de", "German"},
    {"el", "Greek"},      {"en", "English"},   {"es", "Spanish"},    {"fa", "Persian"},
    {"fi", "Finnish"},    {"fr", "French"},    {"ga", "Irish"},      {"gd", "Scottish Gaelic"},
    {"gu", "Gujarati"},   {"ha", "Hausa"},     {"he", "Hebrew"},     {"hi", "Hindi"},
    {"hr", "Croatian"},   {"hu", "Hungarian"}, {"id", "Indonesian"}, {"ig", "Igbo"},
    {"it", "Italian"},    {"ja", "Japanese"},  {"ko", "Korean"},     {"ku", "Kurdish"},
    {"lt", "Lithuanian"}, {"ms", "Malay"},     {"ne", "Nepali"},     {"nl", "Dutch"},
    {"no", "Norwegian"},  {"pa", "Punjabi"},   {"pl", "Polish"},     {"ps", "Pashto"},
    {"pt", "Portuguese"}, {"ro", "Romanian"},  {"ru", "Russian"},    {"so", "Somali"},
    {"sq", "Albanian"},   {"sv", "Swedish"},   {"sw", "Swahili"},    {"ta", "Tamil"},
    {"tr", "Turkish"},    {"uk", "Ukrainian"}, {"ur", "Urdu"},       {"zh", "Chinese"},
}};

constexpr std::array<std::string_view, 7> kDayNames{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};

constexpr EnumNames<Structure, 3> kStructures{{
    {Structure::kEither, "either"},
    {Structure::kStructured, "structured"},
    {Structure::kOpen, "open"},
}};
constexpr EnumNames<Directiveness, 3> kDirections{{
    {Directiveness::kEither, "either"},
    {Directiveness::kGuided, "guided"},
    {Directiveness::kSelfLed, "self-led"},
}};
constexpr EnumNames<HardNeed, 6> kHardNeeds{{
    {HardNeed::kAccepting, "accepting"},
    {HardNeed::kJurisdiction, "jurisdiction"},
    {HardNeed::kPayer, "payer"},
    {HardNeed::kModality, "modality"},
    {HardNeed::kLanguage, "language"},
    {HardNeed::kTimes, "times"},
}};
constexpr EnumNames<MatchReason::Kind, 13> kReasonKinds{{
    {MatchReason::Kind::kLanguage, "language"},
    {MatchReason::Kind::kModality, "modality"},
    {MatchReason::Kind::kTimes, "times"},
    {MatchReason::Kind::kPayer, "payer"},
    {MatchReason::Kind::kFocus, "focus"},
    {MatchReason::Kind::kApproach, "approach"},
    {MatchReason::Kind::kGender, "gender"},
    {MatchReason::Kind::kAgeBand, "age_band"},
    {MatchReason::Kind::kCulture, "culture"},
    {MatchReason::Kind::kFaith, "faith"},
    {MatchReason::Kind::kAffirming, "affirming"},
    {MatchReason::Kind::kStructure, "structure"},
    {MatchReason::Kind::kDirection, "direction"},
}};

constexpr int kMaxSlots = 40;
constexpr int kMaxPayers = 40;
constexpr std::size_t kMaxLongText = 2000;
constexpr std::size_t kMaxPayerBytes = 80;
constexpr std::size_t kMaxIdentityBytes = 100;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Self-described words and insurers' names are compared as people would read them: a stray
// space or a capital letter is not a different answer.
bool SameWords(std::string_view a, std::string_view b) {
  return Lower(Trim(a)) == Lower(Trim(b));
}

const Term* FindTerm(std::span<const Term> terms, std::string_view id) {
  const auto it =
      std::find_if(terms.begin(), terms.end(), [&](const Term& t) { return t.id == id; });
  return it == terms.end() ? nullptr : &*it;
}

std::string AllowedIds(std::span<const Term> terms) {
  std::string out = "must be one of: ";
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out += ", ";
    out += terms[i].id;
  }
  return out;
}

template <typename T>
bool Contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// "a", "a or b", "a, b or c".
std::string OrList(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

}  // namespace

std::string_view TermName(std::span<const Term> terms, std::string_view id) {
  const Term* term = FindTerm(terms, id);
  return term == nullptr ? id : term->name;
}

std::span<const Term> Approaches() {
  return kApproaches;
}
std::span<const Term> FocusAreas() {
  return kFocusAreas;
}
std::span<const Term> AgeBands() {
  return kAgeBands;
}

std::string LanguageName(std::string_view code) {
  return std::string(TermName(kLanguages, code));
}

std::string_view ToString(Structure s) {
  return EnumName(s, kStructures);
}
std::string_view ToString(Directiveness d) {
  return EnumName(d, kDirections);
}
std::string_view ToString(HardNeed need) {
  return EnumName(need, kHardNeeds);
}
std::string_view NeedWords(HardNeed need) {
  switch (need) {
    case HardNeed::kAccepting: return "taking new clients";
    case HardNeed::kJurisdiction: return "where you live";
    case HardNeed::kPayer: return "how you would pay";
    case HardNeed::kModality: return "how you would like to meet";
    case HardNeed::kLanguage: return "a language you speak";
    case HardNeed::kTimes: return "times that suit you";
  }
  return "";
}
std::string_view ToString(MatchReason::Kind kind) {
  return EnumName(kind, kReasonKinds);
}

// --- Weekly times -----------------------------------------------------------------------------

std::string DescribeSlot(const WeeklySlot& slot) {
  const std::string_view day =
      slot.day >= 0 && slot.day < 7 ? kDayNames[static_cast<std::size_t>(slot.day)] : "Some day";
  // The part that holds most of the slot; a tie goes to the earlier part, when the slot begins.
  constexpr std::array<std::pair<int, std::string_view>, 3> kParts{{
      {12 * 60, "morning"},
      {17 * 60, "afternoon"},
      {kMinutesPerDay, "evening"},
  }};
  std::string_view best = "morning";
  int best_minutes = -1;
  int part_start = 0;
  for (const auto& [part_end, name] : kParts) {
    const int minutes =
        std::min(slot.end_minute, part_end) - std::max(slot.start_minute, part_start);
    if (minutes > best_minutes) {
      best_minutes = minutes;
      best = name;
    }
    part_start = part_end;
  }
  return fmt::format("{} {}", day, best);
}

bool Overlaps(const WeeklySlot& a, const WeeklySlot& b, int minutes) {
  if (a.day != b.day) return false;
  const int shared =
      std::min(a.end_minute, b.end_minute) - std::max(a.start_minute, b.start_minute);
  // Slots that only touch share no time, whatever length is asked for.
  return shared > 0 && shared >= minutes;
}

// --- Validation -------------------------------------------------------------------------------

namespace {

// Collects every problem with full field paths. What could not be read from JSON keeps its place
// with a stand-in value (so that later indices still match the body); the checks that follow
// stay silent about a stand-in, since the reading error already says what to fix.
class Problems {
 public:
  void Add(std::string field, std::string message) {
    if (unreadable_.contains(ItemOf(field))) return;
    for (const auto& e : errors_) {
      if (e.field == field) return;
    }
    errors_.push_back({std::move(field), std::move(message)});
  }
  template <typename T>
  void Take(const Result<T>& result) {
    if (!result) {
      for (const auto& f : result.error().fields) Add(f.field, f.message);
    }
  }
  // A JsonObjectReader's verdict: each field it names holds a stand-in from here on.
  void TakeUnreadable(const Status& status) {
    if (status) return;
    for (const auto& f : status.error().fields) {
      Add(f.field, f.message);
      unreadable_.insert(ItemOf(f.field));
    }
  }
  bool Empty() const { return errors_.empty(); }
  Error ToError() { return InvalidFields("Some fields need attention: ", std::move(errors_)); }

 private:
  // "availability/3/start" -> "availability/3"; a path with no list index is its own item.
  static std::string ItemOf(std::string_view field) {
    std::size_t end = std::string_view::npos;
    std::size_t start = 0;
    while (start <= field.size()) {
      std::size_t slash = field.find('/', start);
      if (slash == std::string_view::npos) slash = field.size();
      const std::string_view part = field.substr(start, slash - start);
      if (!part.empty() &&
          std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        end = slash;
      }
      start = slash + 1;
    }
    return std::string(end == std::string_view::npos ? field : field.substr(0, end));
  }

  std::vector<FieldError> errors_;
  std::set<std::string, std::less<>> unreadable_;
};

// An optional single line: empty stays empty, anything else must be a clean line.
std::string CheckLine(std::string_view text, const std::string& field, std::size_t max_bytes,
                      Problems& problems) {
  if (Trim(text).empty()) return {};
  auto line = ValidateLineOfText(text, field, max_bytes);
  problems.Take(line);
  return line ? *line : std::string(text);
}

// An optional longer text in the writer's own words: paragraphs kept, at most 2,000 characters.
std::string CheckLongText(std::string_view text, const std::string& field, Problems& problems) {
  auto paragraphs = NormalizeParagraphs(text, field, kMaxLongText, /*required=*/false);
  problems.Take(paragraphs);
  return paragraphs ? *paragraphs : std::string(text);
}

// "GB", "US-CA": an ISO 3166-1 alpha-2 country, optionally with a subdivision of one to three
// letters or digits. Upper-cased so that "us-ca" and "US-CA" are one place.
std::string CheckJurisdiction(std::string_view text, const std::string& field, Problems& problems) {
  std::string code = Upper(Trim(text));
  if (code.empty()) return code;
  const auto letter = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto alnum = [&](char c) { return letter(c) || (c >= '0' && c <= '9'); };
  bool ok = code.size() >= 2 && letter(code[0]) && letter(code[1]);
  if (ok && code.size() > 2) {
    const std::string_view sub = std::string_view(code).substr(3);
    ok = code[2] == '-' && !sub.empty() && sub.size() <= 3 &&
         std::all_of(sub.begin(), sub.end(), alnum);
  }
  if (!ok) {
    problems.Add(field, "must be a country code such as GB, or a country and region such as US-CA");
  }
  return code;
}

// Ids of a vocabulary, lower-cased, each known, without repeats.
std::vector<std::string> CheckIds(const std::vector<std::string>& ids, std::span<const Term> terms,
                                  const std::string& field, Problems& problems) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::string id = Lower(Trim(ids[i]));
    if (FindTerm(terms, id) == nullptr) {
      problems.Add(fmt::format("{}/{}", field, i), AllowedIds(terms));
    } else if (!Contains(out, id)) {
      out.push_back(std::move(id));
    }
  }
  return out;
}

std::vector<std::string> CheckLanguages(const std::vector<std::string>& codes,
                                        const std::string& field, Problems& problems) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    std::string code = Lower(Trim(codes[i]));
    const bool ok = code.size() == 2 && std::all_of(code.begin(), code.end(),
                                                    [](char c) { return c >= 'a' && c <= 'z'; });
    if (!ok) {
      problems.Add(fmt::format("{}/{}", field, i),
                   "must be a two-letter language code such as en or es");
    } else if (!Contains(out, code)) {
      out.push_back(std::move(code));
    }
  }
  return out;
}

std::vector<Modality> UniqueModalities(const std::vector<Modality>& modalities) {
  std::vector<Modality> out;
  for (const Modality m : modalities) {
    if (!Contains(out, m)) out.push_back(m);
  }
  return out;
}

std::vector<WeeklySlot> CheckSlots(const std::vector<WeeklySlot>& slots, const std::string& field,
                                   Problems& problems) {
  if (slots.size() > static_cast<std::size_t>(kMaxSlots)) {
    problems.Add(field, fmt::format("may hold at most {} times", kMaxSlots));
  }
  std::vector<WeeklySlot> out;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const WeeklySlot& s = slots[i];
    const std::string at = fmt::format("{}/{}/", field, i);
    bool ok = true;
    if (s.day < 0 || s.day > 6) {
      problems.Add(at + "day", "must be 0 (Monday) to 6 (Sunday)");
      ok = false;
    }
    if (s.start_minute < 0 || s.start_minute >= kMinutesPerDay) {
      problems.Add(at + "start", "must be a time such as 09:00");
      ok = false;
    } else if (s.end_minute <= s.start_minute || s.end_minute > kMinutesPerDay) {
      problems.Add(at + "end", "must be after the start, on the same day (24:00 for midnight)");
      ok = false;
    }
    if (ok && !Contains(out, s)) out.push_back(s);
  }
  return out;
}

void CheckWeight(int weight, const std::string& field, Problems& problems) {
  if (weight < 0 || weight > 2) {
    problems.Add(field, "must be 0 (does not matter), 1 (would be nice) or 2 (matters a lot)");
  }
}

// A weight without a value would ask for nothing in particular; say so rather than count it.
void CheckWeightHasValue(const Wish& wish, const std::string& path, Problems& problems) {
  if (wish.weight > 0 && wish.value.empty()) {
    problems.Add(path + "/value", "is needed when the weight is 1 or 2");
  }
}

Described CheckDescribed(Described d, const std::string& path, Problems& problems) {
  d.value = CheckLine(d.value, path + "/value", kMaxIdentityBytes, problems);
  return d;
}

void CheckOffer(TherapistOffer& offer, Problems& problems) {
  offer.credentials = CheckLine(offer.credentials, "credentials", 200, problems);
  offer.licence_number = CheckLine(offer.licence_number, "licence_number", 64, problems);
  offer.jurisdiction = CheckJurisdiction(offer.jurisdiction, "jurisdiction", problems);
  offer.approaches = CheckIds(offer.approaches, kApproaches, "approaches", problems);
  offer.focus_areas = CheckIds(offer.focus_areas, kFocusAreas, "focus_areas", problems);
  offer.languages = CheckLanguages(offer.languages, "languages", problems);
  offer.modalities = UniqueModalities(offer.modalities);
  offer.at_a_distance = CheckLongText(offer.at_a_distance, "at_a_distance", problems);
  offer.availability = CheckSlots(offer.availability, "availability", problems);
  if (offer.payers.size() > static_cast<std::size_t>(kMaxPayers)) {
    problems.Add("payers", fmt::format("may hold at most {} payers", kMaxPayers));
  }
  std::vector<std::string> payers;
  for (std::size_t i = 0; i < offer.payers.size(); ++i) {
    auto payer = ValidateLineOfText(offer.payers[i], fmt::format("payers/{}", i), kMaxPayerBytes);
    problems.Take(payer);
    if (payer && std::none_of(payers.begin(), payers.end(),
                              [&](const std::string& p) { return SameWords(p, *payer); })) {
      payers.push_back(std::move(*payer));
    }
  }
  offer.payers = std::move(payers);
  offer.fees = CheckLongText(offer.fees, "fees", problems);
  offer.about = CheckLongText(offer.about, "about", problems);

  TherapistIdentity& id = offer.identity;
  id.age_band.value = Lower(Trim(id.age_band.value));
  if (!id.age_band.value.empty() && FindTerm(kAgeBands, id.age_band.value) == nullptr) {
    problems.Add("identity/age_band/value", AllowedIds(kAgeBands));
  }
  id.gender_identity = CheckDescribed(id.gender_identity, "identity/gender_identity", problems);
  id.cultural_background =
      CheckDescribed(id.cultural_background, "identity/cultural_background", problems);
  id.faith = CheckDescribed(id.faith, "identity/faith", problems);
}

void CheckPreferences(ClientPreferences& p, Problems& problems) {
  HardNeeds& needs = p.needs;
  needs.jurisdiction = CheckJurisdiction(needs.jurisdiction, "needs/jurisdiction", problems);
  needs.payer = CheckLine(needs.payer, "needs/payer", kMaxPayerBytes, problems);
  needs.modalities = UniqueModalities(needs.modalities);
  needs.languages = CheckLanguages(needs.languages, "needs/languages", problems);
  needs.times = CheckSlots(needs.times, "needs/times", problems);

  Wishes& w = p.wishes;
  for (auto [wish, name] :
       {std::pair{&w.gender, "gender"}, std::pair{&w.cultural_background, "cultural_background"},
        std::pair{&w.faith, "faith"}}) {
    const std::string path = fmt::format("wishes/{}", name);
    wish->value = CheckLine(wish->value, path + "/value", kMaxIdentityBytes, problems);
    CheckWeight(wish->weight, path + "/weight", problems);
    CheckWeightHasValue(*wish, path, problems);
  }
  for (auto [wish, name, terms] :
       {std::tuple{&w.age_band, "age_band", std::span<const Term>(kAgeBands)},
        std::tuple{&w.approach, "approach", std::span<const Term>(kApproaches)}}) {
    const std::string path = fmt::format("wishes/{}", name);
    wish->value = Lower(Trim(wish->value));
    if (!wish->value.empty() && FindTerm(terms, wish->value) == nullptr) {
      problems.Add(path + "/value", AllowedIds(terms));
    }
    CheckWeight(wish->weight, path + "/weight", problems);
    CheckWeightHasValue(*wish, path, problems);
  }
  CheckWeight(w.lgbtq_affirming, "wishes/lgbtq_affirming", problems);
  w.focus_areas = CheckIds(w.focus_areas, kFocusAreas, "wishes/focus_areas", problems);
  CheckWeight(w.focus_weight, "wishes/focus_weight", problems);
  if (w.focus_weight > 0 && w.focus_areas.empty()) {
    problems.Add("wishes/focus_areas", "needs at least one area when focus_weight is 1 or 2");
  }

  p.identity_note = CheckLongText(p.identity_note, "identity_note", problems);
  if (p.session_minutes < 15 || p.session_minutes > 180) {
    problems.Add("session_minutes", "must be from 15 to 180 minutes");
  }
}

}  // namespace

Result<TherapistOffer> ValidateOffer(TherapistOffer offer) {
  Problems problems;
  CheckOffer(offer, problems);
  if (!problems.Empty()) return Fail(problems.ToError());
  return offer;
}

Result<ClientPreferences> ValidatePreferences(ClientPreferences preferences) {
  Problems problems;
  CheckPreferences(preferences, problems);
  if (!problems.Empty()) return Fail(problems.ToError());
  return preferences;
}

// --- JSON -------------------------------------------------------------------------------------

namespace {

Json TimestampJson(Timestamp t) {
  return t == 0 ? Json(nullptr) : Json(FormatIso8601(t));
}

Json SlotsJson(const std::vector<WeeklySlot>& slots) {
  Json out = Json::array();
  for (const WeeklySlot& s : slots) {
    out.push_back({{"day", s.day},
                   {"start", FormatClockTime(s.start_minute)},
                   {"end", FormatClockTime(s.end_minute)}});
  }
  return out;
}

Json ModalitiesJson(const std::vector<Modality>& modalities) {
  Json out = Json::array();
  for (const Modality m : modalities) out.push_back(ToString(m));
  return out;
}

Json DescribedJson(const Described& d) {
  return {{"value", d.value}, {"shown", d.shown}};
}

Json WishJson(const Wish& w) {
  return {{"value", w.value}, {"weight", w.weight}};
}

int Narrow(std::int64_t v) {
  return static_cast<int>(std::clamp<std::int64_t>(v, std::numeric_limits<int>::min(),
                                                   std::numeric_limits<int>::max()));
}

// The list at `key`; nullptr when it is absent, or not a list (which is then named).
const Json* OptionalList(JsonObjectReader& r, std::string_view key) {
  const Json* list = r.Optional(key);
  if (list != nullptr && !list->is_array()) {
    r.AddError(key, "must be a list");
    return nullptr;
  }
  return list;
}

// A list of strings. An item of the wrong type keeps its place (as "") so that later checks
// name the same index as the body. Modalities need no such care: nothing later names one by its
// index.
std::vector<std::string> ReadStrings(JsonObjectReader& r, std::string_view key) {
  std::vector<std::string> out;
  const Json* list = OptionalList(r, key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    } else {
      r.AddError(fmt::format("{}/{}", key, i), "must be a string");
      out.emplace_back();
    }
  }
  return out;
}

std::vector<Modality> ReadModalities(JsonObjectReader& r, std::string_view key) {
  std::vector<Modality> out;
  const Json* list = OptionalList(r, key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string at = fmt::format("{}/{}", key, i);
    if (!item.is_string()) {
      r.AddError(at, "must be a string");
      continue;
    }
    auto m = ParseModality(item.get<std::string>());
    if (m) {
      out.push_back(*m);
    } else {
      r.AddError(at, m.error().fields.at(0).message);
    }
  }
  return out;
}

// A list of {"day", "start", "end"}. A time that cannot be read keeps its place with a stand-in
// slot, about which Problems then stays silent.
std::vector<WeeklySlot> ReadSlots(JsonObjectReader& r, std::string_view key, Problems& problems) {
  std::vector<WeeklySlot> out;
  const Json* list = OptionalList(r, key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string prefix = r.FieldName(fmt::format("{}/{}/", key, i));
    JsonObjectReader s((*list)[i], prefix);
    WeeklySlot slot;
    if (auto day = s.RequiredInt("day")) slot.day = Narrow(*day);
    if (auto start = s.RequiredString("start", 16)) {
      auto minute = ParseClockTime(*start, prefix + "start");
      if (minute) {
        slot.start_minute = *minute;
      } else {
        s.AddError("start", minute.error().fields.at(0).message);
      }
    }
    if (auto end = s.RequiredString("end", 16)) {
      auto minute = ParseClockTime(*end, prefix + "end", /*is_end=*/true);
      if (minute) {
        slot.end_minute = *minute;
      } else {
        s.AddError("end", minute.error().fields.at(0).message);
      }
    }
    problems.TakeUnreadable(s.Finish());
    out.push_back(slot);
  }
  return out;
}

template <typename Enum, std::size_t N>
void ReadEnum(JsonObjectReader& r, std::string_view key, const EnumNames<Enum, N>& names,
              Enum& target) {
  if (auto text = r.OptionalString(key, 64)) {
    auto value = ParseEnum(*text, names, r.FieldName(key));
    if (value) {
      target = *value;
    } else {
      r.AddError(key, value.error().fields.at(0).message);
    }
  }
}

void ReadInt(JsonObjectReader& r, std::string_view key, int& target) {
  if (auto v = r.OptionalInt(key)) target = Narrow(*v);
}

Described ReadDescribed(JsonObjectReader& parent, std::string_view key, Problems& problems) {
  Described d;
  const Json* json = parent.Optional(key);
  if (json == nullptr) return d;
  JsonObjectReader r(*json, parent.FieldName(key) + "/");
  d.value = r.OptionalString("value", kMaxTextReadBytes).value_or("");
  d.shown = r.OptionalBool("shown").value_or(false);
  problems.TakeUnreadable(r.Finish());
  return d;
}

Wish ReadWish(JsonObjectReader& parent, std::string_view key, Problems& problems) {
  Wish w;
  const Json* json = parent.Optional(key);
  if (json == nullptr) return w;
  JsonObjectReader r(*json, parent.FieldName(key) + "/");
  w.value = r.OptionalString("value", kMaxTextReadBytes).value_or("");
  ReadInt(r, "weight", w.weight);
  problems.TakeUnreadable(r.Finish());
  return w;
}

}  // namespace

Json OfferToJson(const TherapistOffer& offer) {
  const TherapistIdentity& id = offer.identity;
  Json affirming = {{"value", id.lgbtq_affirming ? Json(*id.lgbtq_affirming) : Json(nullptr)},
                    {"shown", id.lgbtq_affirming_shown}};
  return {
      {"therapist_id", offer.therapist_id},
      {"display_name", offer.display_name},
      {"credentials", offer.credentials},
      {"licence_number", offer.licence_number},
      {"jurisdiction", offer.jurisdiction},
      {"licence_verified_at",
       offer.licence_verified_at ? Json(FormatIso8601(*offer.licence_verified_at)) : Json(nullptr)},
      {"approaches", offer.approaches},
      {"focus_areas", offer.focus_areas},
      {"languages", offer.languages},
      {"modalities", ModalitiesJson(offer.modalities)},
      {"at_a_distance", offer.at_a_distance},
      {"availability", SlotsJson(offer.availability)},
      {"payers", offer.payers},
      {"fees", offer.fees},
      {"accepting_new_clients", offer.accepting_new_clients},
      {"structure", ToString(offer.structure)},
      {"direction", ToString(offer.direction)},
      {"about", offer.about},
      {"identity",
       {{"age_band", DescribedJson(id.age_band)},
        {"gender_identity", DescribedJson(id.gender_identity)},
        {"cultural_background", DescribedJson(id.cultural_background)},
        {"faith", DescribedJson(id.faith)},
        {"lgbtq_affirming", std::move(affirming)}}},
      {"updated_at", TimestampJson(offer.updated_at)}};
}

Json OfferToClientJson(const TherapistOffer& offer) {
  Json json = OfferToJson(offer);
  json.erase("licence_number");
  json.erase("licence_verified_at");
  json["licence_verified"] = offer.licence_verified_at.has_value();
  // Only what the therapist chose to show, as plain values: a hidden attribute leaves no trace,
  // not even an empty key.
  const TherapistIdentity& id = offer.identity;
  Json identity = Json::object();
  for (const auto& [key, d] : {std::pair<const char*, const Described*>{"age_band", &id.age_band},
                               {"gender_identity", &id.gender_identity},
                               {"cultural_background", &id.cultural_background},
                               {"faith", &id.faith}}) {
    if (d->shown && !d->value.empty()) identity[key] = d->value;
  }
  if (id.lgbtq_affirming_shown && id.lgbtq_affirming) {
    identity["lgbtq_affirming"] = *id.lgbtq_affirming;
  }
  json["identity"] = std::move(identity);
  return json;
}

Result<TherapistOffer> OfferFromJson(const Json& body) {
  Problems problems;
  TherapistOffer offer;
  JsonObjectReader r(body);
  // What the server sets (the ids, the name from the user record, the admin's verification and
  // the time of saving) may come back in a body that was fetched, edited and sent back; it is
  // read past, never taken.
  for (const char* key : {"therapist_id", "display_name", "licence_verified_at", "updated_at"}) {
    r.Optional(key);
  }
  offer.credentials = r.OptionalString("credentials").value_or("");
  offer.licence_number = r.OptionalString("licence_number").value_or("");
  offer.jurisdiction = r.OptionalString("jurisdiction").value_or("");
  offer.approaches = ReadStrings(r, "approaches");
  offer.focus_areas = ReadStrings(r, "focus_areas");
  offer.languages = ReadStrings(r, "languages");
  offer.modalities = ReadModalities(r, "modalities");
  offer.at_a_distance = r.OptionalString("at_a_distance", kMaxTextReadBytes).value_or("");
  offer.availability = ReadSlots(r, "availability", problems);
  offer.payers = ReadStrings(r, "payers");
  offer.fees = r.OptionalString("fees", kMaxTextReadBytes).value_or("");
  offer.accepting_new_clients = r.OptionalBool("accepting_new_clients").value_or(true);
  ReadEnum(r, "structure", kStructures, offer.structure);
  ReadEnum(r, "direction", kDirections, offer.direction);
  offer.about = r.OptionalString("about", kMaxTextReadBytes).value_or("");
  if (const Json* identity = r.Optional("identity")) {
    JsonObjectReader i(*identity, "identity/");
    TherapistIdentity& id = offer.identity;
    id.age_band = ReadDescribed(i, "age_band", problems);
    id.gender_identity = ReadDescribed(i, "gender_identity", problems);
    id.cultural_background = ReadDescribed(i, "cultural_background", problems);
    id.faith = ReadDescribed(i, "faith", problems);
    if (const Json* affirming = i.Optional("lgbtq_affirming")) {
      JsonObjectReader a(*affirming, "identity/lgbtq_affirming/");
      id.lgbtq_affirming = a.OptionalBool("value");
      id.lgbtq_affirming_shown = a.OptionalBool("shown").value_or(false);
      problems.TakeUnreadable(a.Finish());
    }
    problems.TakeUnreadable(i.Finish());
  }
  problems.TakeUnreadable(r.Finish());
  CheckOffer(offer, problems);
  if (!problems.Empty()) return Fail(problems.ToError());
  return offer;
}

Json PreferencesToJson(const ClientPreferences& p) {
  const HardNeeds& n = p.needs;
  const Wishes& w = p.wishes;
  return {{"client_id", p.client_id},
          {"needs",
           {{"jurisdiction", n.jurisdiction},
            {"payer", n.payer},
            {"modalities", ModalitiesJson(n.modalities)},
            {"languages", n.languages},
            {"times", SlotsJson(n.times)}}},
          {"wishes",
           {{"gender", WishJson(w.gender)},
            {"age_band", WishJson(w.age_band)},
            {"cultural_background", WishJson(w.cultural_background)},
            {"faith", WishJson(w.faith)},
            {"lgbtq_affirming", w.lgbtq_affirming},
            {"approach", WishJson(w.approach)},
            {"focus_areas", w.focus_areas},
            {"focus_weight", w.focus_weight}}},
          {"identity_note", p.identity_note},
          {"structure", ToString(p.structure)},
          {"direction", ToString(p.direction)},
          {"session_minutes", p.session_minutes},
          {"updated_at", TimestampJson(p.updated_at)}};
}

Result<ClientPreferences> PreferencesFromJson(const Json& body) {
  Problems problems;
  ClientPreferences p;
  JsonObjectReader r(body);
  // Set by the server; read past so that what was fetched may be sent back.
  for (const char* key : {"client_id", "updated_at"}) r.Optional(key);
  if (const Json* needs = r.Optional("needs")) {
    JsonObjectReader n(*needs, "needs/");
    p.needs.jurisdiction = n.OptionalString("jurisdiction").value_or("");
    p.needs.payer = n.OptionalString("payer").value_or("");
    p.needs.modalities = ReadModalities(n, "modalities");
    p.needs.languages = ReadStrings(n, "languages");
    p.needs.times = ReadSlots(n, "times", problems);
    problems.TakeUnreadable(n.Finish());
  }
  if (const Json* wishes = r.Optional("wishes")) {
    JsonObjectReader w(*wishes, "wishes/");
    p.wishes.gender = ReadWish(w, "gender", problems);
    p.wishes.age_band = ReadWish(w, "age_band", problems);
    p.wishes.cultural_background = ReadWish(w, "cultural_background", problems);
    p.wishes.faith = ReadWish(w, "faith", problems);
    ReadInt(w, "lgbtq_affirming", p.wishes.lgbtq_affirming);
    p.wishes.approach = ReadWish(w, "approach", problems);
    p.wishes.focus_areas = ReadStrings(w, "focus_areas");
    ReadInt(w, "focus_weight", p.wishes.focus_weight);
    problems.TakeUnreadable(w.Finish());
  }
  p.identity_note = r.OptionalString("identity_note", kMaxTextReadBytes).value_or("");
  ReadEnum(r, "structure", kStructures, p.structure);
  ReadEnum(r, "direction", kDirections, p.direction);
  ReadInt(r, "session_minutes", p.session_minutes);
  problems.TakeUnreadable(r.Finish());
  CheckPreferences(p, problems);
  if (!problems.Empty()) return Fail(problems.ToError());
  return p;
}

// --- Matching ---------------------------------------------------------------------------------

namespace {

// A licence held for a whole country ("GB") covers each of its parts ("GB-SCT"); one held for a
// part covers only that part.
bool Covers(std::string_view therapist, std::string_view client) {
  const std::string t = Upper(Trim(therapist));
  const std::string c = Upper(Trim(client));
  if (t.empty() || c.empty()) return false;
  if (t == c) return true;
  return t.size() == 2 && c.size() > 3 && c.compare(0, 3, t + "-") == 0;
}

const std::string* SharedPayer(const ClientPreferences& p, const TherapistOffer& offer) {
  for (const std::string& payer : offer.payers) {
    if (SameWords(payer, p.needs.payer)) return &payer;
  }
  return nullptr;
}

bool SharesTime(const WeeklySlot& therapist_slot, const ClientPreferences& p) {
  return std::any_of(p.needs.times.begin(), p.needs.times.end(), [&](const WeeklySlot& c) {
    return Overlaps(therapist_slot, c, p.session_minutes);
  });
}

// Only an attribute the therapist chose to show can meet a wish; a hidden one never counts.
bool ShownAndSame(const Described& d, const Wish& wish) {
  return d.shown && !Trim(d.value).empty() && SameWords(d.value, wish.value);
}

bool Asked(const Wish& wish) {
  return wish.weight > 0 && !Trim(wish.value).empty();
}

std::string ModalityReason(Modality m) {
  switch (m) {
    case Modality::kInPerson: return "offers sessions in person";
    case Modality::kVideo: return "offers video sessions";
    case Modality::kPhone: return "offers phone sessions";
    case Modality::kText: return "offers typed sessions";
  }
  return "offers sessions";
}

std::string SlotValue(const WeeklySlot& s) {
  return fmt::format("{}:{}-{}", s.day, FormatClockTime(s.start_minute),
                     FormatClockTime(s.end_minute));
}

// The reasons behind the hard needs that the client named; a need left open gives no reason,
// since anyone meets it.
void HardNeedReasons(const ClientPreferences& p, const TherapistOffer& offer,
                     std::vector<MatchReason>& reasons) {
  using Kind = MatchReason::Kind;
  for (const std::string& language : p.needs.languages) {
    if (Contains(offer.languages, language)) {
      reasons.push_back({Kind::kLanguage, language, "speaks " + LanguageName(language)});
    }
  }
  for (const Modality m : p.needs.modalities) {
    if (Contains(offer.modalities, m)) {
      reasons.push_back({Kind::kModality, std::string(ToString(m)), ModalityReason(m)});
    }
  }
  if (!p.needs.times.empty()) {
    // Two are enough to show that times fit; more reads as a timetable.
    int shown = 0;
    std::set<std::string> described;
    for (const WeeklySlot& slot : offer.availability) {
      if (shown == 2) break;
      if (!SharesTime(slot, p)) continue;
      std::string text = fmt::format("has {} times", DescribeSlot(slot));
      if (!described.insert(text).second) continue;
      reasons.push_back({Kind::kTimes, SlotValue(slot), std::move(text)});
      ++shown;
    }
  }
  if (!Trim(p.needs.payer).empty()) {
    if (const std::string* payer = SharedPayer(p, offer)) {
      reasons.push_back(
          {Kind::kPayer, *payer,
           SameWords(*payer, "self-pay") ? "offers self-pay sessions" : "takes " + *payer});
    }
  }
}

struct Fit {
  double fit = 1;
  std::vector<MatchReason> reasons;
  std::vector<std::string> unmet;
};

Fit WeighWishes(const ClientPreferences& p, const TherapistOffer& offer) {
  using Kind = MatchReason::Kind;
  const Wishes& w = p.wishes;
  const TherapistIdentity& id = offer.identity;
  Fit out;
  int asked = 0;
  int met = 0;
  const auto weigh = [&](int weight, bool is_met, std::string unmet) {
    asked += weight;
    if (is_met) {
      met += weight;
    } else {
      out.unmet.push_back(std::move(unmet));
    }
  };

  if (w.focus_weight > 0 && !w.focus_areas.empty()) {
    std::vector<std::string_view> missing;
    for (const std::string& area : w.focus_areas) {
      if (Contains(offer.focus_areas, area)) {
        out.reasons.push_back(
            {Kind::kFocus, area, fmt::format("works with {}", TermName(kFocusAreas, area))});
      } else {
        missing.push_back(TermName(kFocusAreas, area));
      }
    }
    weigh(w.focus_weight, missing.size() < w.focus_areas.size(),
          fmt::format("not listed as working with {}", OrList(missing)));
  }
  if (Asked(w.approach)) {
    const bool is_met = Contains(offer.approaches, w.approach.value);
    const std::string_view name = TermName(kApproaches, w.approach.value);
    if (is_met) {
      out.reasons.push_back({Kind::kApproach, w.approach.value, fmt::format("offers {}", name)});
    }
    weigh(w.approach.weight, is_met, fmt::format("does not offer {}", name));
  }
  // Identity wishes quote only what the therapist chose to show, and an unmet one says nothing of
  // the therapist's own words: "not shown" and "different" read the same.
  if (Asked(w.gender)) {
    const bool is_met = ShownAndSame(id.gender_identity, w.gender);
    if (is_met) {
      out.reasons.push_back({Kind::kGender, id.gender_identity.value,
                             "describes themself as: " + id.gender_identity.value});
    }
    weigh(w.gender.weight, is_met, "does not match your wish about gender");
  }
  if (Asked(w.age_band)) {
    const bool is_met = ShownAndSame(id.age_band, w.age_band);
    if (is_met) {
      const std::string band = Lower(Trim(id.age_band.value));
      out.reasons.push_back({Kind::kAgeBand, id.age_band.value,
                             band == "60s-plus" ? std::string("is 60 or over")
                                                : fmt::format("is in their {}", band)});
    }
    weigh(w.age_band.weight, is_met, "does not match your wish about age");
  }
  if (Asked(w.cultural_background)) {
    const bool is_met = ShownAndSame(id.cultural_background, w.cultural_background);
    if (is_met) {
      out.reasons.push_back({Kind::kCulture, id.cultural_background.value,
                             "cultural background: " + id.cultural_background.value});
    }
    weigh(w.cultural_background.weight, is_met,
          "does not match your wish about cultural background");
  }
  if (Asked(w.faith)) {
    const bool is_met = ShownAndSame(id.faith, w.faith);
    if (is_met) out.reasons.push_back({Kind::kFaith, id.faith.value, "faith: " + id.faith.value});
    weigh(w.faith.weight, is_met, "does not match your wish about faith");
  }
  if (w.lgbtq_affirming > 0) {
    const bool is_met = id.lgbtq_affirming_shown && id.lgbtq_affirming.value_or(false);
    if (is_met) out.reasons.push_back({Kind::kAffirming, "yes", "is LGBTQ+ affirming"});
    weigh(w.lgbtq_affirming, is_met, "does not match your wish for an LGBTQ+ affirming therapist");
  }
  if (asked > 0) out.fit = static_cast<double>(met) / asked;
  return out;
}

// Each way of working the client stated counts 1 when the therapist works that way, 0.5 when
// the therapist works either way, 0 when the other; the mean of those, 1 when none was stated.
// One way of working: nothing when the client left it open; otherwise 1 (with its reason) when the
// therapist works that way, 0.5 when they work either way, 0 when the other.
template <typename Way>
void WeighWay(Way wanted, Way offered, MatchReason::Kind kind, std::string_view words, double& sum,
              int& stated, std::vector<MatchReason>& reasons) {
  if (wanted == Way::kEither) return;
  ++stated;
  if (offered == wanted) {
    sum += 1;
    reasons.push_back({kind, std::string(ToString(offered)), std::string(words)});
  } else if (offered == Way::kEither) {
    sum += 0.5;
  }
}

double WeighStyle(const ClientPreferences& p, const TherapistOffer& offer,
                  std::vector<MatchReason>& reasons) {
  double sum = 0;
  int stated = 0;
  WeighWay(p.structure, offer.structure, MatchReason::Kind::kStructure,
           offer.structure == Structure::kStructured ? "works in a structured way"
                                                     : "works in an open way",
           sum, stated, reasons);
  WeighWay(
      p.direction, offer.direction, MatchReason::Kind::kDirection,
      offer.direction == Directiveness::kGuided ? "guides sessions actively" : "follows your lead",
      sum, stated, reasons);
  return stated == 0 ? 1.0 : sum / stated;
}

// The mean distance of the therapist's shrunk improvement rate from the clinic's, in standard
// errors, over the client's focus areas that have a signal; capped at two standard errors each
// way and scaled to at most kMaxOutcomeTerm, so that it orders equal fits and no more.
double OutcomeTerm(const ClientPreferences& p, UserId therapist_id, const MatchOptions& options) {
  if (!options.use_outcomes || options.signals == nullptr) return 0;
  double sum = 0;
  int count = 0;
  for (const std::string& area : p.wishes.focus_areas) {
    const auto it = options.signals->find({therapist_id, area});
    if (it == options.signals->end() || !(it->second.standard_error > 0)) continue;
    sum += (it->second.estimate - it->second.clinic_rate) / it->second.standard_error;
    ++count;
  }
  if (count == 0) return 0;
  const double z = std::clamp(sum / count, -2.0, 2.0);
  return z / 2 * kMaxOutcomeTerm;
}

}  // namespace

std::vector<HardNeed> FailedNeeds(const ClientPreferences& p, const TherapistOffer& offer) {
  // Identity is never read here: no hard need is inferred from who the therapist is.
  std::vector<HardNeed> failed;
  const HardNeeds& needs = p.needs;
  if (!offer.accepting_new_clients) failed.push_back(HardNeed::kAccepting);
  if (!Covers(offer.jurisdiction, needs.jurisdiction)) failed.push_back(HardNeed::kJurisdiction);
  if (!Trim(needs.payer).empty() && SharedPayer(p, offer) == nullptr) {
    failed.push_back(HardNeed::kPayer);
  }
  if (!needs.modalities.empty() &&
      std::none_of(needs.modalities.begin(), needs.modalities.end(),
                   [&](Modality m) { return Contains(offer.modalities, m); })) {
    failed.push_back(HardNeed::kModality);
  }
  if (!needs.languages.empty() &&
      std::none_of(needs.languages.begin(), needs.languages.end(),
                   [&](const std::string& l) { return Contains(offer.languages, l); })) {
    failed.push_back(HardNeed::kLanguage);
  }
  if (!needs.times.empty() && std::none_of(offer.availability.begin(), offer.availability.end(),
                                           [&](const WeeklySlot& s) { return SharesTime(s, p); })) {
    failed.push_back(HardNeed::kTimes);
  }
  return failed;
}

Result<MatchResult> Match(const ClientPreferences& preferences,
                          std::span<const TherapistOffer> offers, const MatchOptions& options) {
  if (Trim(preferences.needs.jurisdiction).empty()) {
    Error error = Error::FailedPrecondition(
        "Say where you live first: a therapist can only see clients where their licence holds.");
    error.fields.push_back({"jurisdiction", "is needed to find a therapist"});
    return Fail(std::move(error));
  }
  MatchResult result;
  result.considered = static_cast<int>(offers.size());
  std::set<HardNeed> sole_failures;
  for (const TherapistOffer& offer : offers) {
    const std::vector<HardNeed> failed = FailedNeeds(preferences, offer);
    for (const HardNeed need : failed) ++result.left_out_by[need];
    if (failed.size() == 1) sole_failures.insert(failed.front());
    if (!failed.empty()) continue;

    RankedMatch match;
    match.therapist_id = offer.therapist_id;
    HardNeedReasons(preferences, offer, match.reasons);
    Fit fit = WeighWishes(preferences, offer);
    match.fit = fit.fit;
    match.reasons.insert(match.reasons.end(), std::make_move_iterator(fit.reasons.begin()),
                         std::make_move_iterator(fit.reasons.end()));
    match.unmet = std::move(fit.unmet);
    match.style = WeighStyle(preferences, offer, match.reasons);
    match.outcome = OutcomeTerm(preferences, offer.therapist_id, options);
    match.score = 0.8 * match.fit + 0.2 * match.style + match.outcome;
    result.matches.push_back(std::move(match));
  }
  std::sort(result.matches.begin(), result.matches.end(),
            [](const RankedMatch& a, const RankedMatch& b) {
              if (a.score != b.score) return a.score > b.score;
              return a.therapist_id < b.therapist_id;
            });
  if (options.limit > 0 && result.matches.size() > static_cast<std::size_t>(options.limit)) {
    result.matches.resize(static_cast<std::size_t>(options.limit));
  }
  if (result.matches.empty()) {
    result.blocking.assign(sole_failures.begin(), sole_failures.end());
  }
  return result;
}

Json MatchResultToJson(const MatchResult& result) {
  Json matches = Json::array();
  for (const RankedMatch& m : result.matches) {
    Json reasons = Json::array();
    for (const MatchReason& reason : m.reasons) {
      reasons.push_back(
          {{"kind", ToString(reason.kind)}, {"value", reason.value}, {"text", reason.text}});
    }
    matches.push_back({{"therapist_id", m.therapist_id},
                       {"fit", m.fit},
                       {"style", m.style},
                       {"outcome", m.outcome},
                       {"score", m.score},
                       {"reasons", std::move(reasons)},
                       {"unmet", m.unmet}});
  }
  Json left_out_by = Json::object();
  for (const auto& [need, count] : result.left_out_by) {
    left_out_by[std::string(ToString(need))] = count;
  }
  Json blocking = Json::array();
  for (const HardNeed need : result.blocking) blocking.push_back(ToString(need));
  return {{"matches", std::move(matches)},
          {"considered", result.considered},
          {"left_out_by", std::move(left_out_by)},
          {"blocking", std::move(blocking)}};
}

}  // namespace rapport
