// Moving a clinic from its SQLite file to PostgreSQL: every table arrives equal, the moved store
// reads the same records and numbers new ones after the copied ones, and a move that must not
// happen leaves the PostgreSQL database as it was. Each test has an SQLite file of its own and an
// empty database of the test run's PostgreSQL server.

#include "store/move/store_move.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/crypto.h"
#include "domain/audit.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_test_cluster.h"
#include "store/sealed_world_test_support.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/store.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;

constexpr Timestamp kT0 = 1'790'000'000'000;  // 2026-09-21, any fixed instant will do
constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;
// A name no byte of which may be lost on the way: accents, a quote, a double quote, an emoji.
constexpr const char* kClientName = "Zoë O'Brien \"Zo\" 🌿";

// What Seed wrote, to look for on the other side.
struct Seeded {
  ClinicId clinic = 0;
  UserId therapist = 0;
  UserId client = 0;
  EpisodeId episode = 0;
  EpisodeId ended_episode = 0;
  AppointmentId appointment = 0;
  MessageId message = 0;
};

// A clinic with rows of many kinds: people, episodes (one ended), appointments, questionnaire
// assignments made in an order that is not their key's, answers with and without a total (which
// the triggers summarise), a sealed message and audit entries naming other records.
Result<Seeded> Seed(Store& store) {
  Seeded ids;
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(ids.clinic, txn.InsertClinic(Clinic{0, "Northside Clinic", {}}));
    const auto user = [&](const std::string& email, const std::string& name, Role role) {
      NewUser u;
      u.clinic_id = ids.clinic;
      u.email = email;
      u.display_name = name;
      u.role = role;
      u.created_at = kT0;
      return txn.InsertUser(u);
    };
    RAPPORT_ASSIGN_OR_RETURN(const UserId admin, user("admin@north.example", "Ada", Role::kAdmin));
    static_cast<void>(admin);
    RAPPORT_ASSIGN_OR_RETURN(ids.therapist,
                             user("theo@north.example", "Theo Marsh", Role::kTherapist));
    RAPPORT_ASSIGN_OR_RETURN(ids.client, user("zoe@north.example", kClientName, Role::kClient));
    RAPPORT_ASSIGN_OR_RETURN(const UserId former,
                             user("former@north.example", "Former Client", Role::kClient));

    Episode episode;
    episode.clinic_id = ids.clinic;
    episode.client_id = ids.client;
    episode.therapist_id = ids.therapist;
    episode.status = EpisodeStatus::kActive;
    episode.started_at = kT0;
    RAPPORT_ASSIGN_OR_RETURN(ids.episode, txn.InsertEpisode(episode));
    episode.client_id = former;
    RAPPORT_ASSIGN_OR_RETURN(ids.ended_episode, txn.InsertEpisode(episode));
    RAPPORT_RETURN_IF_ERROR(
        txn.UpdateEpisodeStatus(ids.ended_episode, EpisodeStatus::kEnded, kT0 + 30 * kDay));

    Appointment appointment;
    appointment.episode_id = ids.episode;
    appointment.starts_at = kT0 + kDay;
    appointment.status = AppointmentStatus::kCompleted;
    RAPPORT_ASSIGN_OR_RETURN(ids.appointment, txn.InsertAppointment(appointment));
    appointment.starts_at = kT0 + 8 * kDay;
    appointment.status = AppointmentStatus::kScheduled;
    appointment.modality = Modality::kVideo;
    RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(appointment));

    // Assigned at the same moment, so that only the order they were made in lists them.
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(
        InstrumentAssignment{ids.episode, "PHQ-9", Respondent::kClient, kT0, std::nullopt}));
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(
        InstrumentAssignment{ids.episode, "GAD-7", Respondent::kClient, kT0, Schedule{2, 0}}));

    for (int i = 0; i < 3; ++i) {
      FeedbackResponse response;
      response.episode_id = ids.episode;
      response.appointment_id =
          i == 0 ? std::optional<AppointmentId>(ids.appointment) : std::nullopt;
      response.instrument = "PHQ-9";
      response.instrument_version = "1";
      response.respondent_user_id = ids.client;
      response.submitted_at = kT0 + i * kDay;
      response.session_number = i;
      response.answers_json = R"({"q1": 2, "comment": "better, \"mostly\""})";
      response.total = i == 1 ? std::nullopt : std::optional<double>(12.5 - i * 0.1);
      response.scales_json = "{}";
      response.risk_json = "[]";
      RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(response));
    }

    EpisodeMessage message;
    message.clinic_id = ids.clinic;
    message.episode_id = ids.episode;
    message.sender_id = ids.client;
    message.body = "See you on Tuesday — thank you!";
    message.sent_at = kT0 + 2 * kDay;
    RAPPORT_ASSIGN_OR_RETURN(ids.message, txn.InsertEpisodeMessage(message));

    for (int i = 0; i < 4; ++i) {
      AuditEntry entry;
      entry.at = kT0 + i;
      entry.clinic_id = ids.clinic;
      entry.actor_id = ids.therapist;
      entry.actor_role = "therapist";
      entry.action = i == 0 ? "create" : "read";
      entry.record_type = "episode";
      entry.record_id = std::to_string(ids.episode);
      entry.source = "127.0.0.1";
      if (i % 2 == 1) entry.subjects = {"client:" + std::to_string(ids.client)};
      RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
    }
    return Ok();
  }));
  return ids;
}

