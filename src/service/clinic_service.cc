#include "service/clinic_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "domain/crisis.h"
#include "domain/family.h"
#include "domain/people.h"
#include "service/access.h"
#include "service/audit_log.h"
#include "service/feedback_service.h"
#include "service/mail.h"
#include "service/names.h"
#include "service/new_episode.h"

namespace rapport {

// An appointment time is a point after 1970 began: earlier ones are typing mistakes.
constexpr const char* kAppointmentEpochMessage = "must be a date and time after 1970-01-01";

namespace {

using audit::Id;

// Collects field errors so that one response names every bad field at once.
class FieldCheck {
 public:
  template <typename T>
  std::optional<T> Take(Result<T> result) {
    if (result) return std::move(*result);
    Add(result.error());
    return std::nullopt;
  }
  void Check(const Status& status) {
    if (!status) Add(status.error());
  }
  void Add(std::string field, std::string message) {
    fields_.push_back(FieldError{std::move(field), std::move(message)});
  }
  Status Done() const {
    if (fields_.empty()) return Ok();
    return Fail(Error::InvalidArgument("Please correct the highlighted fields.", fields_));
  }

 private:
  void Add(const Error& error) {
    if (error.fields.empty()) {
      fields_.push_back(FieldError{"", error.message});
      return;
    }
    fields_.insert(fields_.end(), error.fields.begin(), error.fields.end());
  }
  std::vector<FieldError> fields_;
};

// An email already in use is a field problem for the form, not a bare conflict.
Error EmailTaken() {
  Error error = Error::AlreadyExists("email: is already in use");
  error.fields.push_back(FieldError{"email", "is already in use"});
  return error;
}

template <typename T>
Result<T> MapEmailTaken(Result<T> result) {
  if (!result && result.error().code == ErrorCode::kAlreadyExists) return Fail(EmailTaken());
  return result;
}

Result<ClientProfile> ProfileOrEmpty(Store& store, UserId id) {
  auto profile = store.GetClientProfile(id);
  if (profile) return *profile;
  if (profile.error().code != ErrorCode::kNotFound) return Fail(profile.error());
  ClientProfile empty;
  empty.user_id = id;
  return empty;
}

EpisodeView ViewOf(const Episode& e, std::string therapist_name) {
  return EpisodeView{e.id,     e.client_id,  e.therapist_id, std::move(therapist_name),
                     e.status, e.started_at, e.ended_at};
}

Result<AppointmentView> ViewOf(Names& names, const Appointment& a, const Episode& e) {
  AppointmentView view;
  view.appointment = a;
  view.client_id = e.client_id;
  RAPPORT_ASSIGN_OR_RETURN(view.client_name, names.User(e.client_id));
  view.therapist_id = e.therapist_id;
  RAPPORT_ASSIGN_OR_RETURN(view.therapist_name, names.User(e.therapist_id));
  return view;
}

// The therapist an actor opens an episode for: a therapist themself, a supervisor one of their
// supervisees. Field "therapist_id" on a wrong choice.
Result<User> ChooseTherapist(Store& store, const Actor& actor, UserId therapist_id) {
  if (actor.role == Role::kTherapist) {
    if (therapist_id != 0 && therapist_id != actor.user_id) {
      return Fail(Error::PermissionDenied("A therapist opens episodes for themself only."));
    }
    return store.GetUser(actor.user_id);
  }
  if (therapist_id == 0) {
    return Fail(Error::Field("therapist_id", "choose the therapist who will see this client"));
  }
  RAPPORT_ASSIGN_OR_RETURN(const bool supervised, MayManageCareOf(store, actor, therapist_id));
  auto therapist = store.GetUser(therapist_id);
  if (!supervised || !therapist || therapist->role != Role::kTherapist ||
      therapist->clinic_id != actor.clinic_id) {
    return Fail(Error::Field("therapist_id", "must be a therapist you supervise"));
  }
  if (!therapist->active) {
    return Fail(Error::Field("therapist_id", "this therapist's account is deactivated"));
  }
  return *therapist;
}

constexpr std::initializer_list<Role> kCareRoles = {Role::kTherapist, Role::kSupervisor,
                                                    Role::kClient, Role::kGuardian};
constexpr std::initializer_list<Role> kStaffRoles = {Role::kTherapist, Role::kSupervisor};

}  // namespace

ClinicService::ClinicService(Store& store, const Clock& clock, AuthOptions auth_options)
    : store_(store), clock_(clock), auth_options_(auth_options) {}

// --- Clients ---------------------------------------------------------------------------------

Result<std::vector<ClientSummary>> ClinicService::ListClients(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareRoles));
  std::set<UserId> ids;
  switch (actor.role) {
    case Role::kClient: ids.insert(actor.user_id); break;
    case Role::kGuardian: {
      RAPPORT_ASSIGN_OR_RETURN(auto children, store_.ListChildrenOfGuardian(actor.user_id));
      ids.insert(children.begin(), children.end());
      break;
    }
    case Role::kTherapist: {
      RAPPORT_ASSIGN_OR_RETURN(auto episodes, store_.ListEpisodesOfTherapist(actor.user_id));
      for (const Episode& e : episodes) ids.insert(e.client_id);
      break;
    }
    case Role::kSupervisor: {
      RAPPORT_ASSIGN_OR_RETURN(auto supervisees, store_.ListSupervisees(actor.user_id));
      for (UserId therapist : supervisees) {
        RAPPORT_ASSIGN_OR_RETURN(auto episodes, store_.ListEpisodesOfTherapist(therapist));
        for (const Episode& e : episodes) ids.insert(e.client_id);
      }
      break;
    }
    case Role::kAdmin: break;
  }
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  const int majority = clinic.settings.age_of_majority;
  std::vector<ClientSummary> out;
  std::vector<audit::Touch> touched;
  for (UserId id : ids) {
    RAPPORT_ASSIGN_OR_RETURN(const User user, store_.GetUser(id));
    if (user.clinic_id != actor.clinic_id || user.role != Role::kClient) continue;
    RAPPORT_ASSIGN_OR_RETURN(const ClientProfile profile, ProfileOrEmpty(store_, id));
    out.push_back(ClientSummary{user, profile, IsMinor(profile, now, majority)});
    touched.push_back({"client", Id(id)});
  }
  std::sort(out.begin(), out.end(), [](const ClientSummary& a, const ClientSummary& b) {
    return std::tie(a.user.display_name, a.user.id) < std::tie(b.user.display_name, b.user.id);
  });
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, std::move(touched)));
  return out;
}

