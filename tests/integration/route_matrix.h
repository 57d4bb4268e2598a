#pragma once
// One cell of an authorization matrix: a role's browser calls one route and must get one status.
// A refusal must be problem+json (an OperationOutcome under /fhir), so that no route answers a
// denial with anything that could carry data; and every answer, allowed or refused, is stored by
// no cache and carries the security headers.

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http_client.h"

namespace rapport::testing {

struct Cell {
  std::string role;
  std::string method;
  std::string target;
  std::optional<Json> body;
  unsigned expected;
};

inline void CheckCells(std::map<std::string, Browser>& browsers, const std::vector<Cell>& cells) {
  for (const Cell& cell : cells) {
    HttpReply reply = browsers.at(cell.role).Call(cell.method, cell.target, cell.body);
    EXPECT_EQ(reply.status, cell.expected)
        << cell.role << " " << cell.method << " " << cell.target << " -> " << reply.body;
    EXPECT_EQ(reply.Header("cache-control"), "no-store") << cell.target;
    EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff") << cell.target;
    EXPECT_EQ(reply.Header("referrer-policy"), "no-referrer") << cell.target;
    EXPECT_NE(reply.Header("content-security-policy").find("frame-ancestors 'none'"),
              std::string::npos)
        << cell.target;
    if (reply.status >= 400) {
      EXPECT_EQ(reply.Header("content-type"), cell.target.starts_with("/fhir/")
                                                  ? "application/fhir+json"
                                                  : "application/problem+json")
          << cell.target;
    }
  }
}

}  // namespace rapport::testing
