#include "api_world.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/doorbell.h"
#include "core/json.h"
#include "demo/demo.h"
#include "domain/alerts.h"
#include "domain/catalog.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "http/api.h"
#include "http/problem.h"
#include "http/static_files.h"
#include "service/appointment_service.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/change_service.h"
#include "service/clinic_service.h"
#include "service/course_service.h"
#include "service/family_service.h"
#include "service/feedback_service.h"
#include "service/matching_service.h"
#include "service/messaging_service.h"
#include "service/notes_service.h"
#include "service/plan_service.h"
#include "service/record_service.h"
#include "service/room_service.h"
#include "service/rupture_service.h"
#include "service/safety_service.h"
#include "service/support_service.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport::fuzz {

namespace {

constexpr RouteEntry kBodyRoutes[] = {
#include "api_routes.inc"
};

constexpr std::string_view kPassword = "demo fuzz password, long enough";
constexpr std::string_view kBaseUrl = "http://127.0.0.1:8080";
// The harness's own sign-ins come from one address and the fuzzed requests from another, so
// that failed sign-ins in the inputs never count against the harness.
constexpr std::string_view kHarnessSource = "192.0.2.1";
constexpr std::string_view kRequestSource = "192.0.2.2";

[[noreturn]] void Fatal(std::string_view what) {
  std::fprintf(stderr, "api world: %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::_Exit(1);
}

constexpr std::string_view kScratchPrefix = "rapport-fuzz-";

// The world's directory, removed when the process exits normally.
std::filesystem::path& WorldDirectory() {
  static std::filesystem::path dir;
  return dir;
}

void RemoveWorldDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(WorldDirectory(), ignored);
}

// A directory on a RAM disk when there is one: the store commits with synchronous=FULL, and
// every fuzzed write would otherwise wait for a disk flush. Named for the process; one left by
// a process that ended without cleaning up (a crash found) is removed here.
std::filesystem::path ScratchDirectory() {
  std::error_code ec;
  std::filesystem::path base = "/dev/shm";
  if (!std::filesystem::is_directory(base, ec)) base = std::filesystem::temp_directory_path();
  for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kScratchPrefix)) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kScratchPrefix.size()));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
  WorldDirectory() =
      base / (std::string(kScratchPrefix) + std::to_string(getpid()) + "-" + RandomHex(4));
  std::filesystem::create_directories(WorldDirectory() / "web" / "assets");
  std::atexit(RemoveWorldDirectory);
  return WorldDirectory();
}

// The first value of `key` anywhere in `json`, depth first, as text ("" when none).
std::string FirstValue(const Json& json, std::string_view key) {
  if (json.is_object()) {
    if (const auto it = json.find(key); it != json.end()) {
      if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
      if (it->is_string()) return it->get<std::string>();
    }
    for (const auto& [name, value] : json.items()) {
      if (std::string found = FirstValue(value, key); !found.empty()) return found;
    }
  } else if (json.is_array()) {
    for (const Json& value : json) {
      if (std::string found = FirstValue(value, key); !found.empty()) return found;
    }
  }
  return {};
}

// The first array called `name` anywhere in `json`, or null.
const Json* FirstArray(const Json& json, std::string_view name) {
  if (json.is_object()) {
    if (const auto it = json.find(name); it != json.end() && it->is_array()) return &*it;
    for (const auto& [key, value] : json.items()) {
      if (const Json* found = FirstArray(value, name)) return found;
    }
  } else if (json.is_array()) {
    for (const Json& value : json) {
      if (const Json* found = FirstArray(value, name)) return found;
    }
  }
  return nullptr;
}

std::string KeyOfFirst(const Json& json, std::string_view array) {
  const Json* found = FirstArray(json, array);
  if (found == nullptr || found->empty()) return {};
  return FirstValue(found->front(), "key");
}

