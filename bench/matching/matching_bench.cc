// matching_bench: finding a therapist at the size of a large clinic group.
//
// 1. Matching: N clients (1,000) against M therapists (500) with an outcome signal for every
//    therapist in three focus areas and outcome-informed matching on: the time of each Match()
//    (the top three with their reasons). The reference in the same run is the hard-needs filter
//    alone over the same offers for the same clients (FailedNeeds for every offer): the ratio says
//    what ranking, reasons and outcomes add to the filtering every directory does.
// 2. The outcome report: a real SQLite clinic with E ended episodes (20,000), each with four
//    sessions held and a PHQ-9 or GAD-7 at its first and last session, 50 therapists.
//    MatchingService::BuildReport (the store's read of every ended episode, classifying each by
//    reliable change, and the shrunk estimates) against the store's read alone
//    (ListEndedEpisodeMeasures): the ratio is the cost of the statistics over the read.
//
//   matching_bench [--clients 1000] [--therapists 500] [--episodes 20000] [--dir /tmp]

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "domain/catalog.h"
#include "domain/matching.h"
#include "latency_stats.h"
#include "service/matching_service.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using namespace rapport;
using rapport::bench::Ms;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kDay = 86'400'000;

template <typename T>
const T& Pick(const std::vector<T>& v, std::mt19937& r) {
  return v[r() % v.size()];
}

std::vector<std::string> Ids(std::span<const Term> terms) {
  std::vector<std::string> out;
  for (const Term& t : terms) out.emplace_back(t.id);
  return out;
}

const std::vector<std::string> kLanguages = {"en", "es", "fr", "pl", "ar", "ur", "zh", "de"};
const std::vector<std::string> kPayers = {"self-pay", "Bupa", "AXA Health", "Vitality", "Aviva"};
const std::vector<std::string> kPlaces = {"GB", "GB-SCT", "IE"};
const std::vector<Modality> kModalities = {Modality::kInPerson, Modality::kVideo, Modality::kPhone,
                                           Modality::kText};

WeeklySlot RandomSlot(std::mt19937& r) {
  const int start = 8 + static_cast<int>(r() % 11);
  return WeeklySlot{static_cast<int>(r() % 7), start * 60,
                    (start + 2 + static_cast<int>(r() % 3)) * 60};
}