// The client's PHQ-9 series, as the store keeps it for a new answer (read in a write).
Result<ResponseSeries> ReadSeries(Store& store, EpisodeId episode) {
  ResponseSeries series;
  RAPPORT_RETURN_IF_ERROR(store.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(series,
                             txn.GetResponseSeries(episode, "PHQ-9", Respondent::kClient, 12));
    return Ok();
  }));
  return series;
}

// The tables as the move sees them, and their hashes on each engine.
struct BothSides {
  std::vector<TableHash> sqlite;
  std::vector<TableHash> postgres;
};

class MoveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    Result<PgTestCluster*> cluster = PgTestCluster::Shared();
    ASSERT_TRUE(cluster.has_value()) << cluster.error().message;
    cluster_ = *cluster;
    dir_ = std::filesystem::temp_directory_path() / ("rapport-move-test-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    database_ = PgTestCluster::UniqueName("move");
    // Empty, not the migrated template: the move brings it to the schema itself.
    const Status created = cluster_->CreateDatabase(database_);
    ASSERT_TRUE(created.has_value()) << created.error().message;
  }

  void TearDown() override {
    if (cluster_ != nullptr) (void)cluster_->DropDatabase(database_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  SqliteStoreOptions From() const {
    SqliteStoreOptions options;
    options.path = (dir_ / "clinic.db").string();
    options.read_connections = 1;
    return options;
  }

  // The same key files as the SQLite database's: the chain and the messages are sealed with them.
  PostgresStoreOptions To() const {
    PostgresStoreOptions options;
    options.conninfo = cluster_->conninfo(database_);
    options.read_connections = 1;
    options.audit_key_path = From().path + ".audit-key";
    options.message_key_path = From().path + ".message-key";
    return options;
  }

  std::unique_ptr<SqlStore> OpenSqlite() const {
    auto store = SqlStore::Open(From());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  std::unique_ptr<SqlStore> OpenPostgres() const {
    auto store = SqlStore::Open(To());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  Seeded SeedSqlite() const {
    std::unique_ptr<SqlStore> store = OpenSqlite();
    if (store == nullptr) return {};
    Result<Seeded> seeded = Seed(*store);
    EXPECT_TRUE(seeded.has_value()) << seeded.error().message;
    return seeded.value_or(Seeded{});
  }

  // Every table's count and hash, read on both engines as the move reads them.
  BothSides HashBothSides() const {
    BothSides sides;
    auto sqlite = SqliteConnection::Open(From().path, SqlConnection::Mode::kReader);
    auto postgres = PgConnection::Open(To().conninfo, SqlConnection::Mode::kReader);
    EXPECT_TRUE(sqlite.has_value() && postgres.has_value());
    if (!sqlite || !postgres) return sides;
    Result<std::vector<MoveTable>> tables = ReadMoveTables(**sqlite, **postgres);
    EXPECT_TRUE(tables.has_value()) << tables.error().message;
    if (!tables) return sides;
    auto from = HashTables(**sqlite, *tables);
    auto to = HashTables(**postgres, *tables);
    EXPECT_TRUE(from.has_value() && to.has_value());
    if (from) sides.sqlite = *from;
    if (to) sides.postgres = *to;
    return sides;
  }

  // Whether the PostgreSQL database has been given any schema at all.
  bool PostgresHasSchema() const {
    auto postgres = PgConnection::Open(To().conninfo, SqlConnection::Mode::kReader);
    EXPECT_TRUE(postgres.has_value());
    if (!postgres) return false;
    auto query = (*postgres)->Prepare(
        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()");
    EXPECT_TRUE(query.has_value());
    if (!query) return false;
    const Result<bool> row = query->Step();
    return row.value_or(false) && query->Int(0) > 0;
  }

  PgTestCluster* cluster_ = nullptr;
  std::filesystem::path dir_;
  std::string database_;
};

std::map<std::string, TableCopy> ByTable(const MoveReport& report) {
  std::map<std::string, TableCopy> tables;
  for (const TableCopy& table : report.tables) tables[table.table] = table;
  return tables;
}

TEST_F(MoveTest, CopiesEveryTableWithEqualCountsAndHashes) {
  SeedSqlite();
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_TRUE(report.has_value()) << report.error().message;

  EXPECT_GE(report->schema_version, 25);
  EXPECT_GT(report->tables.size(), 40U);
  for (const TableCopy& table : report->tables) {
    EXPECT_EQ(table.rows_to, table.rows_from) << table.table;
    EXPECT_EQ(table.hash_to, table.hash_from) << table.table;
    EXPECT_EQ(table.hash_from.size(), 64U) << table.table;
  }
  const std::map<std::string, TableCopy> tables = ByTable(*report);
  EXPECT_EQ(tables.at("clinics").rows_to, 1);
  EXPECT_EQ(tables.at("users").rows_to, 4);
  EXPECT_EQ(tables.at("episodes").rows_to, 2);
  EXPECT_EQ(tables.at("episode_instruments").rows_to, 2);
  EXPECT_EQ(tables.at("responses").rows_to, 3);
  EXPECT_EQ(tables.at("response_series").rows_to, 1);  // kept by the trigger, copied as it is
  EXPECT_EQ(tables.at("clinic_ended_episodes").rows_to, 1);
  EXPECT_EQ(tables.at("episode_messages").rows_to, 1);
  EXPECT_EQ(tables.at("audit").rows_to, 4);
  EXPECT_EQ(tables.at("audit_chain").rows_to, 1);  // the source's, in place of the seeded one
  EXPECT_FALSE(tables.contains("schema_migrations"));

  // A table comes after every table its foreign keys refer to.
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < report->tables.size(); ++i) position[report->tables[i].table] = i;
  EXPECT_LT(position.at("clinics"), position.at("users"));
  EXPECT_LT(position.at("users"), position.at("episodes"));
  EXPECT_LT(position.at("episodes"), position.at("appointments"));
  EXPECT_LT(position.at("appointments"), position.at("responses"));

  // Read again from outside the move, each engine on its own: the same.
  const BothSides sides = HashBothSides();
  ASSERT_EQ(sides.sqlite.size(), report->tables.size());
  ASSERT_EQ(sides.postgres.size(), report->tables.size());
  for (std::size_t i = 0; i < sides.sqlite.size(); ++i) {
    EXPECT_EQ(sides.sqlite[i].table, report->tables[i].table);
    EXPECT_EQ(sides.sqlite[i].hash, report->tables[i].hash_from) << sides.sqlite[i].table;
    EXPECT_EQ(sides.postgres[i].hash, report->tables[i].hash_to) << sides.postgres[i].table;
    EXPECT_EQ(sides.postgres[i].rows, sides.sqlite[i].rows) << sides.sqlite[i].table;
  }
}

TEST_F(MoveTest, TheHashIsBlake2bOfTheCanonicalTextOfTheRows) {
  SeedSqlite();
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const std::map<std::string, TableCopy> tables = ByTable(*report);
  // audit_chain holds one row, (id 1, keyed_from_seq 1): two integers, one line.
  EXPECT_EQ(tables.at("audit_chain").hash_to, Blake2b256Hex("I1:1I1:1\n"));
  EXPECT_EQ(tables.at("session_notes").hash_to, Blake2b256Hex(""));  // no rows: one empty block
}

TEST_F(MoveTest, AChangedValueChangesOnlyItsTablesHash) {
  const Seeded ids = SeedSqlite();
  ASSERT_TRUE(MoveSqliteToPostgres(From(), To()).has_value());
  {
    auto postgres = PgConnection::Open(To().conninfo, SqlConnection::Mode::kWriter);
    ASSERT_TRUE(postgres.has_value());
    ASSERT_TRUE((*postgres)
                    ->Exec("UPDATE users SET display_name = 'Zoe O''Brien' WHERE id = " +
                           std::to_string(ids.client))
                    .has_value());
  }
  const BothSides sides = HashBothSides();
  ASSERT_EQ(sides.sqlite.size(), sides.postgres.size());
  for (std::size_t i = 0; i < sides.sqlite.size(); ++i) {
    EXPECT_EQ(sides.postgres[i].rows, sides.sqlite[i].rows) << sides.sqlite[i].table;
    if (sides.sqlite[i].table == "users") {
      EXPECT_NE(sides.postgres[i].hash, sides.sqlite[i].hash);
    } else {
      EXPECT_EQ(sides.postgres[i].hash, sides.sqlite[i].hash) << sides.sqlite[i].table;
    }
  }
}

TEST_F(MoveTest, TheMovedStoreReadsTheSameRecordsAndItsAuditChainHolds) {
  const Seeded ids = SeedSqlite();
  ASSERT_TRUE(MoveSqliteToPostgres(From(), To()).has_value());
  std::unique_ptr<SqlStore> sqlite = OpenSqlite();
  std::unique_ptr<SqlStore> postgres = OpenPostgres();
  ASSERT_NE(sqlite, nullptr);
  ASSERT_NE(postgres, nullptr);

  const Result<User> client = postgres->GetUser(ids.client);
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->display_name, kClientName);

  // In the order they were made, which is not their key's.
  const auto assignments = postgres->ListAssignments(ids.episode);
  ASSERT_TRUE(assignments.has_value());
  ASSERT_EQ(assignments->size(), 2U);
  EXPECT_EQ((*assignments)[0].instrument, "PHQ-9");
  EXPECT_EQ((*assignments)[1].instrument, "GAD-7");
  EXPECT_EQ((*assignments)[1].schedule, (Schedule{2, 0}));

  const auto from_responses = sqlite->ListResponsesOfEpisode(ids.episode);
  const auto to_responses = postgres->ListResponsesOfEpisode(ids.episode);
  ASSERT_TRUE(from_responses.has_value() && to_responses.has_value());
  ASSERT_EQ(to_responses->size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*to_responses)[i].id, (*from_responses)[i].id);
    EXPECT_EQ((*to_responses)[i].total, (*from_responses)[i].total);
    EXPECT_EQ((*to_responses)[i].answers_json, (*from_responses)[i].answers_json);
  }
  EXPECT_EQ((*to_responses)[0].total, 12.5);
  EXPECT_EQ((*to_responses)[1].total, std::nullopt);

  const Result<ResponseSeries> series = ReadSeries(*postgres, ids.episode);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(series->answered, 3);
  EXPECT_EQ(series->first_total, 12.5);

  // Sealed under the message key the PostgreSQL store was given: the same one.
  const auto messages = postgres->ListEpisodeMessages(ids.episode);
  ASSERT_TRUE(messages.has_value()) << messages.error().message;
  ASSERT_EQ(messages->size(), 1U);
  EXPECT_EQ((*messages)[0].body, "See you on Tuesday — thank you!");

  const auto from_mark = sqlite->EndedEpisodesMark(ids.clinic);
  const auto to_mark = postgres->EndedEpisodesMark(ids.clinic);
  ASSERT_TRUE(from_mark.has_value() && to_mark.has_value());
  EXPECT_EQ(*to_mark, *from_mark);

  // Every entry still follows the one before and is sealed under the same key.
  const auto entries = postgres->ListAudit(0, 0, 1000);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 4U);
  std::string previous(kAuditGenesisHash);
  for (const AuditEntry& entry : *entries) {
    EXPECT_EQ(entry.prev_hash, previous) << entry.seq;
    EXPECT_EQ(entry.hash, postgres->AuditSeal(AuditDigestInput(entry))) << entry.seq;
    previous = entry.hash;
  }
  EXPECT_EQ((*entries)[1].subjects,
            std::vector<std::string>{"client:" + std::to_string(ids.client)});
  const auto keyed_from = postgres->AuditKeyedFromSeq();
  ASSERT_TRUE(keyed_from.has_value());
  EXPECT_EQ(*keyed_from, 1);
}

