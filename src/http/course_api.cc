#include "http/course_api.h"

#include <utility>

#include "domain/ending.h"
#include "domain/notes.h"
#include "http/route_support.h"
#include "service/auth_service.h"
#include "service/course_service.h"
#include "service/notes_service.h"

namespace rapport {

namespace {

// The handlers of AddCourseRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct CourseHandlers {
  CourseService& course;

  Reply EndEpisode(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto words = EndingWordsFromJson(*body);
    if (!words) return ErrorReply(words.error());
    return Respond(201, course.EndEpisode(actor, id, *words), DischargeSummaryToJson);
  }

  Reply Summary(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, course.Summary(actor, id), DischargeSummaryToJson);
  }
};

}  // namespace

void AddCourseRoutes(Router& router, AuthService& auth, CourseService& course) {
  using H = CourseHandlers;
  const H h{course};
  router.Add("POST", "/api/v1/episodes/{id}/ending", IdRoute(auth, Bind(h, &H::EndEpisode)));
  router.Add("GET", "/api/v1/episodes/{id}/discharge-summary", IdRoute(auth, Bind(h, &H::Summary)));
}

namespace {

Json NoteJson(const SessionNoteView& v) {
  const SessionNote& n = v.note;
  Json addenda = Json::array();
  for (std::size_t i = 0; i < n.addenda.size(); ++i) {
    addenda.push_back({{"id", n.addenda[i].id},
                       {"author_name", v.addendum_authors.at(i)},
                       {"text", n.addenda[i].text},
                       {"created_at", FormatIso8601(n.addenda[i].created_at)}});
  }
  return {{"id", n.id},
          {"appointment_id", n.appointment_id},
          {"episode_id", n.episode_id},
          {"author_name", v.author_name},
          {"template", NoteTemplateToJson(n.note_template)},
          {"sections", NoteSectionsToJson(n.sections)},
          {"state", std::string(ToString(n.state))},
          {"created_at", FormatIso8601(n.created_at)},
          {"updated_at", FormatIso8601(n.updated_at)},
          {"signed_at", n.signed_at ? Json(FormatIso8601(*n.signed_at)) : Json(nullptr)},
          {"signed_by_name", n.signed_at ? Json(v.signed_by_name) : Json(nullptr)},
          {"addenda", std::move(addenda)}};
}

// The handlers of AddNotesRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct NotesHandlers {
  NotesService& notes;

  Reply Templates(const HttpRequest&, const Actor& actor) const {
    return Respond(200, notes.Templates(actor), [](const NoteTemplates& t) {
      Json shipped = Json::array();
      for (const NoteTemplate& n : t.shipped) shipped.push_back(NoteTemplateToJson(n));
      return Json{{"templates", std::move(shipped)},
                  {"clinic_template", NoteTemplateToJson(t.clinic)}};
    });
  }

  Reply SetClinicTemplate(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto parsed = NoteTemplateFromJson(*body);
    if (!parsed) return ErrorReply(parsed.error());
    return Respond(200, notes.SetClinicTemplate(actor, *parsed), NoteTemplateToJson);
  }

  Reply NoteOf(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, notes.NoteOf(actor, id), [](const NoteOfSession& s) {
      return Json{{"note", s.note ? NoteJson(*s.note) : Json(nullptr)},
                  {"template", NoteTemplateToJson(s.note_template)},
                  {"appointment",
                   {{"id", s.appointment.id},
                    {"episode_id", s.appointment.episode_id},
                    {"starts_at", FormatIso8601(s.appointment.starts_at)},
                    {"status", std::string(ToString(s.appointment.status))}}}};
    });
  }

  Reply SaveDraft(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const Json* sections = reader.Required("sections");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, notes.SaveDraft(actor, id, *sections), NoteJson);
  }

  Reply Sign(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, notes.Sign(actor, id), NoteJson);
  }

  Reply AddAddendum(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto text = reader.RequiredString("text", 64 * 1024);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, notes.AddAddendum(actor, id, *text), NoteJson);
  }

  Reply NotesOfEpisode(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, notes.NotesOfEpisode(actor, id),
                   [](const std::vector<SessionNoteView>& list) {
                     Json out = Json::array();
                     for (const SessionNoteView& v : list) out.push_back(NoteJson(v));
                     return Json{{"notes", std::move(out)}};
                   });
  }
};

}  // namespace

void AddNotesRoutes(Router& router, AuthService& auth, NotesService& notes) {
  using H = NotesHandlers;
  const H h{notes};
  router.Add("GET", "/api/v1/note-templates", Authed(auth, Bind(h, &H::Templates)));
  router.Add("PUT", "/api/v1/clinic/note-template", Authed(auth, Bind(h, &H::SetClinicTemplate)));
  router.Add("GET", "/api/v1/appointments/{id}/note", IdRoute(auth, Bind(h, &H::NoteOf)));
  router.Add("PUT", "/api/v1/appointments/{id}/note", IdRoute(auth, Bind(h, &H::SaveDraft)));
  router.Add("POST", "/api/v1/appointments/{id}/note/signature", IdRoute(auth, Bind(h, &H::Sign)));
  router.Add("POST", "/api/v1/appointments/{id}/note/addenda",
             IdRoute(auth, Bind(h, &H::AddAddendum)));
  router.Add("GET", "/api/v1/episodes/{id}/notes", IdRoute(auth, Bind(h, &H::NotesOfEpisode)));
}

}  // namespace rapport