Result<ClientDetail> ClinicService::CreateClient(const Actor& actor, const NewClientInput& input) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  const Timestamp now = clock_.Now();
  FieldCheck check;
  const auto name = check.Take(ValidateDisplayName(input.display_name));
  const auto email = check.Take(NormalizeEmail(input.email));
  if (!input.date_of_birth.empty()) check.Check(ValidateDateOfBirth(input.date_of_birth, now));
  std::string preferred;
  if (!input.preferred_name.empty()) {
    if (auto valid = ValidateDisplayName(input.preferred_name)) {
      preferred = *valid;
    } else {
      check.Add("preferred_name", valid.error().fields.empty() ? valid.error().message
                                                               : valid.error().fields[0].message);
    }
  }
  auto therapist = ChooseTherapist(store_, actor, input.therapist_id);
  if (!therapist) {
    if (therapist.error().code != ErrorCode::kInvalidArgument) return Fail(therapist.error());
    for (const FieldError& f : therapist.error().fields) check.Add(f.field, f.message);
  }
  RAPPORT_RETURN_IF_ERROR(check.Done());
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));

  ClientDetail detail;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    // The address waits unconfirmed until the client accepts their invitation, so the answer is
    // the same whether or not it already has an account in this clinic.
    NewUser user{actor.clinic_id, *email, *name, Role::kClient, "", now, false};
    RAPPORT_ASSIGN_OR_RETURN(const UserId id, txn.InsertUser(user));
    ClientProfile profile{id, input.date_of_birth, preferred, ""};
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(profile));
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, actor, now, "create", "client", Id(id)));
    RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                             OpenIntakeEpisode(txn, actor, id, therapist->id, profile, now));
    RAPPORT_ASSIGN_OR_RETURN(detail.user, txn.GetUser(id));
    detail.profile = profile;
    detail.minor = IsMinor(profile, now, clinic.settings.age_of_majority);
    detail.episodes.push_back(ViewOf(episode, therapist->display_name));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return detail;
}

Result<ClientDetail> ClinicService::GetClient(const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareRoles));
  RAPPORT_ASSIGN_OR_RETURN(const ClientAccess access, AccessToClient(store_, actor, client_id));
  if (access == ClientAccess::kNone) {
    return Fail(DeniedAndAudited(store_, actor, "client", client_id));
  }
  const Timestamp now = clock_.Now();
  ClientDetail detail;
  RAPPORT_ASSIGN_OR_RETURN(detail.user, store_.GetUser(client_id));
  RAPPORT_ASSIGN_OR_RETURN(detail.profile, ProfileOrEmpty(store_, client_id));
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  detail.minor = IsMinor(detail.profile, now, clinic.settings.age_of_majority);
  detail.clinical = access == ClientAccess::kClinical;
  std::vector<audit::Touch> touched{{"client", Id(client_id)}};
  Names names(store_);
  if (detail.clinical) {
    RAPPORT_ASSIGN_OR_RETURN(auto episodes, store_.ListEpisodesOfClient(client_id));
    std::sort(episodes.begin(), episodes.end(), [](const Episode& a, const Episode& b) {
      return std::tie(a.started_at, a.id) > std::tie(b.started_at, b.id);
    });
    for (const Episode& e : episodes) {
      // Another therapist's episode of the same client is not listed.
      RAPPORT_ASSIGN_OR_RETURN(const bool visible, MaySeeEpisode(store_, actor, e));
      if (!visible) continue;
      RAPPORT_ASSIGN_OR_RETURN(std::string therapist_name, names.User(e.therapist_id));
      detail.episodes.push_back(ViewOf(e, std::move(therapist_name)));
      touched.push_back({"episode", Id(e.id)});
    }
  }
  // Staff see every link, to follow it up; the client sees the links that share; a guardian only
  // their own (one parent need not learn through Rapport who else is linked, and a court order
  // may require that they do not).
  const bool staff = actor.role == Role::kTherapist || actor.role == Role::kSupervisor;
  RAPPORT_ASSIGN_OR_RETURN(const auto links, store_.ListGuardianLinksOfChild(client_id));
  for (const GuardianLink& link : links) {
    if (!(staff && detail.clinical) && StateOf(link) != GuardianLinkState::kActive) continue;
    if (actor.role == Role::kGuardian && link.guardian_id != actor.user_id) continue;
    RAPPORT_ASSIGN_OR_RETURN(GuardianLinkView view, LinkView(names, link, staff));
    detail.guardians.push_back(std::move(view));
    touched.push_back({"guardian_link", Id(link.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, std::move(touched)));
  return detail;
}

namespace {

// Whether the actor may read and change the client's contact details: the client, or their
// care team.
Status RequireContactAccess(Store& store, const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kClient, Role::kTherapist, Role::kSupervisor}));
  RAPPORT_RETURN_IF_ERROR(RequireClient(store, actor, client_id, ClientAccess::kClinical));
  return Ok();
}

}  // namespace

