#include "service/family_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"
#include "service/plan_service.h"
#include "service/tell.h"

namespace rapport {

namespace {

using audit::Id;

Result<std::vector<GuardianLink>> ActiveLinksOf(Store& store, UserId child_id) {
  RAPPORT_ASSIGN_OR_RETURN(auto links, store.ListGuardianLinksOfChild(child_id));
  std::erase_if(links,
                [](const GuardianLink& l) { return StateOf(l) != GuardianLinkState::kActive; });
  return links;
}

Result<GuardianLink> ActiveLinkOfChild(Store& store, GuardianLinkId link_id, UserId child_id) {
  auto link = store.GetGuardianLink(link_id);
  if (!link && link.error().code != ErrorCode::kNotFound) return Fail(link.error());
  if (!link || link->child_id != child_id || StateOf(*link) != GuardianLinkState::kActive) {
    return Fail(Error::Field("guardian_link_id", "is not an active guardian of this client"));
  }
  return *link;
}

Result<std::optional<GuardianStanding>> RecordedStanding(Store& store, GuardianLinkId link_id) {
  auto standing = store.GetGuardianStanding(link_id);
  if (standing) return std::optional<GuardianStanding>(*std::move(standing));
  if (standing.error().code == ErrorCode::kNotFound) return std::optional<GuardianStanding>();
  return Fail(standing.error());
}

Result<ClientProfile> ProfileOf(Store& store, UserId child_id) {
  auto profile = store.GetClientProfile(child_id);
  if (profile) return *std::move(profile);
  if (profile.error().code != ErrorCode::kNotFound) return Fail(profile.error());
  ClientProfile empty;
  empty.user_id = child_id;
  return empty;
}

// The child's age band at `now` under their clinic's settings.
struct ChildAge {
  Clinic clinic;
  AgeBand band = AgeBand::kAdult;
  int age = -1;
};

Result<ChildAge> AgeOf(Store& store, const User& child, Timestamp now) {
  ChildAge out;
  RAPPORT_ASSIGN_OR_RETURN(out.clinic, store.GetClinic(child.clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const ClientProfile profile, ProfileOf(store, child.id));
  out.band = AgeBandOf(profile, now, out.clinic.settings);
  if (!profile.date_of_birth.empty()) out.age = AgeInYears(profile.date_of_birth, now);
  return out;
}

Result<GuardianStandingView> StandingView(Store& store, Names& names, const GuardianLink& link,
                                          const ChildAge& child) {
  GuardianStandingView view;
  view.link_id = link.id;
  view.guardian_id = link.guardian_id;
  RAPPORT_ASSIGN_OR_RETURN(view.guardian_name, names.User(link.guardian_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto recorded, RecordedStanding(store, link.id));
  view.standing_recorded = recorded.has_value();
  view.standing = recorded.value_or(DefaultStanding(link.id));
  view.sees = SectionsFor(view.standing, child.band, child.clinic.settings);
  view.sees_by_policy = !view.standing.sections.has_value();
  return view;
}

Result<ConsentView> ConsentViewOf(Store& store, Names& names, const CareConsent& consent,
                                  bool latest, Timestamp now) {
  ConsentView view;
  view.consent = consent;
  view.state = StateOf(consent, now);
  view.latest = latest;
  if (consent.kind == ConsentKind::kGuardianConsent && consent.guardian_link_id != 0) {
    auto link = store.GetGuardianLink(consent.guardian_link_id);
    if (link) {
      RAPPORT_ASSIGN_OR_RETURN(view.given_by_name, names.User(link->guardian_id));
    } else if (link.error().code != ErrorCode::kNotFound) {
      return Fail(link.error());
    }
  } else if (consent.kind != ConsentKind::kGuardianConsent) {
    RAPPORT_ASSIGN_OR_RETURN(view.given_by_name, names.Client(consent.child_id));
  }
  RAPPORT_ASSIGN_OR_RETURN(view.recorded_by_name, names.User(consent.recorded_by));
  return view;
}

// The plan content the confidential list speaks of: the agreed version, else the newest that was
// shown to the client (a proposal), else nothing.
Result<std::optional<PlanContent>> PlanInForce(Store& store, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(const auto versions, store.ListPlanVersions(episode_id));
  const PlanVersion* chosen = nullptr;
  for (const PlanVersion& v : versions) {
    if (v.status == PlanVersionStatus::kAgreed) chosen = &v;
  }
  if (chosen == nullptr) {
    for (const PlanVersion& v : versions) {
      if (v.status == PlanVersionStatus::kProposed) chosen = &v;
    }
  }
  if (chosen == nullptr) return std::optional<PlanContent>();
  RAPPORT_ASSIGN_OR_RETURN(PlanContent content, StoredContentOf(*chosen));
  return std::optional<PlanContent>(std::move(content));
}

// The words of item `key` in the newest version of the episode's plan that holds it.
Result<std::string> ItemWords(Store& store, EpisodeId episode_id, const std::string& key) {
  RAPPORT_ASSIGN_OR_RETURN(const auto versions, store.ListPlanVersions(episode_id));
  for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
    RAPPORT_ASSIGN_OR_RETURN(const PlanContent content, StoredContentOf(*v));
    if (const Problem* p = content.FindProblem(key)) return p->client_words;
    if (const Goal* g = content.FindGoal(key)) return g->description;
  }
  return std::string();
}

Result<DisclosureView> DisclosureViewOf(Store& store, Names& names, const SafetyDisclosure& d) {
  DisclosureView view;
  view.disclosure = d;
  if (d.guardian_link_id != 0) {
    auto link = store.GetGuardianLink(d.guardian_link_id);
    if (link) {
      RAPPORT_ASSIGN_OR_RETURN(view.guardian_name, names.User(link->guardian_id));
    } else if (link.error().code != ErrorCode::kNotFound) {
      return Fail(link.error());
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(view.item_words, ItemWords(store, d.episode_id, d.item_key));
  RAPPORT_ASSIGN_OR_RETURN(view.disclosed_by_name, names.User(d.disclosed_by));
  return view;
}

// The care team of client `child_id`: a therapist or supervisor with clinical access.
Result<User> RequireCareTeam(Store& store, const Actor& actor, UserId child_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  return RequireClient(store, actor, child_id, ClientAccess::kClinical);
}

}  // namespace

Result<FamilyView> FamilyService::Family(const Actor& actor, UserId child_id) {
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClient, Role::kGuardian, Role::kTherapist, Role::kSupervisor}));
  const bool guardian = actor.role == Role::kGuardian;
  RAPPORT_ASSIGN_OR_RETURN(
      const User child, RequireClient(store_, actor, child_id,
                                      guardian ? ClientAccess::kBasic : ClientAccess::kClinical));
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const ChildAge age, AgeOf(store_, child, now));
  Names names(store_);
  FamilyView out;
  out.child_id = child_id;
  RAPPORT_ASSIGN_OR_RETURN(out.child_name, names.Client(child_id));
  out.band = age.band;
  out.age = age.age;