template <typename T>
std::vector<T> Some(const std::vector<T>& from, int at_most, std::mt19937& r) {
  std::vector<T> out;
  const int n = 1 + static_cast<int>(r() % static_cast<unsigned>(at_most));
  for (int i = 0; i < n; ++i) {
    const T& v = Pick(from, r);
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

std::vector<TherapistOffer> Therapists(int n, std::mt19937& r) {
  const std::vector<std::string> approaches = Ids(Approaches());
  const std::vector<std::string> focus = Ids(FocusAreas());
  const std::vector<std::string> ages = Ids(AgeBands());
  std::vector<TherapistOffer> out;
  for (int i = 0; i < n; ++i) {
    TherapistOffer o;
    o.therapist_id = i + 1;
    o.display_name = fmt::format("Therapist {}", i + 1);
    o.jurisdiction = Pick(kPlaces, r);
    o.approaches = Some(approaches, 3, r);
    o.focus_areas = Some(focus, 5, r);
    o.languages = Some(kLanguages, 2, r);
    if (std::find(o.languages.begin(), o.languages.end(), "en") == o.languages.end()) {
      o.languages.push_back("en");
    }
    o.modalities = Some(kModalities, 3, r);
    for (int s = 0; s < 4; ++s) o.availability.push_back(RandomSlot(r));
    o.payers = Some(kPayers, 3, r);
    o.accepting_new_clients = r() % 10 != 0;
    o.structure = static_cast<Structure>(r() % 3);
    o.direction = static_cast<Directiveness>(r() % 3);
    o.identity.age_band = Described{Pick(ages, r), r() % 2 == 0};
    o.identity.gender_identity = Described{r() % 2 ? "woman" : "man", r() % 3 != 0};
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<ClientPreferences> Clients(int n, std::mt19937& r) {
  const std::vector<std::string> approaches = Ids(Approaches());
  const std::vector<std::string> focus = Ids(FocusAreas());
  std::vector<ClientPreferences> out;
  for (int i = 0; i < n; ++i) {
    ClientPreferences p;
    p.client_id = 100'000 + i;
    p.needs.jurisdiction = Pick(kPlaces, r);
    if (r() % 2) p.needs.payer = Pick(kPayers, r);
    p.needs.modalities = Some(kModalities, 2, r);
    p.needs.languages = {r() % 5 == 0 ? Pick(kLanguages, r) : "en"};
    for (int s = 0; s < 3; ++s) p.needs.times.push_back(RandomSlot(r));
    p.wishes.gender = Wish{r() % 2 ? "woman" : "man", static_cast<int>(r() % 3)};
    p.wishes.approach = Wish{Pick(approaches, r), static_cast<int>(r() % 3)};
    p.wishes.focus_areas = Some(focus, 2, r);
    p.wishes.focus_weight = 2;
    p.structure = static_cast<Structure>(r() % 3);
    out.push_back(std::move(p));
  }
  return out;
}

int BenchMatching(int clients, int therapists) {
  std::mt19937 r(20261206);
  const std::vector<TherapistOffer> offers = Therapists(therapists, r);
  const std::vector<ClientPreferences> people = Clients(clients, r);
  OutcomeSignals signals;
  const std::vector<std::string> focus = Ids(FocusAreas());
  for (const TherapistOffer& o : offers) {
    for (int k = 0; k < 3; ++k) {
      signals[{o.therapist_id, Pick(focus, r)}] =
          OutcomeSignal{0.3 + (r() % 40) / 100.0, 0.05 + (r() % 10) / 100.0, 0.5};
    }
  }
  MatchOptions options;
  options.limit = 3;
  options.use_outcomes = true;
  options.signals = &signals;

  // The reference first: the hard-needs filter alone.
  std::size_t passing = 0;
  const auto filter_start = Clock::now();
  for (const ClientPreferences& p : people) {
    for (const TherapistOffer& o : offers) passing += FailedNeeds(p, o).empty();
  }
  const double filter_ms = Ms(Clock::now() - filter_start);

  std::vector<double> each;
  std::size_t reasons = 0, matched = 0;
  const auto start = Clock::now();
  for (const ClientPreferences& p : people) {
    const auto t = Clock::now();
    auto result = Match(p, offers, options);
    each.push_back(Ms(Clock::now() - t));
    if (!result) {
      std::cerr << "match failed: " << result.error().message << "\n";
      return 1;
    }
    matched += result->matches.size();
    for (const RankedMatch& m : result->matches) reasons += m.reasons.size();
  }
  const double total_ms = Ms(Clock::now() - start);
  const auto stats = rapport::bench::Summarise(each);
  std::cout << fmt::format(
      "matching: {} clients x {} therapists (outcome-informed, top 3)\n"
      "  per match: p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms (goal: at most 10 ms)\n"
      "  all {} clients: {:.1f} ms; {} matches shown with {} reasons; {} offers passed the hard "
      "needs\n"
      "  reference, the hard-needs filter alone: {:.1f} ms for all; matching / filter = {:.2f}\n",
      clients, therapists, stats.p50, stats.p99, stats.max, clients, total_ms, matched, reasons,
      passing, filter_ms, total_ms / filter_ms);
  return 0;
}

int BenchReport(int episodes, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  SqliteStoreOptions store_options;
  store_options.path = (dir / "matching-bench.db").string();
  auto opened = SqliteStore::Open(store_options);
  if (!opened) {
    std::cerr << "cannot open the store: " << opened.error().message << "\n";
    return 1;
  }
  SqliteStore& store = **opened;
  auto catalog = InstrumentCatalog::Shipped();
  if (!catalog) return 1;
  constexpr int kTherapists = 50;
  const Timestamp now = 1'790'000'000'000;
  std::mt19937 r(7);
  ClinicId clinic = 0;
  const auto seed_start = Clock::now();
  const Status seeded = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.InsertClinic(Clinic{0, "Bench group", {}}));
    std::vector<UserId> therapists;
    for (int t = 0; t < kTherapists; ++t) {
      RAPPORT_ASSIGN_OR_RETURN(
          const UserId id,
          txn.InsertUser(NewUser{clinic, fmt::format("t{}@bench.test", t), fmt::format("T {}", t),
                                 Role::kTherapist, "", now, true}));
      therapists.push_back(id);
    }
    for (int e = 0; e < episodes; ++e) {
      RAPPORT_ASSIGN_OR_RETURN(
          const UserId client,
          txn.InsertUser(NewUser{clinic, fmt::format("c{}@bench.test", e), fmt::format("C {}", e),
                                 Role::kClient, "", now, true}));
      Episode episode;
      episode.clinic_id = clinic;
      episode.client_id = client;
      episode.therapist_id = therapists[static_cast<std::size_t>(e % kTherapists)];
      episode.status = EpisodeStatus::kEnded;
      episode.started_at = now - 200 * kDay;
      episode.ended_at = now - 100 * kDay;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId id, txn.InsertEpisode(episode));
      for (int s = 0; s < 4; ++s) {
        Appointment a;
        a.episode_id = id;
        a.starts_at = episode.started_at + s * 7 * kDay;
        a.status = AppointmentStatus::kCompleted;
        RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(a));
      }
      const bool phq = e % 2 == 0;
      const double first = phq ? 10 + r() % 15 : 8 + r() % 13;
      const double latest = std::max(0.0, first - static_cast<double>(r() % 14) + 3);
      for (const auto& [total, session] : {std::pair{first, 0}, std::pair{latest, 3}}) {
        FeedbackResponse response;
        response.episode_id = id;
        response.instrument = phq ? "PHQ-9" : "GAD-7";
        response.instrument_version = "1";
        response.respondent_user_id = client;
        response.submitted_at = episode.started_at + session * 7 * kDay;
        response.session_number = session;
        response.answers_json = "{}";
        response.total = total;
        response.scales_json = "{}";
        response.risk_json = "[]";
        RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(response));
      }
    }
    return Ok();
  });
  if (!seeded) {
    std::cerr << "seeding failed: " << seeded.error().message << "\n";
    return 1;
  }
  const double seed_ms = Ms(Clock::now() - seed_start);

  MatchingService matching(store, SystemClock::Instance(), *catalog);
  std::vector<double> read_ms, report_ms;
  std::size_t rows = 0;
  for (int round = 0; round < 5; ++round) {
    auto t = Clock::now();
    auto measures = store.ListEndedEpisodeMeasures(clinic);
    read_ms.push_back(Ms(Clock::now() - t));
    if (!measures) return 1;
    t = Clock::now();
    auto report = matching.BuildReport(clinic, 10);
    report_ms.push_back(Ms(Clock::now() - t));
    if (!report) {
      std::cerr << "report failed: " << report.error().message << "\n";
      return 1;
    }
    rows = report->rows.size();
  }
  const auto read = rapport::bench::Summarise(read_ms);
  const auto report = rapport::bench::Summarise(report_ms);
  std::cout << fmt::format(
      "outcome report: {} ended episodes, {} therapists (seeded in {:.0f} ms)\n"
      "  the report (read, classify, shrink): median {:.1f} ms, max {:.1f} ms of 5 (goal: at most "
      "1 s); {} rows\n"
      "  reference, the store's read alone: median {:.1f} ms; report / read = {:.2f}\n",
      episodes, kTherapists, seed_ms, report.p50, report.max, rows, read.p50,
      report.p50 / read.p50);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 1000, therapists = 500, episodes = 20000;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--clients")
      clients = std::stoi(argv[i + 1]);
    else if (flag == "--therapists")
      therapists = std::stoi(argv[i + 1]);
    else if (flag == "--episodes")
      episodes = std::stoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
    else {
      std::cerr
          << "usage: matching_bench [--clients N] [--therapists N] [--episodes N] [--dir D]\n";
      return 2;
    }
  }
  if (!InitCrypto()) return 1;
  if (const int failed = BenchMatching(clients, therapists); failed != 0) return failed;
  return BenchReport(episodes, dir / fmt::format("rapport-matching-bench-{}", RandomHex(6)));
}
