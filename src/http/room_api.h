#pragma once
// The routes of a session's room besides its socket: what the room page needs before joining
// (GET /api/v1/appointments/{id}/room: who one is there, when it opens, the STUN/TURN servers),
// the therapist inviting a child's guardian (POST /api/v1/appointments/{id}/room/guests), and the
// sessions held on an episode (GET /api/v1/episodes/{id}/room-sessions). Each route calls one
// RoomService method and translates. The socket itself is served by http/room_socket.

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class RoomService;
struct RoomPass;
struct RoomSession;

void AddRoomRoutes(Router& router, AuthService& auth, RoomService& rooms);

Json RoomPassJson(const RoomPass& pass);
Json RoomSessionJson(const RoomSession& session);

}  // namespace rapport