TEST_F(MoveTest, NewRecordsAfterTheMoveGetNumbersAboveTheCopiedOnes) {
  const Seeded ids = SeedSqlite();
  ASSERT_TRUE(MoveSqliteToPostgres(From(), To()).has_value());
  std::unique_ptr<SqlStore> postgres = OpenPostgres();
  ASSERT_NE(postgres, nullptr);
  const auto last_audit = postgres->ListAuditNewestFirst(0, 0, 1);
  ASSERT_TRUE(last_audit.has_value());
  ASSERT_EQ(last_audit->size(), 1U);

  ClinicId clinic = 0;
  UserId user = 0;
  EpisodeId episode = 0;
  AuditEntry appended;
  const Status written = postgres->Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(clinic, txn.InsertClinic(Clinic{0, "Southside Clinic", {}}));
    NewUser u;
    u.clinic_id = ids.clinic;
    u.email = "new@north.example";
    u.display_name = "New Client";
    u.created_at = kT0 + 40 * kDay;
    RAPPORT_ASSIGN_OR_RETURN(user, txn.InsertUser(u));
    Episode e;
    e.clinic_id = ids.clinic;
    e.client_id = user;
    e.therapist_id = ids.therapist;
    e.status = EpisodeStatus::kActive;
    e.started_at = kT0 + 40 * kDay;
    RAPPORT_ASSIGN_OR_RETURN(episode, txn.InsertEpisode(e));
    // A new assignment is listed after the copied ones of the same moment.
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(
        InstrumentAssignment{ids.episode, "CORE-10", Respondent::kClient, kT0, std::nullopt}));
    // The triggers work again: a new answer joins the copied series.
    FeedbackResponse response;
    response.episode_id = ids.episode;
    response.instrument = "PHQ-9";
    response.instrument_version = "1";
    response.respondent_user_id = ids.client;
    response.submitted_at = kT0 + 40 * kDay;
    response.session_number = 3;
    response.answers_json = "{}";
    response.total = 9.0;
    response.scales_json = "{}";
    response.risk_json = "[]";
    RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(response));
    AuditEntry entry;
    entry.at = kT0 + 40 * kDay;
    entry.clinic_id = ids.clinic;
    entry.actor_role = "system";
    entry.action = "create";
    entry.record_type = "user";
    entry.record_id = std::to_string(user);
    entry.source = "cli";
    RAPPORT_ASSIGN_OR_RETURN(appended, txn.AppendAudit(entry));
    return Ok();
  });
  ASSERT_TRUE(written.has_value()) << written.error().message;

  EXPECT_GT(clinic, ids.clinic);
  EXPECT_GT(user, ids.client);
  EXPECT_GT(episode, ids.ended_episode);
  EXPECT_EQ(appended.seq, last_audit->front().seq + 1);
  EXPECT_EQ(appended.prev_hash, last_audit->front().hash);

  const auto assignments = postgres->ListAssignments(ids.episode);
  ASSERT_TRUE(assignments.has_value());
  ASSERT_EQ(assignments->size(), 3U);
  EXPECT_EQ((*assignments)[2].instrument, "CORE-10");
  const Result<ResponseSeries> series = ReadSeries(*postgres, ids.episode);
  ASSERT_TRUE(series.has_value());
  EXPECT_EQ(series->answered, 4);
}