  RAPPORT_ASSIGN_OR_RETURN(const auto links, ActiveLinksOf(store_, child_id));
  std::vector<GuardianLinkId> own_links;
  for (const GuardianLink& link : links) {
    if (guardian && link.guardian_id != actor.user_id) continue;
    own_links.push_back(link.id);
    RAPPORT_ASSIGN_OR_RETURN(GuardianStandingView view, StandingView(store_, names, link, age));
    out.guardians.push_back(std::move(view));
  }

  RAPPORT_ASSIGN_OR_RETURN(const auto consents, store_.ListCareConsentsOfChild(child_id));
  const std::vector<CareConsent> latest = LatestConsents(consents);
  for (const CareConsent& c : consents) {
    if (guardian &&
        std::find(own_links.begin(), own_links.end(), c.guardian_link_id) == own_links.end()) {
      continue;
    }
    const bool counts = std::any_of(latest.begin(), latest.end(),
                                    [&](const CareConsent& l) { return l.id == c.id; });
    RAPPORT_ASSIGN_OR_RETURN(ConsentView view, ConsentViewOf(store_, names, c, counts, now));
    out.consents.push_back(std::move(view));
  }

  if (!guardian) {
    out.missing = MissingConsents(age.band, consents, now);
    RAPPORT_ASSIGN_OR_RETURN(const auto episodes, VisibleEpisodesOfClient(store_, actor, child_id,
                                                                          ClientAccess::kClinical));
    for (const Episode& e : episodes) {
      RAPPORT_ASSIGN_OR_RETURN(const auto content, PlanInForce(store_, e.id));
      if (content) {
        for (const Problem& p : content->problems) {
          if (!GuardianMaySee(*content, p, {})) {
            out.confidential.push_back({e.id, p.key, "problem", p.client_words});
          }
        }
        for (const Goal& g : content->goals) {
          if (!GuardianMaySee(*content, g, {})) {
            out.confidential.push_back({e.id, g.key, "goal", g.description});
          }
        }
      }
      RAPPORT_ASSIGN_OR_RETURN(const auto disclosures, store_.ListSafetyDisclosuresOfEpisode(e.id));
      for (const SafetyDisclosure& d : disclosures) {
        RAPPORT_ASSIGN_OR_RETURN(DisclosureView view, DisclosureViewOf(store_, names, d));
        out.disclosures.push_back(std::move(view));
      }
    }
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, {{"family", Id(child_id)}}));
  return out;
}

