#include "store/sql/key_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/crypto.h"

namespace rapport {
namespace {

class KeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().has_value()); }

  static TextSealer NewKey(const std::string& hex) { return *TextSealer::FromHexKey(hex); }

  // A row of data_keys as the table would hold it: `hex` wrapped under `master`.
  static DataKeyRow Row(const TextSealer& master, std::int64_t id, ClinicId clinic,
                        const std::string& hex, const std::string& state = "active") {
    return DataKeyRow{id,   clinic, WrapDataKey(master, clinic, id, hex), master.Fingerprint(),
                      1000, state};
  }
};

TEST_F(KeyRingTest, AWrappedKeyUnwrapsOnlyUnderItsMasterForItsClinicAndId) {
  const TextSealer master = NewKey(RandomHex(32));
  const std::string hex = RandomHex(32);
  const DataKeyRow row = Row(master, 3, 7, hex);
  EXPECT_EQ(row.wrapped.find(hex), std::string::npos);
  auto key = UnwrapDataKey(master, row);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->Fingerprint(), NewKey(hex).Fingerprint());

  DataKeyRow moved = row;
  moved.clinic_id = 8;  // relabelled as another clinic's key
  EXPECT_FALSE(UnwrapDataKey(master, moved).has_value());
  moved = row;
  moved.id = 4;
  EXPECT_FALSE(UnwrapDataKey(master, moved).has_value());
  EXPECT_FALSE(UnwrapDataKey(NewKey(RandomHex(32)), row).has_value());

  // Wrapped again under a new master key: the same key, no longer under the old one.
  const TextSealer next = NewKey(RandomHex(32));
  auto again = RewrapDataKey(master, next, row);
  ASSERT_TRUE(again.has_value());
  DataKeyRow rewrapped = row;
  rewrapped.wrapped = *again;
  EXPECT_EQ(UnwrapDataKey(next, rewrapped)->Fingerprint(), NewKey(hex).Fingerprint());
  EXPECT_FALSE(UnwrapDataKey(master, rewrapped).has_value());
}

TEST_F(KeyRingTest, TheRingLearnsTheKeysItsMasterWrapsAndKeepsTheOnesItHolds) {
  const TextSealer master = NewKey(RandomHex(32));
  KeyRing ring(master, "/keys/master-key");
  EXPECT_EQ(ring.master_fingerprint(), master.Fingerprint());
  const TextSealer other = NewKey(RandomHex(32));
  ring.Learn({Row(master, 1, 7, RandomHex(32), "retiring"), Row(master, 2, 7, RandomHex(32)),
              Row(other, 3, 8, RandomHex(32))});
  EXPECT_TRUE(ring.Find(1).has_value());
  EXPECT_TRUE(ring.Find(2).has_value());
  EXPECT_FALSE(ring.Find(3).has_value()) << "wrapped under another master key";
  EXPECT_EQ(ring.ActiveOf(7), 2);
  EXPECT_FALSE(ring.ActiveOf(8).has_value());

  // Re-wrapped elsewhere since: the keys held stay, and a key skipped is left alone.
  ring.Learn({Row(other, 1, 7, RandomHex(32)), Row(master, 4, 9, RandomHex(32))}, {4});
  EXPECT_TRUE(ring.Find(1).has_value());
  EXPECT_FALSE(ring.Find(4).has_value());
  EXPECT_EQ(ring.ActiveOf(7), 1);
}

TEST_F(KeyRingTest, ARingWithoutAMasterKeyUnwrapsNothing) {
  const auto ring = KeyRing::WithoutMaster();
  EXPECT_FALSE(ring->has_master());
  const TextSealer master = NewKey(RandomHex(32));
  ring->Learn({Row(master, 1, 7, RandomHex(32))});
  EXPECT_FALSE(ring->Find(1).has_value());
}

TEST_F(KeyRingTest, KeysAWriteMadeAreForgottenWhenItFailsAndJoinTheRingWhenItCommits) {
  PendingKeys pending;
  const std::size_t before = pending.Mark();
  pending.Add(PendingKeys::Key{5, 7, NewKey(RandomHex(32))});
  const std::size_t second = pending.Mark();
  pending.Add(PendingKeys::Key{6, 7, NewKey(RandomHex(32))});
  EXPECT_EQ(pending.ActiveOf(7)->id, 6);
  pending.RollBackTo(second);  // the second write of the batch failed
  EXPECT_EQ(pending.Find(6), nullptr);
  EXPECT_EQ(pending.ActiveOf(7)->id, 5);
  EXPECT_EQ(pending.Ids(), std::set<std::int64_t>{5});

  KeyRing ring(NewKey(RandomHex(32)), "/keys/master-key");
  pending.CommitTo(ring);
  EXPECT_TRUE(ring.Find(5).has_value());
  EXPECT_EQ(ring.ActiveOf(7), 5);
  EXPECT_EQ(pending.Mark(), before);
}

}  // namespace
}  // namespace rapport
