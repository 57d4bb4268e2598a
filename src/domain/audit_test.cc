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

// Every field set, `detail` with a character outside ASCII (lengths count bytes), and a `hash`
// that the input must leave out.
AuditEntry KnownEntry() {
  AuditEntry e;
  e.seq = 1042;
  e.at = 1767225600123;  // 2026-01-01T00:00:00.123Z
  e.clinic_id = 3;
  e.actor_id = 17;
  e.actor_role = "therapist";
  e.action = "update";
  e.record_type = "client";
  e.record_id = "288";
  e.source = "203.0.113.7";
  e.detail = "sent to Zo\xc3\xab";
  e.prev_hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  e.hash = "not covered";
  return e;
}

// Every stored hash chain was sealed over these exact bytes: if they change, no existing chain
// verifies any more. The expected bytes are written out rather than computed, so that a change
// to the format fails here instead of passing silently.
TEST(AuditDigestInput, DigestInputOfAKnownEntryNeverChanges) {
  EXPECT_EQ(AuditDigestInput(KnownEntry()),
            "rapport-audit-v1;"
            "4:1042;"
            "13:1767225600123;"
            "1:3;"
            "2:17;"
            "9:therapist;"
            "6:update;"
            "6:client;"
            "3:288;"
            "11:203.0.113.7;"
            "64:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08;"
            "12:sent to Zo\xc3\xab;");
}

// Entries written before `detail` existed have no field for it at all, not an empty one.
TEST(AuditDigestInput, DigestInputOfAKnownEntryWithoutDetailNeverChanges) {
  AuditEntry e = KnownEntry();
  e.detail.clear();
  EXPECT_EQ(AuditDigestInput(e),
            "rapport-audit-v1;"
            "4:1042;"
            "13:1767225600123;"
            "1:3;"
            "2:17;"
            "9:therapist;"
            "6:update;"
            "6:client;"
            "3:288;"
            "11:203.0.113.7;"
            "64:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08;");
}

// A read that showed several records names them after everything else, marked and counted.
TEST(AuditDigestInput, DigestInputOfAnEntryNamingSeveralRecordsNeverChanges) {
  AuditEntry e = KnownEntry();
  e.detail.clear();
  e.subjects = {"client:289", "feedback:12"};
  EXPECT_EQ(AuditDigestInput(e),
            "rapport-audit-v1;"
            "4:1042;"
            "13:1767225600123;"
            "1:3;"
            "2:17;"
            "9:therapist;"
            "6:update;"
            "6:client;"
            "3:288;"
            "11:203.0.113.7;"
            "64:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08;"
            "subjects;"
            "1:2;"
            "10:client:289;"
            "11:feedback:12;");
}

}  // namespace
}  // namespace rapport
