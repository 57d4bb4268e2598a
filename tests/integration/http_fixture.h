#pragma once
// Test support: the real Server on port 0 over the real SqliteStore of a service test World
// (two clinics with every relationship the access rules care about), a FakeClock for the
// services, and the log lines the server wrote. One per test; not thread-safe.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.h"
#include "http_client.h"
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
#include "service/service_test_world.h"
#include "service/support_service.h"

namespace rapport::testing {

class HttpTest : public ::testing::Test {
 protected:
  // Options tests may change before StartServer().
  ServerOptions options_ = DefaultOptions();

  void SetUp() override { ASSERT_NE(world_.store, nullptr); }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // A STUN and a TURN address with a known secret: nothing listens there, the tests only read the
  // credentials each person is handed.
  static IceConfig TestIce() {
    IceConfig ice;
    ice.stun_urls = {"stun:127.0.0.1:3478"};
    ice.turn_urls = {"turn:127.0.0.1:3478?transport=udp"};
    ice.turn_secret = "test-turn-secret";
    return ice;
  }

  static ServerOptions DefaultOptions() {
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.web_root = "/nonexistent";
    options.worker_threads = 8;
    options.shutdown_grace = std::chrono::seconds(5);
    return options;
  }

  void StartServer() {
    options_.log_sink = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_.emplace_back(line);
    };
    server_ = std::make_unique<Server>(options_, ApiServices{world_.store.get(),
                                                             &auth_,
                                                             &clinic_,
                                                             &audit_,
                                                             &feedback_,
                                                             &Catalog(),
                                                             &plan_,
                                                             &safety_,
                                                             nullptr,
                                                             nullptr,
                                                             {},
                                                             &appointments_,
                                                             &rooms_,
                                                             &messaging_,
                                                             &matching_,
                                                             &course_,
                                                             &notes_,
                                                             &changes_,
                                                             &ruptures_,
                                                             &records_,
                                                             &support_,
                                                             &family_});
    auto port = server_->Start();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
  }

  std::vector<std::string> LogLines() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

  Browser SignedIn(const std::string& email) {
    Browser browser(port_);
    HttpReply reply = browser.Login(email, std::string(kPassword));
    EXPECT_EQ(reply.status, 200u) << email << ": " << reply.body;
    return browser;
  }

  static const InstrumentCatalog& Catalog() {
    static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
    return catalog;
  }

  // Gives every episode of the world its routine questionnaires, as opening one does.
  void AssignDefaultQuestionnaires() {
    const Status assigned = world_.store->Write([&](WriteTxn& txn) -> Status {
      for (EpisodeId e : {world_.e_c1, world_.e_c2, world_.e_cb}) {
        for (const auto& a : FeedbackService::DefaultAssignments(e, false, world_.clock.Now())) {
          RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
        }
      }
      for (EpisodeId e : {world_.e_k1, world_.e_k2}) {
        for (const auto& a : FeedbackService::DefaultAssignments(e, true, world_.clock.Now())) {
          RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
        }
      }
      return Ok();
    });
    ASSERT_TRUE(assigned.has_value());
  }

  World world_;
  AuthService auth_{*world_.store, world_.clock, FastAuth()};
  ClinicService clinic_{*world_.store, world_.clock, FastAuth()};
  AuditService audit_{*world_.store};
  FeedbackService feedback_{*world_.store, world_.clock, Catalog(), ShippedAlertRules()};
  PlanService plan_{*world_.store, world_.clock, Catalog()};
  SafetyService safety_{*world_.store, world_.clock, ShippedCrisisDirectory()};
  AppointmentService appointments_{*world_.store, world_.clock};
  RoomService rooms_{*world_.store, world_.clock, TestIce()};
  MessagingService messaging_{*world_.store, world_.clock};
  MatchingService matching_{*world_.store, world_.clock, Catalog()};
  CourseService course_{*world_.store, world_.clock, Catalog(),
                        feedback_,     plan_,        ShippedCrisisDirectory()};
  NotesService notes_{*world_.store, world_.clock};
  TherapistChangeService changes_{*world_.store, world_.clock, Catalog(), course_};
  RuptureService ruptures_{*world_.store, world_.clock, Catalog()};
  RecordService records_{*world_.store, world_.clock, Catalog(), course_};
  SupportService support_{*world_.store, world_.clock, Catalog(), "http://127.0.0.1"};
  FamilyService family_{*world_.store, world_.clock};
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;

 private:
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

}  // namespace rapport::testing