std::string_view LastSegment(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::span<const RouteEntry> BodyRoutes() {
  return kBodyRoutes;
}

// One demo account and the records its requests name.
struct Account {
  std::string email;
  std::string password;
  std::string token, csrf, device;
  SessionId session = 0;
  // By the path segment before a {param}: "clients" -> the client's id, and so on
  // ("appointments/note": the appointment whose session note the note routes write;
  // "guardian-links/end": the link DELETE /api/v1/guardian-links/{id} ends; "episodes/end": the
  // episode POST /api/v1/episodes/{id}/ending ends).
  std::map<std::string, std::string, std::less<>> records;
};

struct ApiWorld::Impl {
  std::filesystem::path dir;
  FakeClock clock{0};
  OffsetClock test_clock;  // registers POST /api/v1/test/clock; nothing else reads it
  Doorbell doorbell;
  InstrumentCatalog catalog;
  std::unique_ptr<SqliteStore> store;
  AuthOptions auth_options;
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<ClinicService> clinic;
  std::unique_ptr<AuditService> audit;
  std::unique_ptr<FeedbackService> feedback;
  std::unique_ptr<PlanService> plan;
  std::unique_ptr<SafetyService> safety;
  std::unique_ptr<AppointmentService> appointments;
  std::unique_ptr<RoomService> rooms;
  std::unique_ptr<MessagingService> messaging;
  std::unique_ptr<MatchingService> matching;
  std::unique_ptr<CourseService> course;
  std::unique_ptr<NotesService> notes;
  std::unique_ptr<TherapistChangeService> changes;
  std::unique_ptr<RuptureService> ruptures;
  std::unique_ptr<RecordService> records;
  std::unique_ptr<SupportService> support;
  std::unique_ptr<FamilyService> family;
  std::unique_ptr<Router> router;
  std::unique_ptr<StaticFiles> static_files;
  std::array<Account, kPersonNames.size()> accounts;
  std::string therapist_id, client_id, adult_episode;  // the therapist's, Jordan's
  std::uint64_t request_counter = 0;

  ~Impl() {
    router.reset();
    family.reset();
    support.reset();
    records.reset();
    ruptures.reset();
    changes.reset();
    notes.reset();
    course.reset();
    matching.reset();
    messaging.reset();
    rooms.reset();
    appointments.reset();
    safety.reset();
    plan.reset();
    feedback.reset();
    audit.reset();
    clinic.reset();
    auth.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  Account& AccountOf(Person person) { return accounts[static_cast<std::size_t>(person)]; }

  bool SignIn(Account& account) {
    auto login = auth->Login(account.email, account.password, kHarnessSource, "rapport-fuzz",
                             account.device);
    if (!login) return false;
    account.token = login->session_token;
    account.csrf = login->csrf_token;
    account.session = login->session_id;
    account.device = login->device_token;
    account.records["sessions"] = std::to_string(login->session_id);
    return true;
  }

  // A GET as `person`, for finding the records the fuzzed requests name.
  Json Get(ApiWorld& world, Person person, const std::string& path) {
    HttpRequest request = world.RequestFrom(person, "GET", path, "");
    const HttpResponse response = world.Dispatch(request);
    if (response.status != 200) return Json();
    return Json::parse(response.body, nullptr, false);
  }

  // A POST or PATCH as `person`: the new or changed record's id, or "" when refused.
  std::string Send(ApiWorld& world, Person person, const char* method, const std::string& path,
                   const Json& body) {
    HttpRequest request = world.RequestFrom(person, method, path, body.dump());
    const HttpResponse response = world.Dispatch(request);
    if (response.status != 200 && response.status != 201) return {};
    return FirstValue(Json::parse(response.body, nullptr, false), "id");
  }

  // A new episode of the client with the therapist, under way.
  std::string OpenEpisode(ApiWorld& world) {
    const std::string id =
        Send(world, Person::kTherapist, "POST", "/api/v1/episodes",
             {{"client_id", std::stoll(client_id)}, {"therapist_id", std::stoll(therapist_id)}});
    if (!id.empty()) {
      Send(world, Person::kTherapist, "PATCH", "/api/v1/episodes/" + id, {{"status", "active"}});
    }
    return id;
  }

  // Makes again a record that requests use up, for every person whose requests name it: the
  // episode the ending route ends (a course ends once), a request to change therapist on an
  // episode of its own (assigning the new therapist ends that episode), and the adult client's
  // next appointment (one that was cancelled or moved can no longer be changed).
  void Renew(ApiWorld& world, std::string_view key) {
    std::string value;
    if (key == "episodes/end") {
      value = OpenEpisode(world);
    } else if (key == "therapist-changes") {
      value = Send(world, Person::kClient, "POST",
                   "/api/v1/episodes/" + OpenEpisode(world) + "/therapist-changes", Json::object());
    } else if (key == "appointments") {
      value = Send(world, Person::kTherapist, "POST",
                   "/api/v1/episodes/" + adult_episode + "/appointments",
                   {{"starts_at", FormatIso8601(clock.Now() + std::int64_t{2} * 24 * 3'600'000)},
                    {"duration_minutes", 50},
                    {"modality", "video"}});
    }
    if (value.empty()) value = "999999";
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      const Person person = static_cast<Person>(i);
      const bool for_child = person == Person::kGuardian || person == Person::kFamilyTherapist;
      if (key == "appointments" && for_child) continue;
      accounts[i].records[std::string(key)] = value;
    }
  }

  // Fills each account's records from what the demo clinic holds for it.
  void FindRecords(ApiWorld& world) {
    therapist_id = FirstValue(Get(world, Person::kTherapist, "/api/v1/me"), "id");
    client_id = FirstValue(Get(world, Person::kClient, "/api/v1/me"), "id");
    const std::string child_id = FirstValue(Get(world, Person::kGuardian, "/api/v1/clients"), "id");
    const std::string spare_id = [&] {
      // Another therapist: the one whose account the user routes deactivate or unlock.
      const Json users = Get(world, Person::kAdmin, "/api/v1/users");
      const Json* list = users.is_array() ? &users : FirstArray(users, "users");
      if (list != nullptr) {
        for (const Json& user : *list) {
          if (user.value("email", "") == "priya.raman@demo.rapport") {
            return std::to_string(user.value("id", std::int64_t{0}));
          }
        }
      }
      return std::string();
    }();

    // The client's and the child's current episodes, their appointments and plans.
    struct Care {
      // The next appointment, and the latest that took place (for session notes).
      std::string episode, appointment, past_appointment, version, problem, goal, homework, rupture;
    };
    const auto care_of = [&](const std::string& client) {
      Care care;
      const Json detail = Get(world, Person::kTherapist, "/api/v1/clients/" + client);
      if (const Json* episodes = FirstArray(detail, "episodes")) {
        for (const Json& e : *episodes) {
          if (e.value("status", "") != "ended") {
            care.episode = std::to_string(e.value("id", std::int64_t{0}));
            break;
          }
        }
      }
      const Json booked =
          Get(world, Person::kTherapist, "/api/v1/episodes/" + care.episode + "/appointments");
      if (booked.is_array()) {
        for (const Json& a : booked) {
          const std::string id = std::to_string(a.value("id", std::int64_t{0}));
          if (a.value("status", "") == "completed") care.past_appointment = id;
          if (a.value("status", "") == "scheduled" && care.appointment.empty()) {
            care.appointment = id;
          }
        }
      }
      const Json overview =
          Get(world, Person::kTherapist, "/api/v1/episodes/" + care.episode + "/plan");
      care.version =
          overview.is_object() && overview.contains("current") && overview["current"].is_object()
              ? FirstValue(overview["current"], "number")
              : "";
      care.problem = KeyOfFirst(overview, "problems");
      care.goal = KeyOfFirst(overview, "goals");
      care.homework = KeyOfFirst(overview, "homework");
      care.rupture = FirstValue(
          Get(world, Person::kTherapist, "/api/v1/episodes/" + care.episode + "/ruptures"), "id");
      return care;
    };
    const Care adult = care_of(client_id);
    const Care child = care_of(child_id);

    // A link for answering without signing in (the fuzzed draft and response routes use it).
    std::string feedback_token = "no-such-link";
    {
      HttpRequest request =
          world.RequestFrom(Person::kTherapist, "POST",
                            "/api/v1/appointments/" + adult.appointment + "/feedback-link", "{}");
      const HttpResponse response = world.Dispatch(request);
      const Json body = Json::parse(response.body, nullptr, false);
      if (response.status == 201 && body.is_object() && body.contains("url")) {
        feedback_token = std::string(LastSegment(body.value("url", "")));
      }
    }
    const std::string guardian_link =
        FirstValue(Get(world, Person::kGuardian, "/api/v1/me/guardian-links"), "id");
    // Another guardian's link to the child (his father's), for the route that ends a link: ending
    // the guardian's own would leave their requests nothing to reach.
    std::string other_link;
    const Json adults = Get(world, Person::kTherapist, "/api/v1/clients/" + child_id + "/family");
    if (const Json* guardians = FirstArray(adults, "guardians")) {
      for (const Json& g : *guardians) {
        const std::string link = std::to_string(g.value("link_id", std::int64_t{0}));
        if (link != guardian_link && other_link.empty()) other_link = link;
      }
    }
    const std::string alert = FirstValue(Get(world, Person::kTherapist, "/api/v1/alerts"), "id");
    const std::string shift = FirstValue(Get(world, Person::kAdmin, "/api/v1/on-call"), "id");
    // A request to move the next appointment, and one to change therapist, for the routes that
    // decide or withdraw them.
    const auto posted_id = [&](Person person, const std::string& path, const char* body) {
      HttpRequest request = world.RequestFrom(person, "POST", path, body);
      const HttpResponse response = world.Dispatch(request);
      return response.status == 201 ? FirstValue(Json::parse(response.body, nullptr, false), "id")
                                    : std::string();
    };
    const std::string change_request =
        posted_id(Person::kClient, "/api/v1/appointments/" + adult.appointment + "/requests",
                  R"({"kind": "move", "note": "Could we meet an hour later?"})");

    adult_episode = adult.episode;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      const Person person = static_cast<Person>(i);
      const bool for_child = person == Person::kGuardian || person == Person::kFamilyTherapist;
      const Care& care = for_child ? child : adult;
      auto& r = accounts[i].records;
      r["clients"] = for_child ? child_id : client_id;
      r["episodes"] = care.episode;
      r["appointments"] = care.appointment;
      r["appointments/note"] = care.past_appointment;
      r["versions"] = care.version;
      r["problems"] = care.problem;
      r["goals"] = care.goal;
      r["homework"] = care.homework;
      r["ruptures"] = care.rupture;
      r["users"] = spare_id;
      r["therapists"] = therapist_id;
      r["guardian-links"] = guardian_link;
      r["guardian-links/end"] = other_link;
      r["alerts"] = alert;
      r["on-call"] = shift;
      r["appointment-requests"] = change_request;
      r["feedback-links"] = feedback_token;
      r["invitations"] = "no-such-invitation";
      r["instruments"] = "PHQ-9";
      r["crisis-sets"] = "GB";
      for (auto& [segment, value] : r) {
        // A record the demo does not hold: a well-formed id that names nothing (404).
        if (value.empty()) value = "999999";
      }
    }
    Renew(world, "episodes/end");
    Renew(world, "therapist-changes");
  }
};

