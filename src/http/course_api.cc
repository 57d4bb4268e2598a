#include "http/course_api.h"

#include <utility>

#include "domain/ending.h"
#include "http/route_support.h"
#include "service/auth_service.h"
#include "service/course_service.h"

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

}  // namespace rapport
