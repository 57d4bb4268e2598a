#include "service/clinic_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "service/mail.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

bool HasEntry(const std::vector<AuditEntry>& entries, UserId actor, std::string_view action,
              std::string_view type, const std::string& id) {
  // A read of several records is one entry naming the others as its subjects.
  const std::string key = AuditRecordKey(type, id);
  return std::any_of(entries.begin(), entries.end(), [&](const AuditEntry& e) {
    return e.actor_id == actor && e.action == action &&
           ((e.record_type == type && e.record_id == id) ||
            std::find(e.subjects.begin(), e.subjects.end(), key) != e.subjects.end());
  });
}

std::vector<std::string> FieldNames(const Error& error) {
  std::vector<std::string> names;
  for (const FieldError& f : error.fields) names.push_back(f.field);
  return names;
}

TEST(Contact, TheClientAndTheirCareTeamReadAndChangeItAuditedAndNobodyElse) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto empty = service.GetContact(w.As(w.c1), w.c1);
  ASSERT_TRUE(empty.has_value()) << empty.error().message;
  EXPECT_EQ(empty->updated_at, 0);
  EXPECT_TRUE(empty->phone.empty());

  ContactDetails mine;
  mine.phone = "+44 20 7946 0958";
  mine.method = ContactMethod::kText;
  mine.emergency_name = "Ana";
  mine.emergency_phone = "020 7946 0000";
  mine.preferred_name = "Cece";
  mine.pronouns = "she/her";
  auto saved = service.UpdateContact(w.As(w.c1), w.c1, mine);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_EQ(saved->updated_by, w.c1);
  EXPECT_TRUE(HasEntry(w.Audit(), w.c1, "update", "client_contact", std::to_string(w.c1)));
  EXPECT_EQ(w.store->GetClientProfile(w.c1)->preferred_name, "Cece")
      << "one preferred name, used everywhere the client is named";

  for (UserId staff : {w.t1, w.supervisor}) {
    auto read = service.GetContact(w.As(staff), w.c1);
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(read->phone, "+44 20 7946 0958");
    EXPECT_EQ(read->preferred_name, "Cece");
    EXPECT_TRUE(HasEntry(w.Audit(), staff, "read", "client_contact", std::to_string(w.c1)));
  }
  ContactDetails theirs = *saved;
  theirs.contact_times = "mornings";
  ASSERT_TRUE(service.UpdateContact(w.As(w.t1), w.c1, theirs).has_value());

  // Nobody else, and a refusal changes nothing.
  const auto before = w.store->GetContactDetails(w.c1);
  ContactDetails hostile;
  hostile.phone = "000000";
  EXPECT_EQ(service.UpdateContact(w.As(w.t2), w.c1, hostile).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.UpdateContact(w.As(w.c2), w.c1, hostile).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.GetContact(w.As(w.tb), w.c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.GetContact(w.As(w.admin), w.c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(service.GetContact(w.As(w.g1), w.k1).error().code, ErrorCode::kPermissionDenied);
  const auto after = w.store->GetContactDetails(w.c1);
  EXPECT_EQ(ContactDetailsToJson(*after), ContactDetailsToJson(*before));
  EXPECT_EQ(after->contact_times, "mornings");
}

TEST(CreateClient, TherapistGetsTheClientWithAnIntakeEpisodeAndBothAreAudited) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto created = service.CreateClient(
      w.As(w.t1), {"  Rosa Díaz ", "Rosa@Example.org", "2015-02-03", "Rosie", 0});
  ASSERT_TRUE(created.has_value()) << created.error().message;
  EXPECT_EQ(created->user.display_name, "Rosa Díaz");
  EXPECT_EQ(created->user.email, "rosa@example.org");
  EXPECT_EQ(created->user.role, Role::kClient);
  EXPECT_TRUE(created->minor);
  EXPECT_EQ(created->profile.preferred_name, "Rosie");
  ASSERT_EQ(created->episodes.size(), 1u);
  EXPECT_EQ(created->episodes[0].therapist_id, w.t1);
  EXPECT_EQ(created->episodes[0].therapist_name, "Tara One");
  EXPECT_EQ(created->episodes[0].status, EpisodeStatus::kIntake);
  EXPECT_TRUE(w.store->GetPasswordHash(created->user.id)->empty());

  const auto audit = w.Audit();
  EXPECT_TRUE(HasEntry(audit, w.t1, "create", "client", std::to_string(created->user.id)));
  EXPECT_TRUE(HasEntry(audit, w.t1, "create", "episode", std::to_string(created->episodes[0].id)));
  // The therapist can now see the new client.
  EXPECT_TRUE(service.GetClient(w.As(w.t1), created->user.id).has_value());
}

TEST(CreateClient, BadInputNamesEveryBadFieldAndStoresNothing) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  const auto before = w.Audit().size();
  auto result = service.CreateClient(w.As(w.t1), {"", "not an email", "2999-01-01", "", 0});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(FieldNames(result.error()),
            (std::vector<std::string>{"display_name", "email", "date_of_birth"}));
  EXPECT_EQ(w.Audit().size(), before);
  EXPECT_EQ(w.store->ListUsers(w.clinic_a)->size(), 10u);
}

