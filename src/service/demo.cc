#include "service/demo.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

#include "service/actor.h"
#include "service/audit_log.h"

namespace rapport {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr int kWeeksOfHistory = 16;
constexpr int kUpcomingWeeks = 3;
// Any fixed value: the clinic must come out the same on every run.
constexpr std::uint32_t kSeed = 20261125;

struct StaffSeed {
  const char* email;
  const char* name;
  Role role;
  const char* credentials;
  const char* bio;
};

constexpr std::array<StaffSeed, 5> kStaff{{
    {"admin@demo.rapport", "Morgan Ellis", Role::kAdmin, "", ""},
    {"supervisor@demo.rapport", "Dr. Amara Okafor", Role::kSupervisor, "", ""},
    {"therapist@demo.rapport", "Sofia Lindqvist", Role::kTherapist,
     "Clinical psychologist; CBT and play therapy",
     "Works with adults and younger children; warm, structured and curious."},
    {"daniel.nakamura@demo.rapport", "Daniel Nakamura", Role::kTherapist,
     "Counselling psychologist; ACT, adolescents",
     "Helps teenagers and young adults with anxiety, school stress and big changes."},
    {"priya.raman@demo.rapport", "Priya Raman", Role::kTherapist,
     "Licensed clinical social worker; EFT and trauma-informed care",
     "Focuses on grief, relationships and rebuilding after difficult years."},
}};
constexpr int kFirstTherapist = 2;

enum class Age { kAdult, kNine, kFourteen };

struct ClientSeed {
  const char* email;
  const char* name;
  const char* preferred;
  const char* date_of_birth;  // adults only; children are aged relative to today
  Age age;
  int therapist;      // 0..2 among the three therapists
  int started_weeks;  // weeks ago the episode began
  EpisodeStatus status;
  int ended_weeks;  // weeks ago it ended (ended episodes only)
  int weekday;      // day offset within the week of the standing slot
  int hour;         // UTC hour of the standing slot
  Modality modality;
};

constexpr std::array<ClientSeed, 12> kClients{{
    {"client@demo.rapport", "Jordan Reyes", "Jordan", "1991-04-12", Age::kAdult, 0, 16,
     EpisodeStatus::kActive, 0, 1, 9, Modality::kInPerson},
    {"leo.haddad@demo.rapport", "Leo Haddad", "Leo", "", Age::kNine, 0, 12, EpisodeStatus::kActive,
     0, 2, 15, Modality::kInPerson},
    {"ama.mensah@demo.rapport", "Ama Mensah", "Ama", "", Age::kFourteen, 1, 14,
     EpisodeStatus::kActive, 0, 3, 16, Modality::kVideo},
    {"mei.chen@demo.rapport", "Mei Chen", "", "1986-09-03", Age::kAdult, 0, 10,
     EpisodeStatus::kActive, 0, 4, 11, Modality::kVideo},
    {"tomas.alvarez@demo.rapport", "Tomás Álvarez", "Tomás", "1979-01-22", Age::kAdult, 1, 16,
     EpisodeStatus::kActive, 0, 1, 13, Modality::kInPerson},
    {"aisha.bello@demo.rapport", "Aisha Bello", "", "1995-06-30", Age::kAdult, 2, 15,
     EpisodeStatus::kActive, 0, 2, 10, Modality::kInPerson},
    {"noah.fischer@demo.rapport", "Noah Fischer", "", "2001-11-08", Age::kAdult, 2, 8,
     EpisodeStatus::kActive, 0, 3, 14, Modality::kPhone},
    {"hana.sato@demo.rapport", "Hana Sato", "", "1968-02-17", Age::kAdult, 0, 6,
     EpisodeStatus::kActive, 0, 4, 16, Modality::kInPerson},
    {"samuel.adeyemi@demo.rapport", "Samuel Adeyemi", "Sam", "1988-07-25", Age::kAdult, 1, 11,
     EpisodeStatus::kActive, 0, 0, 17, Modality::kVideo},
    {"grace.obrien@demo.rapport", "Grace O'Brien", "", "1974-12-01", Age::kAdult, 2, 16,
     EpisodeStatus::kEnded, 4, 0, 9, Modality::kInPerson},
    {"ravi.patel@demo.rapport", "Ravi Patel", "", "1993-03-14", Age::kAdult, 1, 4,
     EpisodeStatus::kActive, 0, 2, 12, Modality::kInPerson},
    {"lucia.moreno@demo.rapport", "Lucía Moreno", "", "1999-08-19", Age::kAdult, 2, 1,
     EpisodeStatus::kIntake, 0, 4, 15, Modality::kVideo},
}};

struct GuardianSeed {
  const char* email;
  const char* name;
  int child;  // index into kClients
};

constexpr std::array<GuardianSeed, 2> kGuardians{{
    {"guardian@demo.rapport", "Elena Haddad", 1},
    {"kwame.mensah@demo.rapport", "Kwame Mensah", 2},
}};

// A child's date of birth `years` and a few months before `now`, so ages stay ~9 and ~14.
std::string ChildBirthday(Timestamp now, int years) {
  using namespace std::chrono;
  const year_month_day today{floor<days>(sys_time<milliseconds>{milliseconds{now}})};
  year_month_day born = today - std::chrono::years(years) - months(4);
  if (!born.ok()) born = born.year() / born.month() / 28;
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(born.year()),
                     static_cast<unsigned>(born.month()), static_cast<unsigned>(born.day()));
}

}  // namespace

