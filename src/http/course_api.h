#pragma once
// The routes of the course of therapy (docs/course.md): ending an episode with its reason and
// reading its discharge summary; session notes, their signing and addenda, and the clinic's
// progress-note template. Each route calls one service method and translates.

#include "http/router.h"

namespace rapport {

class AuthService;
class CourseService;
class NotesService;

void AddCourseRoutes(Router& router, AuthService& auth, CourseService& course);
void AddNotesRoutes(Router& router, AuthService& auth, NotesService& notes);

}  // namespace rapport