TEST(CreateClient, ScriptAndSqlLikeNamesAreStoredAsPlainText) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto created = service.CreateClient(
      w.As(w.t1), {"Robert'); DROP TABLE users;-- <script>", "bobby@a.test", "", "", 0});
  ASSERT_TRUE(created.has_value()) << created.error().message;
  auto again = service.GetClient(w.As(w.t1), created->user.id);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->user.display_name, "Robert'); DROP TABLE users;-- <script>");
  EXPECT_TRUE(w.store->GetUser(w.c1).has_value());
}

TEST(CreateClient, AnAddressWithAnAccountInTheClinicGetsTheSameAnswerAsAnUnknownOne) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  // c2's address and a new one: staff cannot tell them apart from the answer.
  auto known = service.CreateClient(w.As(w.t1), {"Copy Cat", "C2@a.test", "", "", 0});
  auto unknown = service.CreateClient(w.As(w.t1), {"Nova New", "nova@a.test", "", "", 0});
  ASSERT_TRUE(known.has_value()) << known.error().message;
  ASSERT_TRUE(unknown.has_value()) << unknown.error().message;
  for (const ClientDetail* d : {&*known, &*unknown}) {
    EXPECT_FALSE(d->user.email_confirmed);
    EXPECT_EQ(d->episodes.size(), 1u);
  }
  EXPECT_EQ(known->user.email, "c2@a.test");
  // c2 still signs in with their own account.
  EXPECT_EQ(w.store->FindUserByEmail(w.clinic_a, "c2@a.test")->id, w.c2);

  // Whoever holds the inbox decides. c2 is told the address has an account and nothing changes.
  auto copy_link = auth.CreateInvitation(w.As(w.t1), known->user.id, LinkDelivery::kInPerson);
  ASSERT_TRUE(copy_link.has_value()) << copy_link.error().message;
  auto refused = auth.AcceptInvitation(copy_link->token, "a long enough pass", "test", "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message.find("already has an account at"), std::string::npos);
  EXPECT_FALSE(w.store->GetUser(known->user.id)->email_confirmed);
  EXPECT_EQ(*w.store->GetPasswordHash(known->user.id), "");
  EXPECT_EQ(w.store->FindUserByEmail(w.clinic_a, "c2@a.test")->id, w.c2);

  // A new address becomes the client's when they accept, and signs in.
  auto nova_link = auth.CreateInvitation(w.As(w.t1), unknown->user.id, LinkDelivery::kInPerson);
  ASSERT_TRUE(nova_link.has_value());
  ASSERT_TRUE(
      auth.AcceptInvitation(nova_link->token, "a long enough pass", "test", "").has_value());
  EXPECT_TRUE(w.store->GetUser(unknown->user.id)->email_confirmed);
  EXPECT_EQ(w.store->FindUserByEmail(w.clinic_a, "nova@a.test")->id, unknown->user.id);
}

TEST(CreateClient, SupervisorMustNameATherapistTheySupervise) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto unnamed = service.CreateClient(w.As(w.supervisor), {"Ana Ames", "ana@a.test", "", "", 0});
  ASSERT_FALSE(unnamed.has_value());
  EXPECT_EQ(FieldNames(unnamed.error()), std::vector<std::string>{"therapist_id"});
  auto not_theirs =
      service.CreateClient(w.As(w.supervisor), {"Ana Ames", "ana@a.test", "", "", w.t2});
  ASSERT_FALSE(not_theirs.has_value());
  EXPECT_EQ(FieldNames(not_theirs.error()), std::vector<std::string>{"therapist_id"});
  auto ok = service.CreateClient(w.As(w.supervisor), {"Ana Ames", "ana@a.test", "", "", w.t1});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->episodes.at(0).therapist_id, w.t1);
}