TEST_F(MoveTest, MovesIntoADatabaseThatWasMigratedButHoldsNothing) {
  SeedSqlite();
  ASSERT_NE(OpenPostgres(), nullptr);  // migrated: the baseline seeds audit_chain's one row
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(ByTable(*report).at("audit_chain").rows_to, 1);
}

TEST_F(MoveTest, RefusesADatabaseThatAlreadyHoldsAClinicAndChangesNothingThere) {
  SeedSqlite();
  {
    std::unique_ptr<SqlStore> postgres = OpenPostgres();
    ASSERT_NE(postgres, nullptr);
    ASSERT_TRUE(postgres
                    ->Write([](WriteTxn& txn) -> Status {
                      RAPPORT_RETURN_IF_ERROR(txn.InsertClinic(Clinic{0, "Another Clinic", {}}));
                      return Ok();
                    })
                    .has_value());
  }
  const BothSides before = HashBothSides();

  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(report.error().message, HasSubstr("already holds data"));
  EXPECT_THAT(report.error().message, HasSubstr("clinics"));

  const BothSides after = HashBothSides();
  ASSERT_EQ(after.postgres.size(), before.postgres.size());
  for (std::size_t i = 0; i < after.postgres.size(); ++i) {
    EXPECT_EQ(after.postgres[i].rows, before.postgres[i].rows) << after.postgres[i].table;
    EXPECT_EQ(after.postgres[i].hash, before.postgres[i].hash) << after.postgres[i].table;
  }
}