ApiWorld::ApiWorld(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiWorld::~ApiWorld() = default;

ApiWorld& ApiWorld::Instance() {
  static ApiWorld* const world = [] {
    if (!InitCrypto()) Fatal("libsodium did not start");
    auto impl = std::make_unique<Impl>();
    Impl& w = *impl;
    w.dir = ScratchDirectory();
    std::ofstream(w.dir / "web" / "index.html") << "<!doctype html><title>Rapport</title>\n";
    std::ofstream(w.dir / "web" / "assets" / "index-0a1b2c.js") << "console.log('rapport');\n";
    w.static_files = std::make_unique<StaticFiles>(w.dir / "web");
    auto catalog = InstrumentCatalog::Shipped();
    if (!catalog) Fatal("the shipped questionnaires do not load: " + catalog.error().message);
    w.catalog = std::move(*catalog);

    SqliteStoreOptions options;
    options.path = (w.dir / "rapport.db").string();
    options.read_connections = 2;
    auto store = SqliteStore::Open(options);
    if (!store) Fatal("cannot open the store: " + store.error().message);
    w.store = std::move(*store);
    // The demo clinic is anchored to now; the clock then stands still, so that no session runs
    // out and no appointment slides into the past during a run.
    w.clock.Set(SystemClock::Instance().Now());
    auto seeded = SeedDemo(*w.store, w.clock.Now(), std::string(kPassword), HashCost::kMinimal);
    if (!seeded) Fatal("cannot seed the demo clinic: " + seeded.error().message);

    // As `rapport serve` wires them (serve.cc), with cheap password hashes and sign-in limits
    // out of reach of the fuzzed sign-ins.
    w.auth_options.link_base_url = std::string(kBaseUrl);
    w.auth_options.hash_cost = HashCost::kMinimal;
    w.auth_options.max_account_failures = 1 << 30;
    w.auth_options.max_source_failures = 1 << 30;
    const NotifierConfig notifier{&ShippedEscalationLadder(), std::string(kBaseUrl)};
    const std::string base_url(kBaseUrl);
    Store& s = *w.store;
    w.auth = std::make_unique<AuthService>(s, w.clock, w.auth_options);
    w.clinic = std::make_unique<ClinicService>(s, w.clock, w.auth_options);
    w.audit = std::make_unique<AuditService>(s, w.clock);
    w.feedback = std::make_unique<FeedbackService>(
        s, w.clock, w.catalog, ShippedAlertRules(),
        FeedbackWiring{notifier, &w.doorbell, &ShippedCrisisDirectory()});
    w.plan = std::make_unique<PlanService>(s, w.clock, w.catalog);
    w.safety = std::make_unique<SafetyService>(s, w.clock, ShippedCrisisDirectory(), false);
    w.appointments = std::make_unique<AppointmentService>(s, w.clock, base_url);
    IceConfig ice;
    ice.stun_urls = {"stun:127.0.0.1:3478"};
    ice.turn_urls = {"turn:127.0.0.1:3478?transport=udp"};
    ice.turn_secret = "fuzz-turn-secret";
    w.rooms = std::make_unique<RoomService>(s, w.clock, std::move(ice));
    w.messaging = std::make_unique<MessagingService>(s, w.clock);
    w.matching = std::make_unique<MatchingService>(s, w.clock, w.catalog);
    w.course = std::make_unique<CourseService>(s, w.clock, w.catalog, *w.feedback, *w.plan,
                                               ShippedCrisisDirectory());
    w.notes = std::make_unique<NotesService>(s, w.clock);
    w.changes = std::make_unique<TherapistChangeService>(s, w.clock, w.catalog, *w.course);
    w.ruptures = std::make_unique<RuptureService>(s, w.clock, w.catalog);
    w.records = std::make_unique<RecordService>(s, w.clock, w.catalog, *w.course);
    w.support = std::make_unique<SupportService>(s, w.clock, w.catalog, base_url);
    w.family = std::make_unique<FamilyService>(s, w.clock);
    w.router = std::make_unique<Router>(BuildRouter(ApiServices{&s,
                                                                w.auth.get(),
                                                                w.clinic.get(),
                                                                w.audit.get(),
                                                                w.feedback.get(),
                                                                &w.catalog,
                                                                w.plan.get(),
                                                                w.safety.get(),
                                                                &w.test_clock,
                                                                &w.doorbell,
                                                                {},
                                                                w.appointments.get(),
                                                                w.rooms.get(),
                                                                w.messaging.get(),
                                                                w.matching.get(),
                                                                w.course.get(),
                                                                w.notes.get(),
                                                                w.changes.get(),
                                                                w.ruptures.get(),
                                                                w.records.get(),
                                                                w.support.get(),
                                                                w.family.get()}));

    const std::array<std::string_view, kPersonNames.size()> emails = {
        "admin@demo.rapport",  "supervisor@demo.rapport", "therapist@demo.rapport",
        "client@demo.rapport", "guardian@demo.rapport",   "therapist@demo.rapport"};
    for (std::size_t i = 0; i < emails.size(); ++i) {
      w.accounts[i].email = std::string(emails[i]);
      w.accounts[i].password = std::string(kPassword);
      if (!w.SignIn(w.accounts[i])) Fatal("cannot sign in as " + w.accounts[i].email);
    }
    auto* built = new ApiWorld(std::move(impl));
    built->impl_->FindRecords(*built);

    // Every listed route must be one the router answers with that pattern: a misread
    // registration would otherwise fuzz a 404 instead of a route.
    for (const RouteEntry& route : BodyRoutes()) {
      HttpRequest probe;
      const Router::Match match = built->impl_->router->Find(
          route.method, built->PathFor(Person::kTherapist, route.pattern), probe);
      if (match.handler == nullptr || match.pattern != route.pattern) {
        Fatal("the route list names " + std::string(route.method) + " " +
              std::string(route.pattern) + ", which the router does not answer");
      }
    }
    return built;
  }();
  return *world;
}

std::string ApiWorld::PathFor(Person person, std::string_view pattern) const {
  const Account& account = impl_->accounts[static_cast<std::size_t>(person)];
  std::string path;
  std::string_view previous;
  std::string_view rest = pattern;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/', 1);
    const std::string_view segment = rest.substr(0, slash);  // with its leading '/'
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    const std::string_view name = segment.substr(1);
    if (name.size() > 2 && name.front() == '{' && name.back() == '}') {
      // A session note is written on an appointment that took place; the link a request ends
      // (DELETE /api/v1/guardian-links/{id}) is another guardian's; the episode the ending route
      // ends is one of its own (Impl::Renew).
      std::string key(previous);
      if (previous == "appointments" && rest.starts_with("/note")) key = "appointments/note";
      if (previous == "guardian-links" && rest.empty()) key = "guardian-links/end";
      if (previous == "episodes" && rest == "/ending") key = "episodes/end";
      const auto it = account.records.find(key);
      path += '/';
      path += it == account.records.end() ? std::string("1") : it->second;
    } else {
      path += segment;
    }
    previous = name;
  }
  return path;
}

