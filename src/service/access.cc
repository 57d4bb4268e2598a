#include "service/access.h"

#include <algorithm>
#include <string>

#include "core/clock.h"
#include "service/audit_log.h"

namespace rapport {

namespace {

bool Contains(const std::vector<UserId>& ids, UserId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

Result<User> ClientIfVisible(Store& store, const Actor& actor, UserId client_id,
                             ClientAccess needed, bool* visible) {
  RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access, AccessToClient(store, actor, client_id));
  *visible = access != ClientAccess::kNone && static_cast<int>(access) >= static_cast<int>(needed);
  if (!*visible) return User{};
  return store.GetUser(client_id);
}

}  // namespace

Error NotVisible() {
  return Error::NotFound(std::string(kNotVisibleMessage));
}

Error DeniedAndAudited(Store& store, const Actor& actor, std::string_view record_type,
                       std::int64_t id) {
  if (!actor.system) {
    (void)store.Write([&](WriteTxn& txn) -> Status {
      return audit::Append(txn, actor, SystemClock::Instance().Now(), "denied",
                           std::string(record_type), std::to_string(id));
    });
  }
  return NotVisible();
}

Result<ClientAccess> AccessToClient(Store& store, const Actor& actor, UserId client_id) {
  // The command line operator and admins never see clinical content.
  if (actor.system || actor.role == Role::kAdmin) return ClientAccess::kNone;
  auto client = store.GetUser(client_id);
  if (!client) {
    if (client.error().code == ErrorCode::kNotFound) return ClientAccess::kNone;
    return Fail(client.error());
  }
  if (client->role != Role::kClient || client->clinic_id != actor.clinic_id) {
    return ClientAccess::kNone;
  }
  switch (actor.role) {
    case Role::kClient:
      return actor.user_id == client_id ? ClientAccess::kClinical : ClientAccess::kNone;
    case Role::kTherapist: {
      RAPPORT_ASSIGN_OR_RETURN(auto episodes, store.ListEpisodesOfClient(client_id));
      const bool treats = std::any_of(episodes.begin(), episodes.end(), [&](const Episode& e) {
        return e.therapist_id == actor.user_id;
      });
      return treats ? ClientAccess::kClinical : ClientAccess::kNone;
    }
    case Role::kSupervisor: {
      RAPPORT_ASSIGN_OR_RETURN(auto supervisees, store.ListSupervisees(actor.user_id));
      if (supervisees.empty()) return ClientAccess::kNone;
      RAPPORT_ASSIGN_OR_RETURN(auto episodes, store.ListEpisodesOfClient(client_id));
      const bool oversees = std::any_of(episodes.begin(), episodes.end(), [&](const Episode& e) {
        return Contains(supervisees, e.therapist_id);
      });
      return oversees ? ClientAccess::kClinical : ClientAccess::kNone;
    }
    case Role::kGuardian: {
      RAPPORT_ASSIGN_OR_RETURN(auto guardians, store.ListGuardiansOfChild(client_id));
      if (!Contains(guardians, actor.user_id)) return ClientAccess::kNone;
      // Age bands are read at the time of the request.
      RAPPORT_ASSIGN_OR_RETURN(
          const GuardianSections sections,
          GuardianSectionsOf(store, actor.user_id, client_id, SystemClock::Instance().Now()));
      const bool clinical =
          sections.plan || sections.measures || sections.messages || sections.summaries;
      return clinical ? ClientAccess::kClinical : ClientAccess::kBasic;
    }
    case Role::kAdmin: break;
  }
  return ClientAccess::kNone;
}

Result<GuardianSections> GuardianSectionsOf(Store& store, UserId guardian_id, UserId child_id,
                                            Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const auto links, store.ListGuardianLinksOfGuardian(guardian_id));
  const auto link = std::find_if(links.begin(), links.end(), [&](const GuardianLink& l) {
    return l.child_id == child_id && StateOf(l) == GuardianLinkState::kActive;
  });
  if (link == links.end()) return GuardianSections{};
  auto standing = store.GetGuardianStanding(link->id);
  if (!standing) {
    if (standing.error().code != ErrorCode::kNotFound) return Fail(standing.error());
    standing = DefaultStanding(link->id);
  }
  RAPPORT_ASSIGN_OR_RETURN(const User child, store.GetUser(child_id));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store.GetClinic(child.clinic_id));
  ClientProfile profile;
  if (auto found = store.GetClientProfile(child_id)) {
    profile = *std::move(found);
  } else if (found.error().code != ErrorCode::kNotFound) {
    return Fail(found.error());
  }
  return SectionsFor(*standing, AgeBandOf(profile, now, clinic.settings), clinic.settings);
}

Status RequireGuardianSection(Store& store, const Actor& actor, UserId child_id,
                              GuardianSection section, std::string_view record_type,
                              std::int64_t id) {
  if (actor.role != Role::kGuardian || actor.system) return Ok();
  RAPPORT_ASSIGN_OR_RETURN(
      const GuardianSections sections,
      GuardianSectionsOf(store, actor.user_id, child_id, SystemClock::Instance().Now()));
  if (Shares(sections, section)) return Ok();
  return Fail(DeniedAndAudited(store, actor, record_type, id));
}

Result<User> RequireClient(Store& store, const Actor& actor, UserId client_id,
                           ClientAccess needed) {
  bool visible = false;
  RAPPORT_ASSIGN_OR_RETURN(User client, ClientIfVisible(store, actor, client_id, needed, &visible));
  if (!visible) return Fail(DeniedAndAudited(store, actor, "client", client_id));
  return client;
}

