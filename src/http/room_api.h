#pragma once
// The routes of a session's room besides its socket: what the room page needs before joining
// (GET /api/v1/appointments/{id}/room: who one is there, when it opens, the STUN/TURN servers),
// the therapist inviting a child's guardian (POST /api/v1/appointments/{id}/room/guests), and the
// sessions held on an episode (GET /api/v1/episodes/{id}/room-sessions), and a session's summary
// (GET /api/v1/appointments/{id}/session-summary: its figures from the rapport signals, compared
// with the client's earlier sessions, and the client's reactions). Each route calls one
// RoomService method and translates. The socket itself is served by http/room_socket.

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class RoomService;
struct RoomPass;
struct RoomSession;
struct SessionSummary;

void AddRoomRoutes(Router& router, AuthService& auth, RoomService& rooms);

Json RoomPassJson(const RoomPass& pass);
Json RoomSessionJson(const RoomSession& session);
Json SessionSummaryJson(const SessionSummary& summary);

}  // namespace rapport