Result<ContactDetails> ClinicService::GetContact(const Actor& actor, UserId client_id) {
  RAPPORT_RETURN_IF_ERROR(RequireContactAccess(store_, actor, client_id));
  RAPPORT_ASSIGN_OR_RETURN(ContactDetails details, ContactOf(store_, client_id));
  RAPPORT_RETURN_IF_ERROR(
      audit::Reads(store_, actor, clock_.Now(), {{"client_contact", Id(client_id)}}));
  return details;
}

Result<ContactDetails> ClinicService::UpdateContact(const Actor& actor, UserId client_id,
                                                    ContactDetails details) {
  RAPPORT_RETURN_IF_ERROR(RequireContactAccess(store_, actor, client_id));
  const Timestamp now = clock_.Now();
  details.client_id = client_id;
  details.updated_at = now;
  details.updated_by = actor.user_id;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertContactDetails(details));
    RAPPORT_ASSIGN_OR_RETURN(ClientProfile profile, ProfileOrEmpty(store_, client_id));
    if (profile.preferred_name != details.preferred_name) {
      profile.user_id = client_id;
      profile.preferred_name = details.preferred_name;
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(profile));
    }
    return audit::Append(txn, actor, now, "update", "client_contact", Id(client_id));
  }));
  return ContactOf(store_, client_id);
}

Result<ClientDetail> ClinicService::SetClientCountry(const Actor& actor, UserId client_id,
                                                     const std::string& country) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  const bool valid = country.empty() ||
                     (country.size() == 2 && std::isupper(static_cast<unsigned char>(country[0])) &&
                      std::isupper(static_cast<unsigned char>(country[1])));
  if (!valid) {
    return Fail(Error::Field("country", "must be a two-letter country code, like GB or US"));
  }
  // A country nobody has crisis lines for would leave the client with the clinic's instead,
  // silently: refuse it.
  if (!country.empty() && ShippedCrisisDirectory().Find(country) == nullptr) {
    RAPPORT_ASSIGN_OR_RETURN(const auto own, store_.ListClinicCrisisSets(actor.clinic_id));
    const bool has_own = std::any_of(
        own.begin(), own.end(), [&](const ClinicCrisisSet& s) { return s.country == country; });
    if (!has_own) {
      return Fail(Error::Field("country", "has no crisis lines in Rapport or in the clinic's own"));
    }
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    ClientProfile profile;
    profile.user_id = client_id;
    if (auto stored = ProfileOrEmpty(store_, client_id)) profile = *stored;
    profile.user_id = client_id;
    profile.country = country;
    RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(profile));
    return audit::Append(txn, actor, now, "update", "client", Id(client_id));
  }));
  return GetClient(actor, client_id);
}

Result<GuardianAdded> ClinicService::AddGuardian(const Actor& actor, UserId child_id,
                                                 const NewGuardianInput& input) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, child_id, ClientAccess::kClinical));
  const Timestamp now = clock_.Now();
  RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(actor.clinic_id));
  RAPPORT_ASSIGN_OR_RETURN(const ClientProfile profile, ProfileOrEmpty(store_, child_id));
  FieldCheck check;
  const auto name = check.Take(ValidateDisplayName(input.display_name));
  const auto email = check.Take(NormalizeEmail(input.email));
  // A guardian for a client who is not a minor needs a recorded reason.
  std::string exception_reason;
  if (!IsMinor(profile, now, clinic.settings.age_of_majority)) {
    if (input.exception_reason.find_first_not_of(" \t\r\n") == std::string::npos) {
      check.Add("exception_reason",
                fmt::format("is needed: this client is not recorded as under {}, so say why they "
                            "have a guardian (for example, a court-appointed guardian)",
                            clinic.settings.age_of_majority));
    } else if (auto reason = check.Take(
                   ValidateLineOfText(input.exception_reason, "exception_reason", 500))) {
      exception_reason = std::move(*reason);
    }
  }
  RAPPORT_RETURN_IF_ERROR(check.Done());

  // The guardian is the clinic's guardian account with this address if there is one, else a
  // guardian record already waiting for it (a sibling's request), else a new record. An address
  // held by a client or by staff gets a new record like any unknown address: the answer must not
  // tell staff who else the clinic knows, and its owner decides when the invitation arrives.
  // Accounts at other clinics are not seen here at all.
  std::optional<User> existing;
  bool has_password = false;
  RAPPORT_ASSIGN_OR_RETURN(const std::vector<User> records,
                           store_.ListRecordsWithEmail(actor.clinic_id, *email));
  const auto holder =
      std::find_if(records.begin(), records.end(), [](const User& u) { return u.email_confirmed; });
  if (holder != records.end() && holder->role == Role::kGuardian) {
    existing = *holder;
  } else if (holder == records.end()) {
    const auto waiting = std::find_if(records.begin(), records.end(), [](const User& u) {
      return u.role == Role::kGuardian && u.active;
    });
    if (waiting != records.end()) existing = *waiting;
  }
  if (existing) {
    RAPPORT_ASSIGN_OR_RETURN(const std::string hash, store_.GetPasswordHash(existing->id));
    has_password = !hash.empty();
  }
  std::optional<GuardianLink> asked_before;
  if (existing) {
    RAPPORT_ASSIGN_OR_RETURN(const auto links, store_.ListGuardianLinksOfGuardian(existing->id));
    for (const GuardianLink& link : links) {
      if (link.child_id != child_id) continue;
      if (link.accepted_at) {
        return Fail(Error::Field("email", "is already a guardian of this client"));
      }
      asked_before = link;
    }
  }

  GuardianAdded added;
  GuardianLink stored;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    UserId guardian_id = 0;
    if (existing) {
      guardian_id = existing->id;
    } else {
      NewUser user{actor.clinic_id, *email, *name, Role::kGuardian, "", now, false};
      RAPPORT_ASSIGN_OR_RETURN(guardian_id, txn.InsertUser(user));
      RAPPORT_RETURN_IF_ERROR(audit::Append(txn, actor, now, "create", "user", Id(guardian_id)));
    }
    GuardianLink link;
    if (asked_before) {
      link = *asked_before;
    } else {
      link.guardian_id = guardian_id;
      link.child_id = child_id;
      link.requested_by = actor.user_id;
      link.requested_at = now;
      link.requested_name = *name;
      link.exception_reason = exception_reason;
      RAPPORT_ASSIGN_OR_RETURN(link.id, txn.InsertGuardianLink(link));
      RAPPORT_RETURN_IF_ERROR(
          audit::Append(txn, actor, now, "create", "guardian_link", Id(link.id)));
    }
    RAPPORT_ASSIGN_OR_RETURN(const User guardian, txn.GetUser(guardian_id));
    if (!has_password && guardian.active) {
      RAPPORT_ASSIGN_OR_RETURN(
          InvitationLink invitation,
          AuthService::InsertInvitation(txn, actor, guardian, now, auth_options_, input.delivery));
      // By e-mail the answer is the same whether or not the address had an account.
      if (input.delivery == LinkDelivery::kInPerson) added.invitation = std::move(invitation);
    } else if (has_password && guardian.active && !asked_before) {
      // The person already has an account: they are asked, not linked.
      RAPPORT_RETURN_IF_ERROR(txn.InsertNotification(MailTo(
          guardian, std::string(kGuardianLinkRequestMail),
          fmt::format("{}:{}", kGuardianLinkRequestMail, link.id),
          "Rapport: you have been asked to be linked as a guardian",
          fmt::format("Hello {},\n\nSomeone on the care team at {} asked to link your Rapport "
                      "account as the guardian of a client. Nothing is shared with you until "
                      "you accept. Please sign in to Rapport to accept or decline.\n\nIf you do "
                      "not know why, decline, or tell the clinic.\n\nPlease do not reply to this "
                      "message.\n",
                      guardian.display_name, clinic.name),
          now)));
    }
    stored = link;
    return Ok();
  });
  if (!written) return Fail(written.error());
  // What staff typed, never what the account holds.
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(added.link, LinkView(names, stored, true));
  added.link.display_name = *name;
  added.link.email = *email;
  return added;
}

