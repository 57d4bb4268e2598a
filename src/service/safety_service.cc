#include "service/safety_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/local_time.h"
#include "service/access.h"
#include "service/alert_notifier.h"
#include "service/audit_log.h"
#include "service/auth_service.h"
#include "service/names.h"

namespace rapport {

namespace {

using audit::Id;

constexpr int kMostMailPerPage = 100;
constexpr std::int64_t kLongestShiftMs = 7LL * 24 * 60 * 60 * 1000;

// Where a clinic's pager or SMS gateway may be reached: https, or http on this machine only
// (a gateway beside the server, and tests). Never credentials in the URL.
Status ValidateWebhookUrl(std::string_view url) {
  if (url.empty()) return Ok();
  const auto bad = [](std::string message) {
    return Fail(Error::Field("webhook_url", std::move(message)));
  };
  if (url.size() > 2000) return bad("is too long");
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
    const bool loopback =
        rest.starts_with("127.0.0.1") || rest.starts_with("localhost") || rest.starts_with("[::1]");
    if (!loopback) return bad("must start with https:// (plain http only on this machine)");
  } else {
    return bad("must start with https://");
  }
  const std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty()) return bad("names no host");
  if (host.find('@') != std::string_view::npos) return bad("must not hold a user name or password");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("must not hold spaces");
  }
  return Ok();
}

Status ValidateMailFrom(std::string_view from) {
  if (from.empty()) return Ok();
  if (from.size() > 320 || from.find('@') == std::string_view::npos ||
      from.find_first_of("\r\n") != std::string_view::npos) {
    return Fail(Error::Field("mail_from", "must be an e-mail address, like alerts@clinic.example"));
  }
  return Ok();
}

Status ValidateCountry(std::string_view country) {
  const bool two_capitals =
      country.size() == 2 &&
      std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!two_capitals) {
    return Fail(Error::Field("country", "must be a two-letter country code, like GB or US"));
  }
  return Ok();
}

// A change the clinic's settings refuse names its place under "settings/".
Error UnderSettings(Error error) {
  for (FieldError& f : error.fields) f.field = "settings/" + f.field;
  return error;
}

}  // namespace

SafetyService::SafetyService(Store& store, const Clock& clock, const CrisisDirectory& crisis,
                             bool mail_relay)
    : store_(store), clock_(clock), crisis_(crisis), mail_relay_(mail_relay) {}

Result<SafetyView> SafetyService::View(ClinicId clinic_id) {
  SafetyView view;
  RAPPORT_ASSIGN_OR_RETURN(view.settings, LoadSafetySettings(store_, clinic_id));
  view.hours_in_words = DescribeHours(view.settings.hours);
  RAPPORT_ASSIGN_OR_RETURN(view.open_now, ClinicOpenAt(view.settings, clock_.Now()));
  RAPPORT_ASSIGN_OR_RETURN(const ClinicChannels channels, store_.GetClinicChannels(clinic_id));
  view.webhook_url = channels.webhook_url;
  view.has_webhook_secret = !channels.webhook_secret.empty();
  view.mail_from = channels.mail_from;
  view.mail_relay = mail_relay_;
  return view;
}

Result<SafetyView> SafetyService::GetSafety(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_ASSIGN_OR_RETURN(SafetyView view, View(actor.clinic_id));
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(),
                                       {audit::Touch{"clinic_safety", Id(actor.clinic_id)}}));
  return view;
}

Result<SafetyView> SafetyService::UpdateSafety(const Actor& actor, const Json& json) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  auto settings = ParseSafetySettings(json);
  if (!settings) return Fail(UnderSettings(settings.error()));
  if (auto valid = ValidateSafetySettings(*settings, IsKnownTimeZone, crisis_); !valid) {
    return Fail(UnderSettings(valid.error()));
  }
  const Timestamp now = clock_.Now();
  const std::string text = SafetySettingsToJson(*settings).dump();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutSafetySettings(actor.clinic_id, text));
    return audit::Append(txn, actor, now, "update", "clinic_safety", Id(actor.clinic_id));
  }));
  return View(actor.clinic_id);
}

