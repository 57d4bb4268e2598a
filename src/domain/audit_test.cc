#include "domain/audit.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

AuditEntry Sample() {
  AuditEntry e;
  e.seq = 7;
  e.at = 1000;
  e.clinic_id = 1;
  e.actor_id = 2;
  e.actor_role = "therapist";
  e.action = "read";
  e.record_type = "client";
  e.record_id = "12";
  e.source = "127.0.0.1";
  e.prev_hash = std::string(kAuditGenesisHash);
  return e;
}

TEST(AuditDigestInput, ChangesWhenAnyCoveredFieldChanges) {
  const std::string base = AuditDigestInput(Sample());
  auto e = Sample();
  e.record_id = "13";
  EXPECT_NE(AuditDigestInput(e), base);
  e = Sample();
  e.prev_hash[0] = '1';
  EXPECT_NE(AuditDigestInput(e), base);
  e = Sample();
  e.seq = 8;
  EXPECT_NE(AuditDigestInput(e), base);
}

TEST(AuditDigestInput, LengthPrefixesKeepFieldBoundaries) {
  auto a = Sample();
  a.record_type = "client;";
  a.record_id = "2";
  auto b = Sample();
  b.record_type = "client";
  b.record_id = ";2";
  EXPECT_NE(AuditDigestInput(a), AuditDigestInput(b));
}

TEST(AuditDigestInput, IgnoresTheHashItself) {
  auto a = Sample();
  auto b = Sample();
  b.hash = "anything";
  EXPECT_EQ(AuditDigestInput(a), AuditDigestInput(b));
}

}  // namespace
}  // namespace rapport