TEST(CreateClient, TherapistCannotOpenTheEpisodeForSomeoneElse) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto result = service.CreateClient(w.As(w.t1), {"Ana Ames", "ana@a.test", "", "", w.t2});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
}

TEST(Reads, EveryClinicalReadAppendsAReadEntry) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ASSERT_TRUE(service.GetClient(w.As(w.t1), w.c1).has_value());
  ASSERT_TRUE(service.GetEpisode(w.As(w.c1), w.e_c1).has_value());
  ASSERT_TRUE(service.ListAppointments(w.As(w.g1), w.e_k1).has_value());
  ASSERT_TRUE(service.ListClients(w.As(w.supervisor)).has_value());
  const auto audit = w.Audit();
  EXPECT_TRUE(HasEntry(audit, w.t1, "read", "client", std::to_string(w.c1)));
  EXPECT_TRUE(HasEntry(audit, w.t1, "read", "episode", std::to_string(w.e_c1)));
  EXPECT_TRUE(HasEntry(audit, w.c1, "read", "episode", std::to_string(w.e_c1)));
  EXPECT_TRUE(HasEntry(audit, w.g1, "read", "appointment", std::to_string(w.a_k1)));
  EXPECT_TRUE(HasEntry(audit, w.supervisor, "read", "client", std::to_string(w.k1)));
  for (const AuditEntry& e : audit) {
    EXPECT_EQ(e.source, "192.0.2.1");
    EXPECT_EQ(e.at, w.clock.Now());
  }
}

TEST(Reads, DeniedReadsLeaveADeniedEntryAndNoReadEntry) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ASSERT_FALSE(service.GetClient(w.As(w.t2), w.c1).has_value());
  const auto audit = w.Audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "denied");
  EXPECT_EQ(audit[0].actor_id, w.t2);
}

TEST(Episodes, StatusFollowsTheDomainTransitionsAndEveryChangeIsAudited) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto active = service.SetEpisodeStatus(w.As(w.t1), w.e_c1, EpisodeStatus::kActive);
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->status, EpisodeStatus::kActive);
  EXPECT_FALSE(active->ended_at.has_value());
  auto back = service.SetEpisodeStatus(w.As(w.t1), w.e_c1, EpisodeStatus::kIntake);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code, ErrorCode::kFailedPrecondition);
  const auto audit = w.Audit();
  EXPECT_TRUE(HasEntry(audit, w.t1, "update", "episode", std::to_string(w.e_c1)));

  // Ending goes through CourseService, which records why; a bare status change is refused.
  auto ended = service.SetEpisodeStatus(w.As(w.supervisor), w.e_c1, EpisodeStatus::kEnded);
  ASSERT_FALSE(ended.has_value());
  EXPECT_EQ(ended.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(ended.error().fields.size(), 1u);
  EXPECT_EQ(ended.error().fields[0].field, "status");
  EXPECT_EQ(w.store->GetEpisode(w.e_c1)->status, EpisodeStatus::kActive);
  ASSERT_TRUE(w.store->Write([&](WriteTxn& txn) {
    return txn.UpdateEpisodeStatus(w.e_c1, EpisodeStatus::kEnded, w.clock.Now());
  }));

  auto booking = service.CreateAppointment(w.As(w.t1), w.e_c1,
                                           {w.clock.Now() + 3'600'000, 50, Modality::kPhone});
  ASSERT_FALSE(booking.has_value());
  EXPECT_EQ(booking.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Episodes, ANewEpisodeShowsUpOnTheClientRecordNewestFirst) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  w.clock.Advance(std::chrono::hours(1));
  auto opened = service.CreateEpisode(w.As(w.t1), w.c1, 0);
  ASSERT_TRUE(opened.has_value());
  auto client = service.GetClient(w.As(w.t1), w.c1);
  ASSERT_TRUE(client.has_value());
  ASSERT_EQ(client->episodes.size(), 2u);
  EXPECT_EQ(client->episodes[0].id, opened->id);
  EXPECT_EQ(client->episodes[1].id, w.e_c1);
}