Result<GuardianLinkView> ClinicService::LinkView(Names& names, const GuardianLink& link,
                                                 bool for_staff) {
  GuardianLinkView view;
  view.id = link.id;
  view.child_id = link.child_id;
  RAPPORT_ASSIGN_OR_RETURN(view.child_name, names.Client(link.child_id));
  view.state = StateOf(link);
  view.display_name = link.requested_name;
  if (link.accepted_at || for_staff) {
    RAPPORT_ASSIGN_OR_RETURN(const User guardian, store_.GetUser(link.guardian_id));
    // Before acceptance staff see only the address they typed (stored normalised), never the
    // account's own name or id.
    if (for_staff) view.email = guardian.email;
    if (link.accepted_at) {
      view.guardian_id = guardian.id;
      view.display_name = guardian.display_name;
    }
  }
  view.exception_reason = link.exception_reason;
  if (link.requested_by != 0) {
    RAPPORT_ASSIGN_OR_RETURN(view.requested_by_name, names.User(link.requested_by));
  }
  view.requested_at = link.requested_at;
  view.accepted_at = link.accepted_at;
  if (link.consent_recorded_by != 0) {
    RAPPORT_ASSIGN_OR_RETURN(view.consent_recorded_by_name, names.User(link.consent_recorded_by));
  }
  view.consent_recorded_at = link.consent_recorded_at;
  view.consent_note = link.consent_note;
  return view;
}

Result<GuardianLink> ClinicService::RequireGuardianLink(const Actor& actor, GuardianLinkId id) {
  auto link = store_.GetGuardianLink(id);
  if (!link) {
    if (link.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(link.error());
  }
  if (actor.role == Role::kGuardian) {
    if (link->guardian_id != actor.user_id) {
      return Fail(DeniedAndAudited(store_, actor, "guardian_link", id));
    }
    return *link;
  }
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, link->child_id, ClientAccess::kClinical));
  return *link;
}

Result<std::vector<GuardianLinkView>> ClinicService::ListOwnGuardianLinks(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kGuardian}));
  RAPPORT_ASSIGN_OR_RETURN(const auto links, store_.ListGuardianLinksOfGuardian(actor.user_id));
  Names names(store_);
  std::vector<GuardianLinkView> out;
  std::vector<audit::Touch> touched;
  for (const GuardianLink& link : links) {
    RAPPORT_ASSIGN_OR_RETURN(GuardianLinkView view, LinkView(names, link, false));
    out.push_back(std::move(view));
    touched.push_back({"guardian_link", Id(link.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<GuardianLinkView> ClinicService::AcceptGuardianLink(const Actor& actor, GuardianLinkId id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kGuardian}));
  RAPPORT_ASSIGN_OR_RETURN(GuardianLink link, RequireGuardianLink(actor, id));
  if (link.accepted_at) {
    return Fail(Error::FailedPrecondition("You have already accepted this link."));
  }
  const Timestamp now = clock_.Now();
  link.accepted_at = now;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpdateGuardianLink(link));
    return audit::Append(txn, actor, now, "accept", "guardian_link", Id(id));
  }));
  Names names(store_);
  return LinkView(names, link, false);
}

