#include "store/sql/field_cipher.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/crypto.h"

namespace rapport {
namespace {

TEST(FieldCipher, EverySealedColumnIsListedOnceInFieldOrderWithItsOwnerKeyAndClinic) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < SealedColumns().size(); ++i) {
    const SealedColumn& c = SealedColumns()[i];
    EXPECT_EQ(static_cast<std::size_t>(c.field), i);
    EXPECT_EQ(&Sealed(c.field), &c);
    EXPECT_TRUE(names.insert(std::string(c.table) + "." + std::string(c.column)).second)
        << c.table << "." << c.column;
    EXPECT_FALSE(c.owner.empty()) << c.table << "." << c.column;
    EXPECT_FALSE(c.key.empty()) << c.table << "." << c.column;
    EXPECT_FALSE(c.clinic.empty()) << c.table << "." << c.column;
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(Field::kNotificationBody) + 1);
}

TEST(FieldCipher, TheContextNamesTheColumnAndEveryOwnerValueWithoutAmbiguity) {
  const SealedColumn& answers = Sealed(Field::kResponseAnswers);
  const std::string context = FieldContext(answers, OwnerOf(12, 34, "PHQ-9", 5678));
  EXPECT_EQ(context,
            "rapport field v1\nresponses.answers\nepisode_id=2:12\nrespondent_user_id=2:34\n"
            "instrument=5:PHQ-9\nsubmitted_at=4:5678\n");
  // Another row, another column or another table gives another context.
  EXPECT_NE(FieldContext(answers, OwnerOf(12, 34, "PHQ-9", 5679)), context);
  EXPECT_NE(FieldContext(Sealed(Field::kAlertResolveNote), OwnerOf(1, "r", 2)),
            FieldContext(Sealed(Field::kAlertAcknowledgeNote), OwnerOf(1, "r", 2)));
  // A value cannot spill into the next: lengths come first.
  const SealedColumn& event = Sealed(Field::kPlanEventPayload);
  EXPECT_NE(FieldContext(event, OwnerOf(1, "homework", "a\nactor_id=1:2", 3, 4)),
            FieldContext(event, OwnerOf(1, "homework", "a", 2, 4)));
  // A missing value (NULL) reads as empty, as the scans read it.
  EXPECT_EQ(OwnerText(std::optional<std::int64_t>()), "");
  EXPECT_EQ(OwnerText(std::optional<std::int64_t>(7)), "7");
}

TEST(FieldCipher, ASealedValueNamesItsKeyAndNothingElseLooksSealed) {
  const std::string sealed = FormatSealed(42, "QUJD");
  EXPECT_EQ(sealed, "rk1.42.QUJD");
  EXPECT_TRUE(IsSealedValue(sealed));
  EXPECT_EQ(SealedKeyId(sealed), 42);
  EXPECT_EQ(SealedPart(sealed), "QUJD");
  for (const char* clear : {"", "{}", "rk1.", "rk1..QUJD", "rk1.x.QUJD", "rk1.0.QUJD",
                            "rk1.-3.QUJD", "RK1.4.QUJD", "rk2.4.QUJD", "rk1.4"}) {
    EXPECT_FALSE(IsSealedValue(clear)) << clear;
    EXPECT_EQ(SealedPart(clear), "") << clear;
  }
  EXPECT_EQ(NameField(Sealed(Field::kFirstStepBrings), OwnerOf(9)),
            "first_steps.brings of client_id=9");
}

TEST(FieldCipher, AValueSealedForOneFieldOpensOnlyThere) {
  ASSERT_TRUE(InitCrypto().has_value());
  const auto key = TextSealer::FromHexKey(RandomHex(32));
  ASSERT_TRUE(key.has_value());
  const SealedColumn& brings = Sealed(Field::kFirstStepBrings);
  const std::string sealed = key->Seal("I can't sleep", FieldContext(brings, OwnerOf(9)));
  EXPECT_EQ(key->Open(sealed, FieldContext(brings, OwnerOf(9))).value_or(""), "I can't sleep");
  EXPECT_FALSE(key->Open(sealed, FieldContext(brings, OwnerOf(10))).has_value());
  EXPECT_FALSE(
      key->Open(sealed, FieldContext(Sealed(Field::kFirstStepHopes), OwnerOf(9))).has_value());
}

}  // namespace
}  // namespace rapport