TEST(Appointments, BookRescheduleAndCompleteWithValidation) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  const Timestamp at = w.clock.Now() + 2 * 86'400'000;
  auto bad = service.CreateAppointment(w.As(w.t1), w.e_c1, {0, 2, Modality::kVideo});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(FieldNames(bad.error()), (std::vector<std::string>{"starts_at", "duration_minutes"}));

  auto booked = service.CreateAppointment(w.As(w.t1), w.e_c1, {at, 45, Modality::kVideo});
  ASSERT_TRUE(booked.has_value()) << booked.error().message;
  EXPECT_EQ(booked->client_id, w.c1);
  EXPECT_EQ(booked->therapist_name, "Tara One");
  EXPECT_EQ(booked->appointment.status, AppointmentStatus::kScheduled);

  AppointmentChange move;
  move.starts_at = at + 3'600'000;
  auto moved = service.UpdateAppointment(w.As(w.t1), booked->appointment.id, move);
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->appointment.starts_at, at + 3'600'000);
  EXPECT_EQ(moved->appointment.duration_minutes, 45);

  AppointmentChange complete;
  complete.status = AppointmentStatus::kCompleted;
  ASSERT_TRUE(service.UpdateAppointment(w.As(w.t1), booked->appointment.id, complete));
  AppointmentChange reopen;
  reopen.status = AppointmentStatus::kScheduled;
  auto refused = service.UpdateAppointment(w.As(w.t1), booked->appointment.id, reopen);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  auto late_move = service.UpdateAppointment(w.As(w.t1), booked->appointment.id, move);
  ASSERT_FALSE(late_move.has_value());
  EXPECT_EQ(late_move.error().code, ErrorCode::kFailedPrecondition);

  const auto audit = w.Audit();
  const std::string id = std::to_string(booked->appointment.id);
  EXPECT_TRUE(HasEntry(audit, w.t1, "create", "appointment", id));
  EXPECT_TRUE(HasEntry(audit, w.t1, "update", "appointment", id));
}

TEST(Appointments, UpcomingListsEachRolesOwnSoonestFirst) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto sooner = service.CreateAppointment(w.As(w.t1), w.e_k1,
                                          {w.clock.Now() + 3'600'000, 50, Modality::kInPerson});
  ASSERT_TRUE(sooner.has_value());
  auto past = service.CreateAppointment(w.As(w.t1), w.e_k1,
                                        {w.clock.Now() - 86'400'000, 50, Modality::kInPerson});
  ASSERT_TRUE(past.has_value());

  const auto ids = [&](UserId who) {
    std::vector<AppointmentId> out;
    auto list = service.ListUpcomingAppointments(w.As(who));
    EXPECT_TRUE(list.has_value());
    for (const auto& a : list.value_or(std::vector<AppointmentView>{})) {
      out.push_back(a.appointment.id);
    }
    return out;
  };
  EXPECT_EQ(ids(w.t1), (std::vector<AppointmentId>{sooner->appointment.id, w.a_c1, w.a_k1}));
  EXPECT_EQ(ids(w.supervisor), ids(w.t1));
  EXPECT_EQ(ids(w.c1), std::vector<AppointmentId>{w.a_c1});
  EXPECT_EQ(ids(w.g1), (std::vector<AppointmentId>{sooner->appointment.id, w.a_k1}));
  EXPECT_EQ(ids(w.t2), (std::vector<AppointmentId>{w.a_c2, w.a_k2}));
  EXPECT_EQ(ids(w.tb), std::vector<AppointmentId>{w.a_cb});
}

TEST(Guardians, ANewGuardianSeesNothingUntilTheyAcceptAndConsentIsRecorded) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto added = service.AddGuardian(w.As(w.t1), w.k1,
                                   {"Pat Parent", "pat@a.test", LinkDelivery::kInPerson, ""});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  ASSERT_TRUE(added->invitation.has_value());
  EXPECT_EQ(added->link.state, GuardianLinkState::kAwaitingGuardian);
  EXPECT_EQ(added->link.guardian_id, 0);
  // The new record waits with its address unconfirmed until Pat accepts the invitation.
  const UserId pat = w.store->ListRecordsWithEmail(w.clinic_a, "pat@a.test")->at(0).id;
  EXPECT_EQ(w.store->GetUser(pat)->role, Role::kGuardian);
  const auto sees_child = [&] { return service.GetClient(w.As(pat), w.k1).has_value(); };
  EXPECT_FALSE(sees_child());
  EXPECT_EQ(*w.store->ListGuardiansOfChild(w.k1), std::vector<UserId>{w.g1});

  auto accepted = service.AcceptGuardianLink(w.As(pat), added->link.id);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(accepted->state, GuardianLinkState::kAwaitingConsent);
  EXPECT_FALSE(sees_child());  // accepted, but nobody recorded consent to share

  auto consented =
      service.RecordGuardianConsent(w.As(w.t1), added->link.id, "Kit and both parents, at intake");
  ASSERT_TRUE(consented.has_value()) << consented.error().message;
  EXPECT_EQ(consented->state, GuardianLinkState::kActive);
  EXPECT_EQ(consented->guardian_id, pat);
  EXPECT_EQ(consented->consent_recorded_by_name, "Tara One");
  EXPECT_TRUE(sees_child());

  const auto audit = w.Audit();
  const std::string link = std::to_string(added->link.id);
  EXPECT_TRUE(HasEntry(audit, w.t1, "create", "guardian_link", link));
  EXPECT_TRUE(HasEntry(audit, pat, "accept", "guardian_link", link));
  EXPECT_TRUE(HasEntry(audit, w.t1, "consent", "guardian_link", link));
  auto client = service.GetClient(w.As(w.t1), w.k1);
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->guardians.size(), 2u);
}