Result<GuardianLinkView> ClinicService::RecordGuardianConsent(const Actor& actor, GuardianLinkId id,
                                                              const std::string& note) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  RAPPORT_ASSIGN_OR_RETURN(GuardianLink link, RequireGuardianLink(actor, id));
  RAPPORT_ASSIGN_OR_RETURN(std::string checked, ValidateLineOfText(note, "note", 500));
  if (link.consent_recorded_at) {
    return Fail(Error::FailedPrecondition("Consent to share with this guardian is recorded."));
  }
  const Timestamp now = clock_.Now();
  link.consent_recorded_at = now;
  link.consent_recorded_by = actor.user_id;
  link.consent_note = std::move(checked);
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpdateGuardianLink(link));
    return audit::Append(txn, actor, now, "consent", "guardian_link", Id(id));
  }));
  Names names(store_);
  return LinkView(names, link, true);
}

Status ClinicService::RemoveGuardianLink(const Actor& actor, GuardianLinkId id) {
  // The role first, so that other roles cannot tell which link ids exist.
  RAPPORT_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kTherapist, Role::kSupervisor, Role::kGuardian}));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianLink(actor, id));
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.DeleteGuardianLink(id));
    return audit::Append(txn, actor, now, "delete", "guardian_link", Id(id));
  });
}

// --- Episodes --------------------------------------------------------------------------------

Result<EpisodeView> ClinicService::CreateEpisode(const Actor& actor, UserId client_id,
                                                 UserId therapist_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  RAPPORT_RETURN_IF_ERROR(RequireClient(store_, actor, client_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const User therapist, ChooseTherapist(store_, actor, therapist_id));
  const Timestamp now = clock_.Now();
  Episode episode;
  RAPPORT_ASSIGN_OR_RETURN(const ClientProfile profile, ProfileOrEmpty(store_, client_id));
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(episode,
                             OpenIntakeEpisode(txn, actor, client_id, therapist.id, profile, now));
    return Ok();
  });
  if (!written) return Fail(written.error());
  return ViewOf(episode, therapist.display_name);
}

Result<EpisodeView> ClinicService::GetEpisode(const Actor& actor, EpisodeId id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareRoles));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, id, ClientAccess::kClinical));
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(std::string therapist_name, names.User(episode.therapist_id));
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), {{"episode", Id(id)}}));
  return ViewOf(episode, std::move(therapist_name));
}

Result<EpisodeView> ClinicService::SetEpisodeStatus(const Actor& actor, EpisodeId id,
                                                    EpisodeStatus status) {
  RAPPORT_RETURN_IF_ERROR(
      RequireEpisodeManager(store_, actor, id,
                            "Only the episode's therapist or their supervisor can change this "
                            "episode."));
  if (status == EpisodeStatus::kEnded) {
    // An ending records why (CourseService::EndEpisode): the clinic's dropout figures and the
    // discharge summary depend on it.
    return Fail(Error::Field("status", "an episode is ended through its ending, which says why"));
  }
  const Timestamp now = clock_.Now();
  Episode updated;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    // Re-read inside the write so two concurrent changes cannot both pass the check.
    RAPPORT_ASSIGN_OR_RETURN(updated, txn.GetEpisode(id));
    RAPPORT_RETURN_IF_ERROR(CheckEpisodeTransition(updated.status, status));
    updated.status = status;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateEpisodeStatus(id, status, updated.ended_at));
    return audit::Append(txn, actor, now, "update", "episode", Id(id));
  });
  if (!written) return Fail(written.error());
  Names names(store_);
  RAPPORT_ASSIGN_OR_RETURN(std::string therapist_name, names.User(updated.therapist_id));
  return ViewOf(updated, std::move(therapist_name));
}

// --- Appointments ----------------------------------------------------------------------------

Result<AppointmentView> ClinicService::CreateAppointment(const Actor& actor, EpisodeId episode_id,
                                                         const NewAppointmentInput& input) {
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, episode_id,
                            "Only the episode's therapist or their supervisor can book "
                            "appointments in it."));
  FieldCheck check;
  if (input.starts_at <= 0) check.Add("starts_at", kAppointmentEpochMessage);
  check.Check(ValidateAppointmentDuration(input.duration_minutes));
  RAPPORT_RETURN_IF_ERROR(check.Done());
  if (episode.status == EpisodeStatus::kEnded) {
    return Fail(Error::FailedPrecondition("This episode has ended; open a new one to book."));
  }
  const Timestamp now = clock_.Now();
  Appointment appointment;
  appointment.episode_id = episode_id;
  appointment.starts_at = input.starts_at;
  appointment.duration_minutes = input.duration_minutes;
  appointment.modality = input.modality;
  appointment.status = AppointmentStatus::kScheduled;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(appointment.id, txn.InsertAppointment(appointment));
    return audit::Append(txn, actor, now, "create", "appointment", Id(appointment.id));
  });
  if (!written) return Fail(written.error());
  Names names(store_);
  return ViewOf(names, appointment, episode);
}

