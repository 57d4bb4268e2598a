#pragma once
// The rooms of video, phone and typed appointments: who may come in (the appointment's client,
// its therapist and, for a child, a guardian the therapist invited), when (domain/room.h), the
// STUN/TURN servers each browser is handed, and the sessions held, recorded on the appointment.
// The server keeps the live room (who waits, who is admitted) and asks this service before anyone
// joins; nothing here ever sees media. Thread-safe; does not own the Store.

#include <optional>
#include <string>
#include <vector>

#include "analysis/session_signals.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/room.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct RoomGuestView {
  UserId guardian_id = 0;
  std::string name;
  Timestamp invited_at = 0;
};

// A session held in a room, with whom it was held.
struct HeldSession {
  RoomSession session;
  UserId client_id = 0;
  UserId therapist_id = 0;
};

// A session held in a room and the figures its rapport signals left.
struct HeldSignals {
  HeldSession held;
  SessionSignalsRecord signals;
};

// What a session's rapport signals and the client's reactions left behind, for its summary.
struct SessionSummary {
  Appointment appointment;
  std::optional<RoomSession> session;
  std::optional<SessionSignalsRecord> signals;  // none when signals never ran
  std::vector<SessionReaction> reactions;       // by time
  // The movement-synchrony strength of the episode's earlier sessions that had one, oldest
  // first: what this session is compared with.
  std::vector<double> earlier_strengths;
};

// The figures kept of a session's signals (session_signals.figures), from the live state's
// summary. Missing values (NaN) are null; a part with nothing measured is null as a whole.
Json SignalFiguresJson(const SignalSummary& summary);

// What one person may know of one appointment's room.
struct RoomPass {
  Appointment appointment;
  UserId client_id = 0;
  UserId therapist_id = 0;
  RoomPart part = RoomPart::kClient;
  std::string name;  // how the room shows this person to the others
  std::string client_name, therapist_name;
  RoomWindow window;
  bool open = false;          // the room is open now
  std::string closed_reason;  // why not, in the client's words, when it is not
  std::optional<RoomSession> session;
  std::vector<RoomGuestView> guests;  // the therapist's view only; empty for everyone else
  Json ice;                           // IceServersJson for this person, now
};

class RoomService {
 public:
  RoomService(Store& store, const Clock& clock, IceConfig ice)
      : store_(store), clock_(clock), ice_(std::move(ice)) {}

  // The actor's view of the room, open or not (so a page can say when it opens). kNotFound
  // (audited as denied) for anyone who may not see the appointment; kPermissionDenied for staff
  // who see it but are not its therapist (a supervisor); kFailedPrecondition for a guardian of
  // the child who was not invited. Audited as a read.
  Result<RoomPass> Look(const Actor& actor, AppointmentId appointment_id);
  // As Look, and the room must be open now (kFailedPrecondition saying why not). Audited as
  // "enter". For the server, before it lets a socket into the room.
  Result<RoomPass> Enter(const Actor& actor, AppointmentId appointment_id);

  // The appointment's therapist invites a guardian of the child into this appointment's room, or,
  // for a session in person, records that they take part in it (before or after it). The guests
  // are the guardians who take part in the session: each is asked their own Rapport Check after
  // it. `guardian_id` (field "guardian_id") must be an active guardian of the client. Audited.
  Result<RoomPass> InviteGuardian(const Actor& actor, AppointmentId appointment_id,
                                  UserId guardian_id);

  // The server records that the session is under way (the therapist and someone they admitted
  // are in the room together) and that the therapist ended it. `actor` is the therapist.
  // Audited as "start" and "end" of the room_session.
  Result<RoomSession> SessionStarted(const Actor& actor, AppointmentId appointment_id);
  Result<RoomSession> SessionEnded(const Actor& actor, AppointmentId appointment_id);

  // The sessions held in the episode's rooms, by start: anyone with clinical access to the
  // episode. Audited as a read.
  Result<std::vector<RoomSession>> SessionsOfEpisode(const Actor& actor, EpisodeId episode_id);

  // The sessions held in the rooms of the client's episodes that the actor may see with
  // clinical access, by start. NotVisible() for a client the actor may not see. Audited as a
  // read of each episode.
  Result<std::vector<HeldSession>> SessionsOfClient(const Actor& actor, UserId client_id);
  // The session held in one appointment's room; kNotFound when none was held or the actor may
  // not see it. Audited as a read.
  Result<HeldSession> HeldSessionOf(const Actor& actor, AppointmentId appointment_id);

  // The server keeps the session's signal figures, replacing earlier ones; `actor` is the
  // session's therapist, `origin` when the signals first ran. Audited as "record" of the
  // session_signals.
  Status SaveSignals(const Actor& actor, AppointmentId appointment_id, Timestamp origin,
                     const SignalSummary& summary);
  // The client's in-the-moment reaction, kept on the session's timeline. Only the appointment's
  // client reacts (kPermissionDenied for anyone else). Audited as "create".
  Result<SessionReaction> RecordReaction(const Actor& actor, AppointmentId appointment_id,
                                         Reaction kind);
  // The signal figures of the sessions held in the rooms of the client's episodes that the
  // actor may see with clinical access (SessionsOfClient's rule), by start. Audited as a read of
  // each episode.
  Result<std::vector<HeldSignals>> SignalsOfClient(const Actor& actor, UserId client_id);
  // The summary of the session held in the appointment's room: who may see the session itself
  // (HeldSessionOf's rule). The appointment without a session held has an empty summary. Audited
  // as a read.
  Result<SessionSummary> SummaryOf(const Actor& actor, AppointmentId appointment_id);

  const Clock& clock() const { return clock_; }

 private:
  // The client's episodes the actor may see with clinical access, each with the sessions held
  // in its rooms; audited as a read of each episode.
  struct EpisodeSessions {
    Episode episode;
    std::vector<RoomSession> sessions;
  };
  Result<std::vector<EpisodeSessions>> SessionsByEpisodeOfClient(const Actor& actor,
                                                                 UserId client_id);
  // Look's checks without its audit entry.
  Result<RoomPass> Pass(const Actor& actor, AppointmentId appointment_id);
  Result<RoomSession> RecordSession(const Actor& actor, AppointmentId appointment_id, bool start);

  Store& store_;
  const Clock& clock_;
  const IceConfig ice_;
};

}  // namespace rapport