Result<SafetyView> SafetyService::UpdateChannels(const Actor& actor, const ChannelsUpdate& update) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_RETURN_IF_ERROR(ValidateWebhookUrl(update.webhook_url));
  RAPPORT_RETURN_IF_ERROR(ValidateMailFrom(update.mail_from));
  if (update.webhook_secret && !update.webhook_secret->empty() &&
      (update.webhook_secret->size() < 16 || update.webhook_secret->size() > 256)) {
    return Fail(Error::Field("webhook_secret", "must be 16 to 256 characters"));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(ClinicChannels channels, txn.GetClinicChannels(actor.clinic_id));
    channels.webhook_url = update.webhook_url;
    if (update.webhook_secret) channels.webhook_secret = *update.webhook_secret;
    channels.mail_from = update.mail_from;
    if (!channels.webhook_url.empty() && channels.webhook_secret.empty()) {
      return Fail(Error::Field("webhook_secret", "is needed to sign what is sent to the webhook"));
    }
    RAPPORT_RETURN_IF_ERROR(txn.PutClinicChannels(channels));
    return audit::Append(txn, actor, now, "update", "clinic_channels", Id(actor.clinic_id));
  }));
  return View(actor.clinic_id);
}

Result<std::vector<OnCallView>> SafetyService::ListOnCall(const Actor& actor, Timestamp from,
                                                          Timestamp to) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSupervisor, Role::kTherapist}));
  if (to <= from) return Fail(Error::Field("to", "must be after from"));
  RAPPORT_ASSIGN_OR_RETURN(const auto shifts, store_.ListOnCallShifts(actor.clinic_id, from, to));
  Names names(store_);
  std::vector<OnCallView> out;
  for (const OnCallShift& s : shifts) {
    OnCallView v{s, {}};
    RAPPORT_ASSIGN_OR_RETURN(v.user_name, names.User(s.user_id));
    out.push_back(std::move(v));
  }
  return out;
}

Result<OnCallView> SafetyService::AddOnCall(const Actor& actor, UserId user_id, Timestamp starts_at,
                                            Timestamp ends_at) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  auto user = store_.GetUser(user_id);
  const bool clinician = user && user->clinic_id == actor.clinic_id && user->active &&
                         (user->role == Role::kTherapist || user->role == Role::kSupervisor);
  if (!clinician) {
    if (!user && user.error().code != ErrorCode::kNotFound) return Fail(user.error());
    return Fail(Error::Field("user_id", "must be an active therapist or supervisor of the clinic"));
  }
  if (ends_at <= starts_at) return Fail(Error::Field("ends_at", "must be after the start"));
  if (ends_at - starts_at > kLongestShiftMs) {
    return Fail(Error::Field("ends_at", "a shift lasts at most 7 days"));
  }
  const Timestamp now = clock_.Now();
  OnCallShift shift{0, actor.clinic_id, user_id, starts_at, ends_at};
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(shift.id, txn.InsertOnCallShift(shift));
    return audit::Append(txn, actor, now, "create", "on_call_shift", Id(shift.id));
  }));
  return OnCallView{shift, user->display_name};
}

Status SafetyService::RemoveOnCall(const Actor& actor, ShiftId id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTxn& txn) -> Status {
    // Another clinic's shift is as unknown as a missing one.
    RAPPORT_RETURN_IF_ERROR(txn.DeleteOnCallShift(actor.clinic_id, id));
    return audit::Append(txn, actor, now, "delete", "on_call_shift", Id(id));
  });
}

Result<std::vector<CrisisSetView>> SafetyService::ListCrisisSets(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  std::map<std::string, CrisisSetView> by_country;
  for (const CrisisSet& s : crisis_.sets) by_country[s.country] = CrisisSetView{s, false};
  RAPPORT_ASSIGN_OR_RETURN(const auto own, store_.ListClinicCrisisSets(actor.clinic_id));
  for (const ClinicCrisisSet& s : own) {
    auto parsed = ParseCrisisSet(Json::parse(s.set_json, nullptr, false));
    if (!parsed) return Fail(Error::Internal("corrupt crisis lines in the database"));
    by_country[s.country] = CrisisSetView{std::move(*parsed), true};
  }
  std::vector<CrisisSetView> out;
  for (auto& [country, view] : by_country) out.push_back(std::move(view));
  return out;
}