TEST(Guardians, AnotherFamilysGuardianIsAskedNotLinkedAndTheAnswerSaysNothingOfTheirAccount) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  // g2 is Kai's guardian, with a password. t1 types g2's address for Kit.
  auto existing =
      service.AddGuardian(w.As(w.t1), w.k1, {"Some Name", "g2@a.test", LinkDelivery::kEmail, ""});
  ASSERT_TRUE(existing.has_value()) << existing.error().message;
  auto fresh = service.AddGuardian(w.As(w.t1), w.k1,
                                   {"Other Name", "new.parent@a.test", LinkDelivery::kEmail, ""});
  ASSERT_TRUE(fresh.has_value()) << fresh.error().message;
  // The two answers differ only in what staff typed: no id, no stored name, no invitation.
  for (const GuardianAdded* a : {&*existing, &*fresh}) {
    EXPECT_EQ(a->link.guardian_id, 0);
    EXPECT_EQ(a->link.state, GuardianLinkState::kAwaitingGuardian);
    EXPECT_FALSE(a->invitation.has_value());
  }
  EXPECT_EQ(existing->link.display_name, "Some Name");  // not "Gus Guardian"
  // g2 gets nothing of Kit until they accept and consent is recorded.
  EXPECT_FALSE(service.GetClient(w.As(w.g2), w.k1).has_value());
  auto request = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(request.has_value());
  EXPECT_TRUE(std::any_of(request->begin(), request->end(), [&](const Notification& n) {
    return n.recipient_id == w.g2 && n.reason == kGuardianLinkRequestMail;
  }));
  auto own = service.ListOwnGuardianLinks(w.As(w.g2));
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->size(), 2u);  // Kai's (active) and Kit's (asked)
  EXPECT_EQ((*own)[1].child_name, "Kit");
  EXPECT_TRUE((*own)[1].email.empty());
  // They decline: the link is gone and Kit stays closed to them.
  ASSERT_TRUE(service.RemoveGuardianLink(w.As(w.g2), existing->link.id).has_value());
  EXPECT_FALSE(service.GetClient(w.As(w.g2), w.k1).has_value());
  EXPECT_EQ(service.ListOwnGuardianLinks(w.As(w.g2))->size(), 1u);
  // A client's address gets the same answer as an unknown one: a new guardian record whose
  // invitation its owner may accept or not. A link already accepted is not asked again.
  auto email_of_a_client =
      service.AddGuardian(w.As(w.t1), w.k1, {"Cleo", "c1@a.test", LinkDelivery::kEmail, ""});
  ASSERT_TRUE(email_of_a_client.has_value()) << email_of_a_client.error().message;
  EXPECT_EQ(email_of_a_client->link.guardian_id, 0);
  EXPECT_EQ(email_of_a_client->link.state, GuardianLinkState::kAwaitingGuardian);
  EXPECT_FALSE(email_of_a_client->invitation.has_value());
  EXPECT_EQ(w.store->FindUserByEmail(w.clinic_a, "c1@a.test")->id, w.c1);
  auto twice =
      service.AddGuardian(w.As(w.t1), w.k1, {"Gina", "g1@a.test", LinkDelivery::kEmail, ""});
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(FieldNames(twice.error()), std::vector<std::string>{"email"});
}