HttpRequest ApiWorld::RequestFrom(Person person, std::string method, std::string path,
                                  std::string body) const {
  const Account& account = impl_->accounts[static_cast<std::size_t>(person)];
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers.emplace("host", "127.0.0.1:8080");
  request.headers.emplace("cookie", std::string(kSessionCookie) + "=" + account.token + "; " +
                                        std::string(kDeviceCookie) + "=" + account.device);
  request.headers.emplace(std::string(kCsrfHeader), account.csrf);
  request.headers.emplace("content-type", "application/json");
  request.headers.emplace("user-agent", "rapport-fuzz");
  request.body = std::move(body);
  request.remote_address = std::string(kRequestSource);
  request.base_url = std::string(kBaseUrl);
  request.request_id = "fuzz-" + std::to_string(++impl_->request_counter);
  return request;
}

namespace {

HttpResponse Call(const Handler& handler, const HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    // The server would answer 500 ("unexpected exception in a handler").
    Report(std::string("a handler threw: ") + e.what(), request, HttpResponse{});
  }
}

}  // namespace

HttpResponse ApiWorld::Dispatch(HttpRequest& request) {
  // As the server dispatches (http/server.cc), with its handlers run here in turn.
  DispatchPlan plan = PlanDispatch(*impl_->router, request);
  HttpResponse response;
  switch (plan.way) {
    case DispatchPlan::Way::kHandler: {
      const Handler& handler = *plan.match.handler;
      if (plan.match.blocking && (request.method == "GET" || request.method == "HEAD")) {
        std::optional<HttpResponse> answered;
        const Status read = impl_->store->Read([&](Reads&) -> Status {
          answered = Call(handler, request);
          return Ok();
        });
        response = read && answered
                       ? std::move(*answered)
                       : ProblemResponse(read ? Error::Internal("no response") : read.error());
      } else {
        response = Call(handler, request);
      }
      break;
    }
    case DispatchPlan::Way::kStaticFile: response = impl_->static_files->Serve(request.path); break;
    case DispatchPlan::Way::kRefused: response = std::move(plan.refusal); break;
  }
  if (plan.api) response.no_store = true;
  if (response.status >= 500) Report("a 5xx answer", request, response);
  // A line break in a header would let whatever put it there write headers of its own.
  for (const auto& [name, value] : response.headers) {
    if (name.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      Report("a response header with a line break", request, response);
    }
  }
  return response;
}