Result<std::vector<AppointmentView>> ClinicService::ListAppointments(const Actor& actor,
                                                                     EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareRoles));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kBasic));
  RAPPORT_RETURN_IF_ERROR(RequireGuardianSection(
      store_, actor, episode.client_id, GuardianSection::kAppointments, "episode", episode.id));
  RAPPORT_ASSIGN_OR_RETURN(auto appointments, store_.ListAppointmentsOfEpisode(episode_id));
  Names names(store_);
  std::vector<AppointmentView> out;
  std::vector<audit::Touch> touched;
  for (const Appointment& a : appointments) {
    RAPPORT_ASSIGN_OR_RETURN(AppointmentView view, ViewOf(names, a, episode));
    out.push_back(std::move(view));
    touched.push_back({"appointment", Id(a.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

Result<AppointmentView> ClinicService::UpdateAppointment(const Actor& actor, AppointmentId id,
                                                         const AppointmentChange& change) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kStaffRoles));
  auto found = store_.GetAppointment(id);
  if (!found) {
    if (found.error().code == ErrorCode::kNotFound) return Fail(NotVisible());
    return Fail(found.error());
  }
  RAPPORT_ASSIGN_OR_RETURN(
      const Episode episode,
      RequireEpisodeManager(store_, actor, found->episode_id,
                            "Only the episode's therapist or their supervisor can change its "
                            "appointments."));
  FieldCheck check;
  if (change.starts_at && *change.starts_at <= 0) {
    check.Add("starts_at", kAppointmentEpochMessage);
  }
  if (change.duration_minutes) check.Check(ValidateAppointmentDuration(*change.duration_minutes));
  RAPPORT_RETURN_IF_ERROR(check.Done());

  const Timestamp now = clock_.Now();
  Appointment updated;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(updated, txn.GetAppointment(id));
    const bool reschedules = change.starts_at || change.duration_minutes || change.modality;
    if (reschedules && updated.status != AppointmentStatus::kScheduled) {
      return Fail(Error::FailedPrecondition(fmt::format(
          "An appointment that is {} cannot be rescheduled.", ToString(updated.status))));
    }
    if (change.status) {
      RAPPORT_RETURN_IF_ERROR(CheckAppointmentTransition(updated.status, *change.status));
      updated.status = *change.status;
    }
    if (change.starts_at) updated.starts_at = *change.starts_at;
    if (change.duration_minutes) updated.duration_minutes = *change.duration_minutes;
    if (change.modality) updated.modality = *change.modality;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateAppointment(updated));
    return audit::Append(txn, actor, now, "update", "appointment", Id(id));
  });
  if (!written) return Fail(written.error());
  Names names(store_);
  return ViewOf(names, updated, episode);
}

Result<std::vector<AppointmentView>> ClinicService::ListUpcomingAppointments(const Actor& actor,
                                                                             int limit) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareRoles));
  limit = std::clamp(limit, 1, 500);
  const Timestamp now = clock_.Now();
  // Longest appointment allowed (480 minutes), so one under way is still found.
  constexpr Timestamp kLookBehind = Timestamp{8} * 3'600'000;
  // An appointment still in progress is still "upcoming" for whoever is about to join it.
  const auto still_relevant = [&](const Appointment& a) {
    return a.status == AppointmentStatus::kScheduled &&
           a.starts_at + std::int64_t{a.duration_minutes} * 60000 > now;
  };

  std::map<EpisodeId, Episode> episodes;
  std::vector<Appointment> found;
  const auto collect_episodes_of_therapist = [&](UserId therapist) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(auto list, store_.ListEpisodesOfTherapist(therapist));
    for (const Episode& e : list) {
      if (e.clinic_id != actor.clinic_id) continue;
      episodes[e.id] = e;
      RAPPORT_ASSIGN_OR_RETURN(auto appointments, store_.ListAppointmentsOfEpisode(e.id));
      for (const Appointment& a : appointments) {
        if (still_relevant(a)) found.push_back(a);
      }
    }
    return Ok();
  };
  const auto collect_client = [&](UserId client) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const User user, store_.GetUser(client));
    if (user.clinic_id != actor.clinic_id) return Ok();
    RAPPORT_ASSIGN_OR_RETURN(auto list, store_.ListEpisodesOfClient(client));
    for (const Episode& e : list) episodes[e.id] = e;
    RAPPORT_ASSIGN_OR_RETURN(
        auto appointments, store_.ListAppointmentsOfClient(client, now - kLookBehind,
                                                           std::numeric_limits<Timestamp>::max()));
    for (const Appointment& a : appointments) {
      if (still_relevant(a)) found.push_back(a);
    }
    return Ok();
  };

  switch (actor.role) {
    case Role::kClient: RAPPORT_RETURN_IF_ERROR(collect_client(actor.user_id)); break;
    case Role::kGuardian: {
      RAPPORT_ASSIGN_OR_RETURN(auto children, store_.ListChildrenOfGuardian(actor.user_id));
      for (UserId child : children) {
        RAPPORT_ASSIGN_OR_RETURN(const GuardianSections sections,
                                 GuardianSectionsOf(store_, actor.user_id, child, now));
        if (sections.appointments) RAPPORT_RETURN_IF_ERROR(collect_client(child));
      }
      break;
    }
    case Role::kTherapist:
      RAPPORT_RETURN_IF_ERROR(collect_episodes_of_therapist(actor.user_id));
      break;
    case Role::kSupervisor: {
      RAPPORT_ASSIGN_OR_RETURN(auto supervisees, store_.ListSupervisees(actor.user_id));
      for (UserId therapist : supervisees) {
        RAPPORT_RETURN_IF_ERROR(collect_episodes_of_therapist(therapist));
      }
      break;
    }
    case Role::kAdmin: break;
  }
  std::sort(found.begin(), found.end(), [](const Appointment& a, const Appointment& b) {
    return std::tie(a.starts_at, a.id) < std::tie(b.starts_at, b.id);
  });
  if (found.size() > static_cast<std::size_t>(limit)) found.resize(static_cast<std::size_t>(limit));

  Names names(store_);
  std::vector<AppointmentView> out;
  std::vector<audit::Touch> touched;
  for (const Appointment& a : found) {
    auto it = episodes.find(a.episode_id);
    if (it == episodes.end()) continue;
    RAPPORT_ASSIGN_OR_RETURN(AppointmentView view, ViewOf(names, a, it->second));
    out.push_back(std::move(view));
    touched.push_back({"appointment", Id(a.id)});
  }
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, now, std::move(touched)));
  return out;
}

// --- Therapists and users --------------------------------------------------------------------