Result<CrisisSetView> SafetyService::PutCrisisSet(const Actor& actor, const std::string& country,
                                                  const Json& json) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_RETURN_IF_ERROR(ValidateCountry(country));
  RAPPORT_ASSIGN_OR_RETURN(const CrisisSet set, ParseCrisisSet(json));
  if (set.country != country) {
    return Fail(Error::Field("country", "must be the country named in the address"));
  }
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutClinicCrisisSet(ClinicCrisisSet{
        actor.clinic_id, country, CrisisSetToJson(set).dump(), actor.user_id, now}));
    return audit::Append(txn, actor, now, "update", "crisis_set", country);
  }));
  return CrisisSetView{set, true};
}

Status SafetyService::ResetCrisisSet(const Actor& actor, const std::string& country) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  RAPPORT_RETURN_IF_ERROR(ValidateCountry(country));
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(const SafetySettings settings,
                             LoadSafetySettings(txn, actor.clinic_id));
    // The clinic's own country must keep some lines.
    if (settings.country == country && crisis_.Find(country) == nullptr) {
      return Fail(Error::FailedPrecondition(
          "This is the clinic's country and Rapport ships no lines for it: change the clinic's "
          "country first."));
    }
    RAPPORT_RETURN_IF_ERROR(txn.DeleteClinicCrisisSet(actor.clinic_id, country));
    return audit::Append(txn, actor, now, "delete", "crisis_set", country);
  });
}

namespace {
constexpr std::string_view kPersonalLinkWithheld =
    "This message holds a personal sign-in link, so it is not shown here. Configure a mail relay "
    "(--smtp-url) for it to reach the person.";
}  // namespace

Result<MailPage> SafetyService::MailOutbox(const Actor& actor, NotificationId before, int limit) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  if (limit < 1 || limit > kMostMailPerPage) {
    return Fail(Error::Field("limit", fmt::format("must be between 1 and {}", kMostMailPerPage)));
  }
  if (before < 0) return Fail(Error::Field("before", "must be a mail id"));
  RAPPORT_ASSIGN_OR_RETURN(
      auto mail, store_.ListMail(actor.clinic_id, DeliveryState::kHeld, before, limit + 1));
  MailPage page;
  const bool more = static_cast<int>(mail.size()) > limit;
  if (more) mail.resize(static_cast<std::size_t>(limit));
  std::vector<audit::Touch> touched;
  for (const Notification& n : mail) {
    // A sign-in link is for its person alone: the admin sees that it waits, never the link.
    const bool personal_link = CarriesPersonalLink(n);
    page.mail.push_back(MailView{n.id, n.address, n.subject,
                                 personal_link ? std::string(kPersonalLinkWithheld) : n.body,
                                 n.reason, n.created_at});
    touched.push_back(audit::Touch{"mail", Id(n.id)});
  }
  if (more && !page.mail.empty()) page.next_before = page.mail.back().id;
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return page;
}

Result<NotificationPreferences> SafetyService::Preferences(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  return store_.GetNotificationPreferences(actor.user_id);
}

Result<NotificationPreferences> SafetyService::UpdatePreferences(const Actor& actor, bool email,
                                                                 Severity email_min_severity,
                                                                 bool live) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor}));
  const NotificationPreferences prefs{actor.user_id, email, email_min_severity, live};
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutNotificationPreferences(prefs));
    return audit::Append(txn, actor, now, "update", "notification_preferences", Id(actor.user_id));
  }));
  return prefs;
}

Result<CrisisHelp> SafetyService::Help(const Actor& actor) {
  if (actor.system) return Fail(Error::NotFound("The command line acts in no clinic."));
  const Timestamp now = clock_.Now();
  UserId client = 0;
  Reader reader = Reader::kAdult;
  if (actor.role == Role::kClient) {
    client = actor.user_id;
    auto profile = store_.GetClientProfile(actor.user_id);
    if (profile) reader = ReaderFor(*profile, now);
  }
  return CrisisHelpFor(store_, crisis_, actor.clinic_id, client, reader, now);
}

}  // namespace rapport