Result<Episode> RequireEpisode(Store& store, const Actor& actor, EpisodeId id,
                               ClientAccess needed) {
  auto episode = store.GetEpisode(id);
  if (!episode) {
    if (episode.error().code == ErrorCode::kNotFound)
      return Fail(DeniedAndAudited(store, actor, "episode", id));
    return Fail(episode.error());
  }
  if (episode->clinic_id != actor.clinic_id)
    return Fail(DeniedAndAudited(store, actor, "episode", id));
  bool visible = false;
  RAPPORT_RETURN_IF_ERROR(ClientIfVisible(store, actor, episode->client_id, needed, &visible));
  if (visible) {
    RAPPORT_ASSIGN_OR_RETURN(visible, MaySeeEpisode(store, actor, *episode));
  }
  if (!visible) return Fail(DeniedAndAudited(store, actor, "episode", id));
  return *episode;
}

Result<AppointmentOfEpisode> RequireAppointment(Store& store, const Actor& actor, AppointmentId id,
                                                ClientAccess needed) {
  auto appointment = store.GetAppointment(id);
  if (!appointment) {
    if (appointment.error().code == ErrorCode::kNotFound) {
      return Fail(DeniedAndAudited(store, actor, "appointment", id));
    }
    return Fail(appointment.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(Episode episode,
                           RequireEpisode(store, actor, appointment->episode_id, needed));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(
      store, actor, episode.client_id, GuardianSection::kAppointments, "appointment", id));
  return AppointmentOfEpisode{*std::move(appointment), std::move(episode)};
}

Result<bool> MaySeeEpisode(Store& store, const Actor& actor, const Episode& episode) {
  if (actor.role != Role::kTherapist && actor.role != Role::kSupervisor) return true;
  return MayManageCareOf(store, actor, episode.therapist_id);
}

Result<bool> MayManageCareOf(Store& store, const Actor& actor, UserId therapist_id) {
  if (actor.system) return false;
  if (actor.role == Role::kTherapist) return actor.user_id == therapist_id;
  if (actor.role == Role::kSupervisor) {
    RAPPORT_ASSIGN_OR_RETURN(auto supervisees, store.ListSupervisees(actor.user_id));
    return Contains(supervisees, therapist_id);
  }
  return false;
}

Result<Episode> RequireEpisodeManager(Store& store, const Actor& actor, EpisodeId id,
                                      std::string_view denied) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_ASSIGN_OR_RETURN(Episode episode,
                           RequireEpisode(store, actor, id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const bool manages, MayManageCareOf(store, actor, episode.therapist_id));
  if (!manages) return Fail(Error::PermissionDenied(std::string(denied)));
  return episode;
}

Result<Episode> RequireAlertCare(Store& store, const Actor& actor, const FeedbackAlert& alert) {
  if (actor.system || alert.clinic_id != actor.clinic_id) return Fail(NotVisible());
  if (actor.role != Role::kTherapist && actor.role != Role::kSupervisor) return Fail(NotVisible());
  auto episode = store.GetEpisode(alert.episode_id);
  if (!episode) {
    if (episode.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(episode.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(const bool cares, MayManageCareOf(store, actor, episode->therapist_id));
  if (cares) {
    RAPPORT_RETURN_IF_ERROR(
        RequireClient(store, actor, episode->client_id, ClientAccess::kClinical));
    return *episode;
  }
  RAPPORT_ASSIGN_OR_RETURN(const auto told, store.ListNotificationsOfAlert(alert.id));
  const bool was_told = std::any_of(told.begin(), told.end(), [&](const Notification& n) {
    return n.recipient_id == actor.user_id && n.channel != Channel::kWebhook;
  });
  if (!was_told) return Fail(DeniedAndAudited(store, actor, "alert", alert.id));
  return *episode;
}

Result<User> RequireUserAdministered(Store& store, const Actor& actor, UserId user_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}, /*allow_system=*/true));
  auto target = store.GetUser(user_id);
  if (!target) {
    if (target.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(target.error());
  }
  if (!actor.system && target->clinic_id != actor.clinic_id) return Fail(NotVisible());
  return *target;
}

Result<User> RequireClientIntake(Store& store, const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kAdmin}));
  if (actor.role == Role::kClient && actor.user_id != client_id) {
    return Fail(DeniedAndAudited(store, actor, "client", client_id));
  }
  auto client = store.GetUser(client_id);
  if (!client) {
    if (client.error().code != ErrorCode::kNotFound) return Fail(client.error());
    return Fail(DeniedAndAudited(store, actor, "client", client_id));
  }
  if (client->role != Role::kClient || client->clinic_id != actor.clinic_id) {
    return Fail(DeniedAndAudited(store, actor, "client", client_id));
  }
  return *client;
}

Status RequireRole(const Actor& actor, std::initializer_list<Role> roles, bool allow_system) {
  if (actor.system) {
    if (allow_system) return Ok();
    return Fail(Error::PermissionDenied("This action is not available from the command line."));
  }
  if (std::find(roles.begin(), roles.end(), actor.role) != roles.end()) return Ok();
  return Fail(Error::PermissionDenied("Your role does not allow this action."));
}

Result<std::vector<Episode>> VisibleEpisodesOfClient(Store& store, const Actor& actor,
                                                     UserId client_id, ClientAccess needed) {
  RAPPORT_RETURN_IF_ERROR(RequireClient(store, actor, client_id, needed));
  RAPPORT_ASSIGN_OR_RETURN(std::vector<Episode> episodes, store.ListEpisodesOfClient(client_id));
  std::vector<Episode> out;
  for (Episode& e : episodes) {
    auto visible = RequireEpisode(store, actor, e.id, needed);
    if (!visible) {
      if (visible.error().code == ErrorCode::kNotFound) continue;
      return Fail(visible.error());
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace rapport
