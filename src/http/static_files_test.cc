#include "http/static_files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace rapport {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ =
        fs::temp_directory_path() / ("rapport_static_" + std::to_string(std::random_device{}()));
    root_ = base_ / "dist";
    fs::create_directories(root_ / "assets");
    Write(root_ / "index.html", "<!doctype html><title>app</title>");
    Write(root_ / "assets" / "index-3f2a1b.js", "console.log(1)");
    Write(root_ / "assets" / "style-99aa.css", "body{}");
    Write(base_ / "secret.txt", "outside the web root");
    fs::create_symlink(base_ / "secret.txt", root_ / "link.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void Write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }

  fs::path base_;
  fs::path root_;
};

std::string HeaderOf(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

TEST_F(StaticFilesTest, ServesHashedAssetsWithTypeAndLongCache) {
  StaticFiles files(root_);
  HttpResponse js = files.Serve("/assets/index-3f2a1b.js");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(files.Serve("/assets/style-99aa.css").content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, AnswersUnknownAppPathsWithIndexHtml) {
  StaticFiles files(root_);
  HttpResponse page = files.Serve("/clients/12");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>app</title>"), std::string::npos);
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, MissingAssetIsNotFoundRatherThanHtml) {
  StaticFiles files(root_);
  EXPECT_EQ(files.Serve("/assets/gone-1234.js").status, 404u);
}

TEST_F(StaticFilesTest, RefusesToLeaveTheRoot) {
  StaticFiles files(root_);
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/link.txt",
                           "/./index.html/../../secret.txt", "/..\\secret.txt"}) {
    HttpResponse response = files.Serve(path);
    EXPECT_EQ(response.body.find("outside the web root"), std::string::npos) << path;
  }
}

TEST(StaticFiles, MissingRootGivesNotFound) {
  StaticFiles files("/nonexistent/rapport/web");
  EXPECT_EQ(files.Serve("/").status, 404u);
}

TEST(ContentTypeFor, KnowsTheTypesOfABuiltWebApp) {
  EXPECT_EQ(ContentTypeFor(".svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor(".woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor(".exe"), "application/octet-stream");
}

}  // namespace
}  // namespace rapport
