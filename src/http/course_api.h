#pragma once
// The routes of the course of therapy (docs/course.md): ending an episode with its reason and
// reading its discharge summary. Each route calls one CourseService method and translates.

#include "http/router.h"

namespace rapport {

class AuthService;
class CourseService;

void AddCourseRoutes(Router& router, AuthService& auth, CourseService& course);

}  // namespace rapport
