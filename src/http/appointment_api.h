#pragma once
// The routes for appointments from the client's side: asking to cancel or move one
// (/api/v1/appointments/{id}/requests), the care team's answer and waiting list
// (/api/v1/appointment-requests), and the calendar feed (a secret address a calendar app
// subscribes to, /api/v1/calendar/{secret}.ics, reset with POST /api/v1/calendar-feed). Each
// route calls one AppointmentService method and translates.

#include "http/router.h"

namespace rapport {

class AuthService;
class AppointmentService;

void AddAppointmentRoutes(Router& router, AuthService& auth, AppointmentService& appointments);

}  // namespace rapport
