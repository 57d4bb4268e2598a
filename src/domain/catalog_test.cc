#include "domain/catalog.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(InstrumentCatalog, ShippedHasTheFiveFreeQuestionnaires) {
  auto catalog = InstrumentCatalog::Shipped();
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
  for (const char* code : {"PHQ-9", "GAD-7", "PSC-17", "RAPPORT-CHECK", "FIT-CHECK", "ASQ"}) {
    EXPECT_NE(catalog->Find(code), nullptr) << code;
  }
  EXPECT_EQ(catalog->Find("phq-9"), nullptr);
}

TEST(InstrumentCatalog, AClinicFileCannotReuseAShippedCode) {
  auto catalog = InstrumentCatalog::Shipped();
  ASSERT_TRUE(catalog.has_value());
  const std::string copy = R"({"code": "PHQ-9", "title": "t", "version": "1", "language": "en",
    "purpose": "outcome", "respondents": ["client"], "source": "s", "licence": "l",
    "validation": {"validated": false},
    "items": [{"id": "a", "text": "A", "options": [{"value": 0, "label": "no"}]}],
    "scales": [{"id": "total", "items": ["a"]}], "total": "total"})";
  auto added = catalog->AddDefinition(copy, "/clinic/phq.json");
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(added.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(added.error().message.find("/clinic/phq.json"), std::string::npos);
}

TEST(InstrumentCatalog, BrokenDefinitionsNameTheirFile) {
  InstrumentCatalog catalog;
  auto added = catalog.AddDefinition("{not json", "/clinic/broken.json");
  ASSERT_FALSE(added.has_value());
  EXPECT_NE(added.error().message.find("/clinic/broken.json"), std::string::npos);
  EXPECT_TRUE(catalog.entries().empty());
}

}  // namespace
}  // namespace rapport