TEST(Guardians, AClientNotUnderTheClinicsAgeOfMajorityHasAGuardianOnlyWithARecordedException) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  // c1 is an adult: no guardian without a reason.
  auto refused =
      service.AddGuardian(w.As(w.t1), w.c1, {"Pat Parent", "pat@a.test", LinkDelivery::kEmail, ""});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(FieldNames(refused.error()), std::vector<std::string>{"exception_reason"});
  EXPECT_TRUE(w.store->ListRecordsWithEmail(w.clinic_a, "pat@a.test")->empty());  // nothing written
  auto with_reason = service.AddGuardian(
      w.As(w.t1), w.c1,
      {"Pat Parent", "pat@a.test", LinkDelivery::kEmail, "Court-appointed guardian, order seen"});
  ASSERT_TRUE(with_reason.has_value()) << with_reason.error().message;
  EXPECT_EQ(with_reason->link.exception_reason, "Court-appointed guardian, order seen");

  // Sam is 16 on the world's date: a minor where majority is 18, not where it is 16.
  NewClientInput sam_input{"Sam Teen", "sam@a.test", "2010-01-01", "", 0};
  auto sam = service.CreateClient(w.As(w.t1), sam_input);
  ASSERT_TRUE(sam.has_value()) << sam.error().message;
  EXPECT_TRUE(sam->minor);
  ClinicSettings settings = w.store->GetClinic(w.clinic_a)->settings;
  settings.age_of_majority = 13;  // below what the setting allows
  auto too_low = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_FALSE(too_low.has_value());
  EXPECT_EQ(FieldNames(too_low.error()), std::vector<std::string>{"age_of_majority"});
  settings.age_of_majority = 16;
  ASSERT_TRUE(service.UpdateClinicSettings(w.As(w.admin), settings).has_value());
  EXPECT_FALSE(service.GetClient(w.As(w.t1), sam->user.id)->minor);
  auto sams_parent = service.AddGuardian(w.As(w.t1), sam->user.id,
                                         {"Ari Parent", "ari@a.test", LinkDelivery::kEmail, ""});
  ASSERT_FALSE(sams_parent.has_value());
  EXPECT_EQ(FieldNames(sams_parent.error()), std::vector<std::string>{"exception_reason"});
}

TEST(Guardians, OnlyTheirGuardianAcceptsALinkAndOnlyTheChildsStaffRecordConsent) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto added =
      service.AddGuardian(w.As(w.t1), w.k1, {"Pat Parent", "pat@a.test", LinkDelivery::kEmail, ""});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  const GuardianLinkId link = added->link.id;
  const auto code = [](const auto& result) { return result.error().code; };
  // Another family's guardian, another therapist, the client, the admin.
  EXPECT_EQ(code(service.AcceptGuardianLink(w.As(w.g2), link)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service.AcceptGuardianLink(w.As(w.t1), link)), ErrorCode::kPermissionDenied);
  EXPECT_EQ(code(service.RecordGuardianConsent(w.As(w.t2), link, "yes")), ErrorCode::kNotFound);
  EXPECT_EQ(code(service.RecordGuardianConsent(w.As(w.g1), link, "yes")),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(code(service.RecordGuardianConsent(w.As(w.admin), link, "yes")),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(code(service.RemoveGuardianLink(w.As(w.t2), link)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service.RemoveGuardianLink(w.As(w.c1), link)), ErrorCode::kPermissionDenied);
  auto blank = service.RecordGuardianConsent(w.As(w.t1), link, "  ");
  ASSERT_FALSE(blank.has_value());
  EXPECT_EQ(FieldNames(blank.error()), std::vector<std::string>{"note"});
  // The therapist may end a link; access stops at once.
  ASSERT_TRUE(service.RemoveGuardianLink(w.As(w.t1), link).has_value());
  EXPECT_EQ(code(service.RecordGuardianConsent(w.As(w.t1), link, "yes")), ErrorCode::kNotFound);
  ASSERT_TRUE(service.GetClient(w.As(w.g1), w.k1).has_value());
  const GuardianLinkId gina = w.store->ListGuardianLinksOfChild(w.k1)->at(0).id;
  ASSERT_TRUE(service.RemoveGuardianLink(w.As(w.t1), gina).has_value());
  EXPECT_FALSE(service.GetClient(w.As(w.g1), w.k1).has_value());
}

// Staff of one clinic cannot learn from a refusal that an address has an account at another:
// an address is unique within a clinic only.
TEST(Clients, AnAddressWithAnAccountAtAnotherClinicIsNotRefused) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  NewClientInput input{"Cass Again", "cb@b.test", "", "", 0};
  auto client = service.CreateClient(w.As(w.t1), input);
  ASSERT_TRUE(client.has_value()) << client.error().message;
  EXPECT_EQ(client->user.clinic_id, w.clinic_a);
  EXPECT_NE(client->user.id, w.cb);
  auto guardian =
      service.AddGuardian(w.As(w.t1), w.k1, {"Tomi Parent", "tb@b.test", LinkDelivery::kEmail, ""});
  ASSERT_TRUE(guardian.has_value()) << guardian.error().message;
  NewUserInput staff{"admin@b.test", "Bo Again", Role::kTherapist, "", 0};
  EXPECT_TRUE(service.CreateUser(w.As(w.admin), staff).has_value());
  // Within the clinic the address is still one person's: the second record waits unconfirmed.
  NewClientInput twice{"Cass Twice", "cb@b.test", "", "", 0};
  auto waiting = service.CreateClient(w.As(w.t1), twice);
  ASSERT_TRUE(waiting.has_value()) << waiting.error().message;
  EXPECT_FALSE(waiting->user.email_confirmed);
}

