#include "service/key_service.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

TEST(KeyService, OnlyTheOperatorRotatesAClinicsKeyAndTheRotationIsAuditedInThatClinic) {
  World w;
  KeyService keys(*w.store, *w.store, w.clock);
  const auto before = w.store->ListDataKeys();
  ASSERT_TRUE(before.has_value());

  auto refused = keys.RotateDataKey(w.As(w.admin), w.clinic_a);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.store->ListDataKeys()->size(), before->size());
  EXPECT_EQ(w.AuditCount("rotate_data_key"), 0);

  auto unknown = keys.RotateDataKey(Actor::System(), 999);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.AuditCount("rotate_data_key"), 0);

  auto rotated = keys.RotateDataKey(Actor::System(), w.clinic_a);
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  EXPECT_EQ(w.AuditCount("rotate_data_key", "clinic"), 1);
  auto entries = w.store->ListAudit(w.clinic_a, 0, 10'000);
  ASSERT_TRUE(entries.has_value());
  ASSERT_FALSE(entries->empty());
  const AuditEntry& last = entries->back();
  EXPECT_EQ(last.action, "rotate_data_key");
  EXPECT_EQ(last.record_id, std::to_string(w.clinic_a));
  EXPECT_EQ(last.actor_role, "system");
  bool active = false;
  const auto listed = w.store->ListDataKeys();
  ASSERT_TRUE(listed.has_value());
  for (const DataKeyStatus& key : *listed) {
    if (key.id == *rotated) active = key.state == "active" && key.clinic_id == w.clinic_a;
  }
  EXPECT_TRUE(active);
}

TEST(KeyService, AMasterKeyRotationIsAuditedInEveryClinic) {
  World w;
  KeyService keys(*w.store, *w.store, w.clock);
  const std::filesystem::path folder =
      std::filesystem::temp_directory_path() / ("rapport-key-service-" + RandomHex(6));
  std::filesystem::create_directories(folder);
  const std::string next = (folder / "next.master-key").string();

  auto refused = keys.RotateMasterKey(w.As(w.admin), next);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(next));

  auto wrapped = keys.RotateMasterKey(Actor::System(), next);
  ASSERT_TRUE(wrapped.has_value()) << wrapped.error().message;
  const auto clinics = w.store->ListClinics();
  ASSERT_TRUE(clinics.has_value());
  EXPECT_EQ(w.AuditCount("rotate_master_key", "clinic"), static_cast<int>(clinics->size()));
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace rapport