Result<std::vector<TherapistSummary>> ClinicService::ListTherapists(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(
      actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist, Role::kClient, Role::kGuardian},
      /*allow_system=*/true));
  RAPPORT_ASSIGN_OR_RETURN(auto users, store_.ListUsers(actor.clinic_id));
  std::vector<TherapistSummary> out;
  for (const User& user : users) {
    if (user.role != Role::kTherapist || !user.active) continue;
    TherapistSummary summary{user.id, user.display_name, "", true};
    if (auto profile = store_.GetTherapistProfile(user.id)) {
      summary.credentials = profile->credentials;
      summary.accepting_new_clients = profile->accepting_new_clients;
    } else if (profile.error().code != ErrorCode::kNotFound) {
      return Fail(profile.error());
    }
    out.push_back(std::move(summary));
  }
  std::sort(out.begin(), out.end(), [](const TherapistSummary& a, const TherapistSummary& b) {
    return std::tie(a.display_name, a.id) < std::tie(b.display_name, b.id);
  });
  return out;
}

Result<std::vector<User>> ClinicService::ListUsers(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}, /*allow_system=*/true));
  RAPPORT_ASSIGN_OR_RETURN(auto users, store_.ListUsers(actor.clinic_id));
  // Who has an account at the clinic is itself worth a trace.
  if (!actor.system) {
    RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), {{"user_list", ""}}));
  }
  return users;
}

Result<UserCreated> ClinicService::CreateUser(const Actor& actor, const NewUserInput& input) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}, /*allow_system=*/true));
  const ClinicId clinic_id = actor.system ? input.clinic_id : actor.clinic_id;
  FieldCheck check;
  const auto email = check.Take(NormalizeEmail(input.email));
  const auto name = check.Take(ValidateDisplayName(input.display_name));
  if (!input.password.empty() && !actor.system) {
    check.Add("password",
              "only the person chooses their password: leave it out and they get an "
              "invitation by e-mail");
  } else if (!input.password.empty()) {
    check.Check(ValidateNewPassword(input.password));
  }
  if (auto clinic = store_.GetClinic(clinic_id); !clinic) {
    if (clinic.error().code != ErrorCode::kNotFound) return Fail(clinic.error());
    check.Add("clinic_id", "no such clinic");
  }
  RAPPORT_RETURN_IF_ERROR(check.Done());
  std::string hash;
  if (!input.password.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(hash, HashPassword(input.password, auth_options_.hash_cost));
  }
  const Timestamp now = clock_.Now();
  Actor audited = actor;
  if (audited.system) audited.clinic_id = clinic_id;
  UserCreated created;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    // An admin's invitee holds the address once they accept, so the admin learns nothing from
    // the answer; the operator at the command line, who owns the server, is told at once.
    NewUser user{clinic_id, *email, *name, input.role, hash, now, actor.system};
    RAPPORT_ASSIGN_OR_RETURN(const UserId id, MapEmailTaken(txn.InsertUser(user)));
    if (input.role == Role::kTherapist) {
      RAPPORT_RETURN_IF_ERROR(txn.UpsertTherapistProfile(TherapistProfile{id, "", "", true}));
    } else if (input.role == Role::kClient) {
      RAPPORT_RETURN_IF_ERROR(txn.UpsertClientProfile(ClientProfile{id, "", "", ""}));
    }
    RAPPORT_RETURN_IF_ERROR(audit::Append(txn, audited, now, "create", "user", Id(id)));
    RAPPORT_ASSIGN_OR_RETURN(created.user, txn.GetUser(id));
    if (hash.empty()) {
      // The operator at the command line gets the link to pass on; an admin never does: the
      // link goes to the person by e-mail, so nobody but them can choose their password.
      RAPPORT_ASSIGN_OR_RETURN(
          created.invitation,
          AuthService::InsertInvitation(txn, audited, created.user, now, auth_options_,
                                        actor.system ? LinkDelivery::kCli : LinkDelivery::kEmail));
    }
    return Ok();
  });
  if (!written) return Fail(written.error());
  return created;
}

Status ClinicService::DeactivateUser(const Actor& actor, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(const User target, RequireUserAdministered(store_, actor, user_id));
  if (!actor.system && user_id == actor.user_id) {
    return Fail(Error::FailedPrecondition("You cannot deactivate your own account."));
  }
  const Timestamp now = clock_.Now();
  Actor audited = actor;
  if (audited.system) audited.clinic_id = target.clinic_id;
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.SetUserActive(user_id, false));
    RAPPORT_RETURN_IF_ERROR(txn.DeleteSessionsOfUser(user_id));
    return audit::Append(txn, audited, now, "deactivate", "user", Id(user_id));
  });
}

Status ClinicService::AddSupervision(const Actor& actor, UserId supervisor_id,
                                     UserId therapist_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}, /*allow_system=*/true));
  auto supervisor = store_.GetUser(supervisor_id);
  auto therapist = store_.GetUser(therapist_id);
  FieldCheck check;
  if (!supervisor || supervisor->role != Role::kSupervisor ||
      (!actor.system && supervisor->clinic_id != actor.clinic_id)) {
    check.Add("supervisor_id", "must be a supervisor of this clinic");
  }
  if (!therapist || therapist->role != Role::kTherapist ||
      (!actor.system && therapist->clinic_id != actor.clinic_id) ||
      (supervisor && therapist->clinic_id != supervisor->clinic_id)) {
    check.Add("therapist_id", "must be a therapist of this clinic");
  }
  RAPPORT_RETURN_IF_ERROR(check.Done());
  const Timestamp now = clock_.Now();
  Actor audited = actor;
  if (audited.system) audited.clinic_id = therapist->clinic_id;
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.AddSupervision(supervisor_id, therapist_id));
    return audit::Append(txn, audited, now, "create", "supervision",
                         fmt::format("{}:{}", supervisor_id, therapist_id));
  });
}

Result<Clinic> ClinicService::GetClinic(const Actor& actor) {
  if (actor.system) return Fail(Error::NotFound("The command line acts in no clinic."));
  return store_.GetClinic(actor.clinic_id);
}