TEST(Users, AdminCreatesUsersWithOrWithoutPasswordAndSeesOnlyTheirClinic) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  // Only the person chooses their password: an admin's new user is invited.
  NewUserInput therapist{"new.t@a.test", "Nell New", Role::kTherapist, "a long enough pass", 0};
  auto chosen_for_them = service.CreateUser(w.As(w.admin), therapist);
  ASSERT_FALSE(chosen_for_them.has_value());
  EXPECT_EQ(FieldNames(chosen_for_them.error()), std::vector<std::string>{"password"});
  therapist.password = "";
  auto invited_staff = service.CreateUser(w.As(w.admin), therapist);
  ASSERT_TRUE(invited_staff.has_value()) << invited_staff.error().message;
  EXPECT_TRUE(invited_staff->invitation.has_value());
  EXPECT_FALSE(invited_staff->user.email_confirmed);
  EXPECT_TRUE(w.store->GetTherapistProfile(invited_staff->user.id).has_value());
  EXPECT_EQ(invited_staff->user.clinic_id, w.clinic_a);
  // The address of someone the clinic knows gets the same answer.
  NewUserInput known{"c1@a.test", "Cleo Staff", Role::kTherapist, "", 0};
  auto same = service.CreateUser(w.As(w.admin), known);
  ASSERT_TRUE(same.has_value()) << same.error().message;
  EXPECT_TRUE(same->invitation.has_value());

  NewUserInput guardian{"new.g@a.test", "Gale New", Role::kGuardian, "", w.clinic_b};
  auto invited = service.CreateUser(w.As(w.admin), guardian);
  ASSERT_TRUE(invited.has_value());
  EXPECT_TRUE(invited->invitation.has_value());
  EXPECT_EQ(invited->user.clinic_id, w.clinic_a);  // an admin cannot reach another clinic

  NewUserInput weak{"weak@a.test", "Wes Weak", Role::kClient, "short", 0};
  auto refused = service.CreateUser(w.As(w.admin), weak);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(FieldNames(refused.error()), std::vector<std::string>{"password"});

  auto users = service.ListUsers(w.As(w.admin));
  ASSERT_TRUE(users.has_value());
  for (const User& u : *users) EXPECT_EQ(u.clinic_id, w.clinic_a);
  EXPECT_TRUE(
      HasEntry(w.Audit(), w.admin, "create", "user", std::to_string(invited_staff->user.id)));
}

TEST(Users, AdminCannotDeactivateThemself) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto result = service.DeactivateUser(w.As(w.admin), w.admin);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Users, SystemActorCreatesAClinicAndItsFirstAdmin) {
  testing::TempDb db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  FakeClock clock(1'780'304'400'000);
  ClinicService service(*store, clock, testing::FastAuth());
  const Actor system = Actor::System();
  auto clinic = service.CreateClinic(system, "Harbour Therapy");
  ASSERT_TRUE(clinic.has_value());
  auto admin = service.CreateUser(
      system, {"boss@harbour.test", "Hal Boss", Role::kAdmin, "a long enough pass", *clinic});
  ASSERT_TRUE(admin.has_value()) << admin.error().message;
  EXPECT_EQ(admin->user.clinic_id, *clinic);
  auto entries = store->ListAudit(0, 0, 10);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1].actor_role, "system");
  EXPECT_EQ((*entries)[1].clinic_id, *clinic);
  EXPECT_EQ((*entries)[1].source, "cli");

  auto not_system = service.CreateClinic(Actor{}, "Sneaky");
  ASSERT_FALSE(not_system.has_value());
  EXPECT_EQ(not_system.error().code, ErrorCode::kPermissionDenied);
}