Result<DemoSummary> SeedDemo(Store& store, Timestamp now, const std::string& password,
                             HashCost cost) {
  RAPPORT_ASSIGN_OR_RETURN(auto clinics, store.ListClinics());
  if (!clinics.empty()) {
    return Fail(Error::FailedPrecondition(
        "The database already holds a clinic; the demo clinic is only seeded into an empty "
        "database."));
  }
  if (password.empty()) return Fail(Error::Field("password", "is required"));
  // One slow hash shared by every account keeps seeding fast while sign-ins stay real.
  RAPPORT_ASSIGN_OR_RETURN(const std::string hash, HashPassword(password, cost));

  DemoSummary summary;
  for (const StaffSeed& s : kStaff) summary.accounts.push_back({s.email, s.name, s.role});
  summary.accounts.push_back({kClients[0].email, kClients[0].name, Role::kClient});
  summary.accounts.push_back({kGuardians[0].email, kGuardians[0].name, Role::kGuardian});
  summary.accounts.push_back({kGuardians[1].email, kGuardians[1].name, Role::kGuardian});
  for (std::size_t i = 1; i < kClients.size(); ++i) {
    summary.accounts.push_back({kClients[i].email, kClients[i].name, Role::kClient});
  }

  const Timestamp today = now - (now % kDay);
  std::mt19937 random(kSeed);
  Actor system = Actor::System("demo");

  const Status written = store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(summary.clinic_id,
                             txn.InsertClinic(Clinic{0, std::string(kDemoClinicName), {}}));
    system.clinic_id = summary.clinic_id;
    RAPPORT_RETURN_IF_ERROR(
        audit::Append(txn, system, now, "create", "clinic", std::to_string(summary.clinic_id)));
    const auto add_user = [&](const char* email, const char* name, Role role) -> Result<UserId> {
      NewUser user{
          summary.clinic_id, email, name, role, hash, now - kWeeksOfHistory * kWeek - kWeek};
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, txn.InsertUser(user));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "user", std::to_string(id)));
      return id;
    };

    std::vector<UserId> staff;
    for (const StaffSeed& s : kStaff) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(s.email, s.name, s.role));
      staff.push_back(id);
      if (s.role == Role::kTherapist) {
        RAPPORT_RETURN_IF_ERROR(
            txn.UpsertTherapistProfile(TherapistProfile{id, s.credentials, s.bio, true}));
      }
    }
    const UserId supervisor = staff[1];
    for (int t = 0; t < 3; ++t) {
      RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(supervisor, staff[kFirstTherapist + t]));
    }

    std::vector<UserId> clients;
    for (const ClientSeed& c : kClients) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(c.email, c.name, Role::kClient));
      clients.push_back(id);
      std::string born = c.date_of_birth;
      if (c.age == Age::kNine) born = ChildBirthday(now, 9);
      if (c.age == Age::kFourteen) born = ChildBirthday(now, 14);
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{id, born, c.preferred}));

      Episode episode;
      episode.clinic_id = summary.clinic_id;
      episode.client_id = id;
      episode.therapist_id = staff[kFirstTherapist + c.therapist];
      episode.status = c.status;
      // The first session is the start of the episode.
      const Timestamp first = today - c.started_weeks * kWeek + c.weekday * kDay + c.hour * kHour;
      episode.started_at = first;
      const bool ended = c.status == EpisodeStatus::kEnded;
      const Timestamp last_past = ended ? today - c.ended_weeks * kWeek + c.weekday * kDay : now;
      if (ended) episode.ended_at = last_past + c.hour * kHour + kHour;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode_id, txn.InsertEpisode(episode));
      ++summary.episodes;
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, system, now, "create", "episode", std::to_string(episode_id)));

      const Timestamp horizon = ended ? last_past + kDay : now + kUpcomingWeeks * kWeek;
      for (Timestamp at = first; at < horizon; at += kWeek) {
        Appointment a;
        a.episode_id = episode_id;
        a.starts_at = at;
        a.duration_minutes = c.status == EpisodeStatus::kIntake ? 60 : 50;
        a.modality = c.modality;
        if (at + a.duration_minutes * kMinute <= now) {
          // Mostly kept, sometimes cancelled, now and then missed: what a real diary looks like.
          const std::uint32_t roll = random() % 100;
          a.status = roll < 6    ? AppointmentStatus::kCancelled
                     : roll < 10 ? AppointmentStatus::kNoShow
                                 : AppointmentStatus::kCompleted;
        } else {
          a.status = AppointmentStatus::kScheduled;
        }
        RAPPORT_ASSIGN_OR_RETURN(const AppointmentId appointment_id, txn.InsertAppointment(a));
        ++summary.appointments;
        RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, now, "create", "appointment",
                                              std::to_string(appointment_id)));
      }
    }

    for (const GuardianSeed& g : kGuardians) {
      RAPPORT_ASSIGN_OR_RETURN(const UserId id, add_user(g.email, g.name, Role::kGuardian));
      const UserId child = clients[static_cast<std::size_t>(g.child)];
      RAPPORT_RETURN_IF_ERROR(txn.LinkGuardian(id, child));
      RAPPORT_RETURN_IF_ERROR(audit::Append(txn, system, now, "create", "guardian_link",
                                            fmt::format("{}:{}", id, child)));
    }
    return Ok();
  });
  if (!written) return Fail(written.error());
  return summary;
}

}  // namespace rapport