TEST_F(MoveTest, RefusesASourceAtAnotherSchemaVersionBeforeTouchingEither) {
  SeedSqlite();
  {
    // As a newer rapport would have left it.
    auto sqlite = SqliteConnection::Open(From().path, SqlConnection::Mode::kWriter);
    ASSERT_TRUE(sqlite.has_value());
    ASSERT_TRUE((*sqlite)
                    ->Exec("INSERT INTO schema_migrations (version, name, applied_at) "
                           "SELECT max(version) + 1, 'from_the_future.sql', 0 FROM "
                           "schema_migrations")
                    .has_value());
  }
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(report.error().message, HasSubstr("schema version"));
  EXPECT_FALSE(PostgresHasSchema());
}

TEST_F(MoveTest, RefusesAMissingSourceWithoutCreatingIt) {
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(report.error().message, HasSubstr(From().path));
  EXPECT_FALSE(std::filesystem::exists(From().path));
  EXPECT_FALSE(PostgresHasSchema());
}

TEST_F(MoveTest, RefusesKeysThatAreNotTheSources) {
  SeedSqlite();
  PostgresStoreOptions to = To();
  to.audit_key_path = (dir_ / "other.audit-key").string();
  ASSERT_TRUE(LoadOrCreateKeyFile(to.audit_key_path).has_value());  // another, new key
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), to);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(report.error().message, HasSubstr("audit key"));
  EXPECT_FALSE(PostgresHasSchema());
}