TEST(Clinics, AdminChangesOnlyTheirOwnClinicsSettingsAndTheChangeIsAudited) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ClinicSettings settings;
  settings.share_with_guardians = false;
  auto updated = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_TRUE(updated.has_value());
  EXPECT_FALSE(updated->settings.share_with_guardians);
  EXPECT_FALSE(w.store->GetClinic(w.clinic_a)->settings.share_with_guardians);
  EXPECT_TRUE(w.store->GetClinic(w.clinic_b)->settings.share_with_guardians);
  EXPECT_TRUE(HasEntry(w.Audit(), w.admin, "update", "clinic", std::to_string(w.clinic_a)));
  // The guardian now sees the child's identity but not the episodes.
  auto child = service.GetClient(w.As(w.g1), w.k1);
  ASSERT_TRUE(child.has_value());
  EXPECT_FALSE(child->clinical);
}

TEST(Clinics, TwoAdminsChangingDifferentSettingsAtOnceBothKeepTheirChange) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  // One admin moves the review interval while another toggles link feedback, many times over;
  // each change is applied to what is stored when it is written, so neither undoes the other.
  constexpr int kRounds = 40;
  std::thread reviews([&] {
    for (int i = 1; i <= kRounds; ++i) {
      ClinicSettingsChange change;
      change.plan_review_sessions = 1 + i % 52;
      ASSERT_TRUE(service.ChangeClinicSettings(w.As(w.admin), change).has_value());
    }
  });
  std::thread links([&] {
    for (int i = 1; i <= kRounds; ++i) {
      ClinicSettingsChange change;
      change.allow_link_feedback = i % 2 == 0;
      ASSERT_TRUE(service.ChangeClinicSettings(w.As(w.admin), change).has_value());
    }
  });
  reviews.join();
  links.join();
  const ClinicSettings stored = w.store->GetClinic(w.clinic_a)->settings;
  EXPECT_EQ(stored.plan_review_sessions, 1 + kRounds % 52);
  EXPECT_EQ(stored.allow_link_feedback, kRounds % 2 == 0);

  ClinicSettingsChange bad;
  bad.plan_review_days = 0;
  auto refused = service.ChangeClinicSettings(w.As(w.admin), bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(FieldNames(refused.error()), std::vector<std::string>{"plan_review_days"});
  EXPECT_EQ(w.store->GetClinic(w.clinic_a)->settings.plan_review_days, 90);
  EXPECT_EQ(service.ChangeClinicSettings(w.As(w.t1), ClinicSettingsChange{}).error().code,
            ErrorCode::kPermissionDenied);
}

TEST(Clinics, AdminSetsThePlanReviewIntervalWithinItsRange) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  ClinicSettings settings;
  settings.plan_review_sessions = 52;
  settings.plan_review_days = 1;
  auto updated = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->settings.plan_review_sessions, 52);
  EXPECT_EQ(updated->settings.plan_review_days, 1);
  EXPECT_EQ(w.store->GetClinic(w.clinic_a)->settings.plan_review_sessions, 52);
}

TEST(Clinics, APlanReviewIntervalOutOfRangeNamesBothFieldsAndChangesNothing) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  const std::size_t audited = w.Audit().size();
  ClinicSettings settings;
  settings.share_with_guardians = false;
  settings.plan_review_sessions = 0;
  settings.plan_review_days = 731;
  auto refused = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(refused.error().fields.size(), 2u);
  EXPECT_EQ(refused.error().fields[0].field, "plan_review_sessions");
  EXPECT_EQ(refused.error().fields[1].field, "plan_review_days");

  settings.plan_review_sessions = 53;
  settings.plan_review_days = 90;
  refused = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_FALSE(refused.has_value());
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "plan_review_sessions");

  settings.plan_review_sessions = 6;
  settings.plan_review_days = 0;
  refused = service.UpdateClinicSettings(w.As(w.admin), settings);
  ASSERT_FALSE(refused.has_value());
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "plan_review_days");

  const Clinic clinic = *w.store->GetClinic(w.clinic_a);
  EXPECT_TRUE(clinic.settings.share_with_guardians);
  EXPECT_EQ(clinic.settings.plan_review_sessions, 6);
  EXPECT_EQ(clinic.settings.plan_review_days, 90);
  EXPECT_EQ(w.Audit().size(), audited);
}

TEST(Therapists, ListShowsActiveTherapistsOfTheOwnClinicWithProfiles) {
  World w;
  ClinicService service(*w.store, w.clock, testing::FastAuth());
  auto list = service.ListTherapists(w.As(w.c1));
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].display_name, "Tara One");
  EXPECT_EQ((*list)[0].credentials, "CBT");
  EXPECT_EQ((*list)[1].display_name, "Theo Two");
}

}  // namespace
}  // namespace rapport
