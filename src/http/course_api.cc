#include "http/course_api.h"

#include <utility>

#include "domain/ending.h"
#include "domain/notes.h"
#include "http/route_support.h"
#include "service/auth_service.h"
#include "service/course_service.h"
#include "service/notes_service.h"

namespace rapport {

void AddCourseRoutes(Router& router, AuthService& auth, CourseService& course) {
  router.Add(
      "POST", "/api/v1/episodes/{id}/ending",
      IdRoute(auth,
              [&course](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                auto words = EndingWordsFromJson(*body);
                if (!words) return ErrorReply(words.error());
                return Respond(201, course.EndEpisode(actor, id, *words), DischargeSummaryToJson);
              }));
  router.Add("GET", "/api/v1/episodes/{id}/discharge-summary",
             IdRoute(auth, [&course](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, course.Summary(actor, id), DischargeSummaryToJson);
             }));
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

}  // namespace

void AddNotesRoutes(Router& router, AuthService& auth, NotesService& notes) {
  router.Add("GET", "/api/v1/note-templates",
             Authed(auth, [&notes](const HttpRequest&, const Actor& actor) -> Reply {
               return Respond(200, notes.Templates(actor), [](const NoteTemplates& t) {
                 Json shipped = Json::array();
                 for (const NoteTemplate& n : t.shipped) shipped.push_back(NoteTemplateToJson(n));
                 return Json{{"templates", std::move(shipped)},
                             {"clinic_template", NoteTemplateToJson(t.clinic)}};
               });
             }));
  router.Add("PUT", "/api/v1/clinic/note-template",
             Authed(auth, [&notes](const HttpRequest& request, const Actor& actor) -> Reply {
               auto body = ReadJsonObject(request);
               if (!body) return std::unexpected(std::move(body.error()));
               auto parsed = NoteTemplateFromJson(*body);
               if (!parsed) return ErrorReply(parsed.error());
               return Respond(200, notes.SetClinicTemplate(actor, *parsed), NoteTemplateToJson);
             }));
  router.Add("GET", "/api/v1/appointments/{id}/note",
             IdRoute(auth, [&notes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, notes.NoteOf(actor, id), [](const NoteOfSession& s) {
                 return Json{{"note", s.note ? NoteJson(*s.note) : Json(nullptr)},
                             {"template", NoteTemplateToJson(s.note_template)},
                             {"appointment",
                              {{"id", s.appointment.id},
                               {"episode_id", s.appointment.episode_id},
                               {"starts_at", FormatIso8601(s.appointment.starts_at)},
                               {"status", std::string(ToString(s.appointment.status))}}}};
               });
             }));
  router.Add(
      "PUT", "/api/v1/appointments/{id}/note",
      IdRoute(auth,
              [&notes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                JsonObjectReader reader(*body);
                const Json* sections = reader.Required("sections");
                if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                return Respond(200, notes.SaveDraft(actor, id, *sections), NoteJson);
              }));
  router.Add("POST", "/api/v1/appointments/{id}/note/signature",
             IdRoute(auth, [&notes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, notes.Sign(actor, id), NoteJson);
             }));
  router.Add(
      "POST", "/api/v1/appointments/{id}/note/addenda",
      IdRoute(auth,
              [&notes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                JsonObjectReader reader(*body);
                const auto text = reader.RequiredString("text", 64 * 1024);
                if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                return Respond(201, notes.AddAddendum(actor, id, *text), NoteJson);
              }));
  router.Add("GET", "/api/v1/episodes/{id}/notes",
             IdRoute(auth, [&notes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, notes.NotesOfEpisode(actor, id),
                              [](const std::vector<SessionNoteView>& list) {
                                Json out = Json::array();
                                for (const SessionNoteView& v : list) out.push_back(NoteJson(v));
                                return Json{{"notes", std::move(out)}};
                              });
             }));
}

}  // namespace rapport
