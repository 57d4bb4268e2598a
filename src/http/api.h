#pragma once
// The JSON API under /api/v1 and the health routes: each route reads the session, checks the
// CSRF header on state-changing requests (both decided by AuthService), parses and type-checks
// the body, calls one service method and translates its Result to JSON or problem+json.
// No route decides access. The routes are documented in docs/openapi.yaml.

#include <functional>

#include "http/router.h"
#include "store/store.h"

namespace rapport {

class Store;
class AuthService;
class ClinicService;
class AuditService;
class FeedbackService;
class InstrumentCatalog;
class PlanService;
class SafetyService;
class AppointmentService;
class RoomService;
class MessagingService;
class MatchingService;
class CourseService;
class NotesService;
class RecordService;
class RuptureService;
class SupportService;
class FamilyService;
class TherapistChangeService;
class OffsetClock;
class Doorbell;

// Borrowed; all must outlive the router built over them.
struct ApiServices {
  Store* store = nullptr;  // for /readyz
  AuthService* auth = nullptr;
  ClinicService* clinic = nullptr;
  AuditService* audit = nullptr;
  // The feedback routes and /fhir are added when both are set.
  FeedbackService* feedback = nullptr;
  const InstrumentCatalog* catalog = nullptr;
  // The treatment-plan routes and their FHIR resources are added when this and the clinic
  // service are set.
  PlanService* plan = nullptr;
  // The alert, help, safety-settings, rota and outbox routes, when this and feedback are set.
  SafetyService* safety = nullptr;
  // Only for `rapport serve --test-clock`: POST /api/v1/test/clock moves this clock and rings
  // the doorbell so that the scheduler looks at once.
  OffsetClock* test_clock = nullptr;
  Doorbell* doorbell = nullptr;
  // Called after a sign-out or an ended session, so that the session's open live pages close at
  // once rather than at their next check. The server sets it; may be empty.
  std::function<void(SessionId)> session_ended = {};
  // Requests to cancel or move appointments, and the calendar feeds, when this is set.
  AppointmentService* appointments = nullptr;
  // The rooms of video, phone and typed sessions (routes and the room socket), when this is set.
  RoomService* rooms = nullptr;
  // Secure messages between sessions on an episode, when this is set.
  MessagingService* messaging = nullptr;
  // Finding a therapist and the outcome report (and FHIR Practitioner), when this is set.
  MatchingService* matching = nullptr;
  // Ending an episode and its discharge summary, when this is set.
  CourseService* course = nullptr;
  // Session notes and the clinic's note template, when this is set.
  NotesService* notes = nullptr;
  // Changing therapist, referrals and the choice after a low Fit Check, when this is set.
  TherapistChangeService* changes = nullptr;
  // Ruptures and their repair, when this is set.
  RuptureService* ruptures = nullptr;
  // The client's own record as a PDF and a FHIR Bundle, when this is set.
  RecordService* records = nullptr;
  // The Support Check and its repair strategies, when this is set.
  SupportService* support = nullptr;
  // The adults around a child: standing, consent and assent, safety disclosures, when this is
  // set.
  FamilyService* family = nullptr;
};

inline constexpr std::string_view kSessionCookie = "rapport_session";
// A browser the account has signed in from before: its own failed sign-ins count, nobody else's.
inline constexpr std::string_view kDeviceCookie = "rapport_device";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// GET /healthz, GET /readyz, every /api/v1 route and /fhir.
Router BuildRouter(const ApiServices& services);

}  // namespace rapport