void ApiWorld::AfterRequest(const HttpRequest& request, const HttpResponse& response) {
  const bool done = response.status == 200 || response.status == 201 || response.status == 204;
  // A changed password is the one the next sign-in needs (the family therapist is the therapist).
  if (request.method == "POST" && request.path == "/api/v1/me/password" && response.status == 200) {
    const Json body = Json::parse(request.body, nullptr, false);
    const std::string token(request.Cookie(kSessionCookie).value_or(""));
    std::string email;
    for (const Account& account : impl_->accounts) {
      if (account.token == token) email = account.email;
    }
    for (Account& account : impl_->accounts) {
      if (account.email == email && body.is_object() && body.contains("new_password") &&
          body["new_password"].is_string()) {
        account.password = body["new_password"].get<std::string>();
      }
    }
  }
  // Records used up (Impl::Renew).
  if (done && request.method == "POST") {
    if (request.path.ends_with("/ending")) impl_->Renew(*this, "episodes/end");
    if (request.path.starts_with("/api/v1/therapist-changes/") &&
        (request.path.ends_with("/assignment") || request.path.ends_with("/withdrawal"))) {
      impl_->Renew(*this, "therapist-changes");
    }
  }
  // The adult client's next appointment, cancelled or moved by a change or by an answered request.
  if (done && (request.method == "PATCH" || request.path.ends_with("/decision"))) {
    const Json answer = Json::parse(response.body, nullptr, false);
    const std::string& next = impl_->accounts[0].records.at("appointments");
    if (answer.is_object()) {
      const bool moved =
          request.method == "PATCH"
              ? request.path == "/api/v1/appointments/" + next &&
                    answer.value("status", "") != "scheduled"
              : std::to_string(answer.value("appointment_id", std::int64_t{0})) == next;
      if (moved) impl_->Renew(*this, "appointments");
    }
  }
  const bool may_end_sessions = response.status == 401 || request.path == "/api/v1/auth/logout" ||
                                request.path.starts_with("/api/v1/auth/sessions/") ||
                                request.path == "/api/v1/me/password" ||
                                request.path.ends_with("/deactivate");
  if (!may_end_sessions) return;
  for (Account& account : impl_->accounts) {
    if (impl_->auth->Authenticate(account.token, kHarnessSource)) continue;
    if (!impl_->SignIn(account)) {
      Fatal("cannot sign in again as " + account.email +
            " (the fuzzed requests deactivated the account or changed its password)");
    }
  }
}

std::string ApiWorld::Placeholder(std::string_view name) const {
  const Account& therapist = impl_->accounts[static_cast<std::size_t>(Person::kTherapist)];
  if (name == "session") return therapist.token;
  if (name == "csrf") return therapist.csrf;
  if (name == "therapist") return therapist.records.at("therapists");
  if (name == "client") return therapist.records.at("clients");
  if (name == "episode") return therapist.records.at("episodes");
  if (name == "appointment") return therapist.records.at("appointments");
  return {};
}

void Report(std::string_view why, const HttpRequest& request, const HttpResponse& response) {
  std::fprintf(stderr, "\n== %.*s\n%s %s%s%s\n", static_cast<int>(why.size()), why.data(),
               request.method.c_str(), request.path.c_str(), request.query.empty() ? "" : "?",
               request.query.c_str());
  std::fprintf(stderr, "request body (%zu bytes): %.2000s\n", request.body.size(),
               request.body.c_str());
  std::fprintf(stderr, "response %u: %.2000s\n", response.status, response.body.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace rapport::fuzz