TEST_F(MoveTest, RefusesMissingOptions) {
  PostgresStoreOptions to = To();
  to.message_key_path.clear();
  const Result<MoveReport> no_key = MoveSqliteToPostgres(From(), to);
  ASSERT_FALSE(no_key.has_value());
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);

  SqliteStoreOptions from = From();
  from.path = ":memory:";
  const Result<MoveReport> no_file = MoveSqliteToPostgres(from, To());
  ASSERT_FALSE(no_file.has_value());
  EXPECT_EQ(no_file.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(MoveTest, SealedTextAndItsWrappedDataKeysArriveAsTheyAreAndOpenUnderTheSameMasterKey) {
  constexpr std::string_view kMarker = "Gorsebright-Pellucid-6204";
  Result<SealedWorld> world = Fail(Error::Internal("not written"));
  {
    std::unique_ptr<SqlStore> sqlite = OpenSqlite();
    ASSERT_NE(sqlite, nullptr);
    world = WriteEverySealedField(*sqlite, kMarker, kT0);
    ASSERT_TRUE(world.has_value()) << world.error().message;
  }
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), To());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  const auto tables = ByTable(*report);
  ASSERT_TRUE(tables.contains("data_keys"));
  EXPECT_EQ(tables.at("data_keys").rows_to, 1);
  EXPECT_EQ(tables.at("data_keys").hash_to, tables.at("data_keys").hash_from);

  std::unique_ptr<SqlStore> postgres = OpenPostgres();
  ASSERT_NE(postgres, nullptr);
  ExpectEverySealedFieldReadsBack(*postgres, *world, kMarker);
  // The moved clinic goes on writing under its own data key.
  ASSERT_TRUE(postgres
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpsertFirstStep(
                        FirstStep{world->client, "after the move", "", "", false, kT0 + kDay});
                  })
                  .has_value());
  auto keys = postgres->ListDataKeys();
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().state, "active");
}

TEST_F(MoveTest, RefusesAnotherMasterKeyFileThanTheSources) {
  {
    std::unique_ptr<SqlStore> sqlite = OpenSqlite();
    ASSERT_NE(sqlite, nullptr);
    ASSERT_TRUE(WriteEverySealedField(*sqlite, "words", kT0).has_value());
  }
  PostgresStoreOptions to = To();
  to.master_key_path = (dir_ / "other.master-key").string();
  ASSERT_TRUE(LoadOrCreateKeyFile(to.master_key_path).has_value());  // another, new key
  const Result<MoveReport> report = MoveSqliteToPostgres(From(), to);
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(report.error().message, HasSubstr("master key"));
  EXPECT_FALSE(PostgresHasSchema());
}

}  // namespace
}  // namespace rapport