namespace {

// The store's schema refuses these too, but only as an anonymous value; the admin needs to know
// which field and what range.
Status ValidateClinicSettings(const ClinicSettings& settings) {
  std::vector<FieldError> invalid;
  if (settings.plan_review_sessions < 1 || settings.plan_review_sessions > 52) {
    invalid.push_back({"plan_review_sessions", "must be between 1 and 52 sessions"});
  }
  if (settings.plan_review_days < 1 || settings.plan_review_days > 730) {
    invalid.push_back({"plan_review_days", "must be between 1 and 730 days"});
  }
  if (auto age = ValidateAgeOfMajority(settings.age_of_majority); !age) {
    invalid.insert(invalid.end(), age.error().fields.begin(), age.error().fields.end());
  }
  if (settings.cancel_notice_hours < 0 || settings.cancel_notice_hours > 168) {
    invalid.push_back({"cancel_notice_hours", "must be between 0 and 168 hours"});
  }
  if (settings.min_outcome_episodes < 3 || settings.min_outcome_episodes > 200) {
    invalid.push_back({"min_outcome_episodes", "must be between 3 and 200 ended episodes"});
  }
  if (settings.fit_check_after_hours < 1 || settings.fit_check_after_hours > 336) {
    invalid.push_back({"fit_check_after_hours", "must be between 1 and 336 hours"});
  }
  if (settings.repair_within_hours < 24 || settings.repair_within_hours > 720) {
    invalid.push_back({"repair_within_hours", "must be between 24 and 720 hours"});
  }
  if (settings.no_contact_after_days < 14 || settings.no_contact_after_days > 365) {
    invalid.push_back({"no_contact_after_days", "must be between 14 and 365 days"});
  }
  // The bands are checked against an age of majority that is itself in range.
  if (auto bands = ValidateAgeBands(settings);
      !bands && ValidateAgeOfMajority(settings.age_of_majority)) {
    invalid.insert(invalid.end(), bands.error().fields.begin(), bands.error().fields.end());
  }
  if (!invalid.empty()) {
    return Fail(
        Error::InvalidArgument("Please correct the highlighted settings.", std::move(invalid)));
  }
  return Ok();
}

ClinicSettings Applied(ClinicSettings settings, const ClinicSettingsChange& change) {
  if (change.share_with_guardians) settings.share_with_guardians = *change.share_with_guardians;
  if (change.allow_link_feedback) settings.allow_link_feedback = *change.allow_link_feedback;
  if (change.plan_review_sessions) settings.plan_review_sessions = *change.plan_review_sessions;
  if (change.plan_review_days) settings.plan_review_days = *change.plan_review_days;
  if (change.age_of_majority) settings.age_of_majority = *change.age_of_majority;
  if (change.cancel_notice_hours) settings.cancel_notice_hours = *change.cancel_notice_hours;
  if (change.clients_may_read_notes)
    settings.clients_may_read_notes = *change.clients_may_read_notes;
  if (change.outcome_informed_matching) {
    settings.outcome_informed_matching = *change.outcome_informed_matching;
  }
  if (change.min_outcome_episodes) settings.min_outcome_episodes = *change.min_outcome_episodes;
  if (change.fit_check_after_hours) settings.fit_check_after_hours = *change.fit_check_after_hours;
  if (change.repair_within_hours) settings.repair_within_hours = *change.repair_within_hours;
  if (change.no_contact_after_days) settings.no_contact_after_days = *change.no_contact_after_days;
  if (change.adolescent_from_age) settings.adolescent_from_age = *change.adolescent_from_age;
  if (change.minor_consent_age) settings.minor_consent_age = *change.minor_consent_age;
  if (change.guardian_policy) settings.guardian_policy = *change.guardian_policy;
  return settings;
}

}  // namespace

Result<Clinic> ClinicService::UpdateClinicSettings(const Actor& actor,
                                                   const ClinicSettings& settings) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_RETURN_IF_ERROR(ValidateClinicSettings(settings));
  const Timestamp now = clock_.Now();
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.UpdateClinicSettings(actor.clinic_id, settings));
    return audit::Append(txn, actor, now, "update", "clinic", Id(actor.clinic_id));
  });
  if (!written) return Fail(written.error());
  return store_.GetClinic(actor.clinic_id);
}

Result<Clinic> ClinicService::ChangeClinicSettings(const Actor& actor,
                                                   const ClinicSettingsChange& change) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  // Checked against the defaults first, so that a bad value is named before anything is read.
  RAPPORT_RETURN_IF_ERROR(ValidateClinicSettings(Applied(ClinicSettings{}, change)));
  const Timestamp now = clock_.Now();
  Clinic clinic;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.GetClinic(actor.clinic_id));
    clinic.settings = Applied(clinic.settings, change);
    RAPPORT_RETURN_IF_ERROR(ValidateClinicSettings(clinic.settings));
    RAPPORT_RETURN_IF_ERROR(txn.UpdateClinicSettings(actor.clinic_id, clinic.settings));
    return audit::Append(txn, actor, now, "update", "clinic", Id(actor.clinic_id));
  });
  if (!written) return Fail(written.error());
  return clinic;
}

Result<ClinicId> ClinicService::CreateClinic(const Actor& actor, const std::string& name) {
  if (!actor.system) return Fail(Error::PermissionDenied("Clinics are created by the operator."));
  auto valid = ValidateDisplayName(name);
  if (!valid)
    return Fail(Error::Field("name", valid.error().fields.empty()
                                         ? valid.error().message
                                         : valid.error().fields[0].message));
  const Timestamp now = clock_.Now();
  ClinicId id = 0;
  const Status written = store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertClinic(Clinic{0, *valid, ClinicSettings{}}));
    Actor audited = actor;
    audited.clinic_id = id;
    return audit::Append(txn, audited, now, "create", "clinic", Id(id));
  });
  if (!written) return Fail(written.error());
  return id;
}

}  // namespace rapport