Result<GuardianStandingView> FamilyService::SetStanding(const Actor& actor, GuardianLinkId link_id,
                                                        GuardianStanding input) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  auto link = store_.GetGuardianLink(link_id);
  if (!link) {
    if (link.error().code != ErrorCode::kNotFound) return Fail(link.error());
    return Fail(DeniedAndAudited(store_, actor, "guardian_link", link_id));
  }
  RAPPORT_ASSIGN_OR_RETURN(const User child, RequireCareTeam(store_, actor, link->child_id));
  if (StateOf(*link) != GuardianLinkState::kActive) {
    return Fail(Error::FailedPrecondition(
        "This guardian's link is not active yet: they accept it, and consent to share is "
        "recorded, first."));
  }
  input.link_id = link_id;
  RAPPORT_ASSIGN_OR_RETURN(GuardianStanding standing, ValidatedStanding(std::move(input)));
  const Timestamp now = clock_.Now();
  standing.updated_by = actor.user_id;
  standing.updated_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutGuardianStanding(standing));
    return audit::Append(txn, actor, now, "family.standing", "guardian_link", Id(link_id));
  }));
  RAPPORT_ASSIGN_OR_RETURN(const ChildAge age, AgeOf(store_, child, now));
  Names names(store_);
  return StandingView(store_, names, *link, age);
}

Result<ConsentView> FamilyService::RecordConsent(const Actor& actor, UserId child_id,
                                                 CareConsent input) {
  RAPPORT_ASSIGN_OR_RETURN(const User child, RequireCareTeam(store_, actor, child_id));
  const Timestamp now = clock_.Now();
  input.child_id = child.id;
  RAPPORT_ASSIGN_OR_RETURN(CareConsent consent, ValidatedConsent(std::move(input), now));
  if (consent.kind == ConsentKind::kGuardianConsent) {
    RAPPORT_RETURN_IF_ERROR(ActiveLinkOfChild(store_, consent.guardian_link_id, child.id));
  }
  consent.recorded_by = actor.user_id;
  consent.recorded_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(consent.id, txn.InsertCareConsent(consent));
    return audit::Append(txn, actor, now, "family.consent", "care_consent", Id(consent.id));
  }));
  Names names(store_);
  return ConsentViewOf(store_, names, consent, true, now);
}

Result<DisclosureView> FamilyService::DiscloseForSafety(const Actor& actor, EpisodeId episode_id,
                                                        GuardianLinkId link_id,
                                                        const std::string& item_key,
                                                        const std::string& reason) {
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, episode_id,
                            "Only the client's therapist or their supervisor can disclose a "
                            "confidential item."));
  RAPPORT_ASSIGN_OR_RETURN(const GuardianLink link,
                           ActiveLinkOfChild(store_, link_id, episode.client_id));
  RAPPORT_ASSIGN_OR_RETURN(const auto content, PlanInForce(store_, episode.id));
  if (!content) {
    return Fail(Error::Field("item", "must be a confidential problem or goal of the plan"));
  }
  const Timestamp now = clock_.Now();
  SafetyDisclosure disclosure;
  disclosure.episode_id = episode.id;
  disclosure.guardian_link_id = link.id;
  disclosure.item_key = item_key;
  disclosure.reason = reason;
  disclosure.disclosed_by = actor.user_id;
  disclosure.disclosed_at = now;
  RAPPORT_ASSIGN_OR_RETURN(disclosure, ValidatedDisclosure(std::move(disclosure), *content));
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(const std::string guardian_name, names.User(link.guardian_id));
  RAPPORT_ASSIGN_OR_RETURN(const std::string therapist_name, names.User(actor.user_id));
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(disclosure.id, txn.InsertSafetyDisclosure(disclosure));
    // The young person hears it from Rapport too, never only from the guardian.
    RAPPORT_ASSIGN_OR_RETURN(const User client, txn.GetUser(episode.client_id));
    if (client.active) {
      RAPPORT_RETURN_IF_ERROR(
          Tell(txn, client,
               Message{"safety_disclosure", fmt::format("safety_disclosure:{}", disclosure.id),
                       "Rapport: something your therapist shared for your safety",
                       fmt::format("{} has shared one part of your plan that you had kept "
                                   "private with {}, because they were worried about your "
                                   "safety. Sign in to Rapport to see what was shared and why, "
                                   "and talk it over with {} at your next session.",
                                   therapist_name, guardian_name, therapist_name),
                       Json{{"type", "safety_disclosure"},
                            {"episode_id", episode.id},
                            {"disclosure_id", disclosure.id}}},
               now));
    }
    return audit::Append(txn, actor, now, "family.safety_disclosure", "safety_disclosure",
                         Id(disclosure.id));
  }));
  return DisclosureViewOf(store_, names, disclosure);
}

}  // namespace rapport
