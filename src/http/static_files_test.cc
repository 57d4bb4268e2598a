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

TEST_F(StaticFilesTest, SendsTheBrotliFileToABrowserThatAcceptsIt) {
  Write(root_ / "assets" / "index-3f2a1b.js.br", "BROTLI BYTES");
  Write(root_ / "assets" / "index-3f2a1b.js.gz", "GZIP BYTES");
  StaticFiles files(root_);
  HttpResponse js = files.Serve("/assets/index-3f2a1b.js", "gzip, deflate, br, zstd");
  EXPECT_EQ(js.status, 200u);
  EXPECT_EQ(js.body, "BROTLI BYTES");
  EXPECT_EQ(HeaderOf(js, "Content-Encoding"), "br");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8") << "the type of what it decodes to";
  EXPECT_EQ(HeaderOf(js, "Vary"), "Accept-Encoding");
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, SendsGzipOrThePlainFileAsTheBrowserAccepts) {
  Write(root_ / "assets" / "index-3f2a1b.js.br", "BROTLI BYTES");
  Write(root_ / "assets" / "index-3f2a1b.js.gz", "GZIP BYTES");
  StaticFiles files(root_);
  const HttpResponse gzip = files.Serve("/assets/index-3f2a1b.js", "gzip;q=1.0, br;q=0");
  EXPECT_EQ(gzip.body, "GZIP BYTES");
  EXPECT_EQ(HeaderOf(gzip, "Content-Encoding"), "gzip");
  for (const char* accepts : {"", "identity", "deflate", "br;q=0, gzip;q=0", "*;q=0"}) {
    const HttpResponse plain = files.Serve("/assets/index-3f2a1b.js", accepts);
    EXPECT_EQ(plain.body, "console.log(1)") << accepts;
    EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "") << accepts;
    EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding") << "a cache must keep them apart";
  }
  EXPECT_EQ(files.Serve("/assets/index-3f2a1b.js", "*").body, "BROTLI BYTES");
}

TEST_F(StaticFilesTest, AFileWithoutCompressedFormsIsSentAsItIsWithoutVary) {
  StaticFiles files(root_);
  const HttpResponse css = files.Serve("/assets/style-99aa.css", "gzip, br");
  EXPECT_EQ(css.body, "body{}");
  EXPECT_EQ(HeaderOf(css, "Content-Encoding"), "");
  EXPECT_EQ(HeaderOf(css, "Vary"), "");
}

TEST_F(StaticFilesTest, TheIndexPageOfAnAppRouteIsCompressedToo) {
  Write(root_ / "index.html.gz", "GZIPPED INDEX");
  StaticFiles files(root_);
  const HttpResponse page = files.Serve("/clients/12", "gzip");
  EXPECT_EQ(page.body, "GZIPPED INDEX");
  EXPECT_EQ(HeaderOf(page, "Content-Encoding"), "gzip");
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(page, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ACompressedSiblingThatLeadsOutOfTheRootIsNeverSent) {
  fs::create_symlink(base_ / "secret.txt", root_ / "assets" / "style-99aa.css.gz");
  StaticFiles files(root_);
  const HttpResponse css = files.Serve("/assets/style-99aa.css", "gzip");
  EXPECT_EQ(css.body, "body{}");
  EXPECT_EQ(HeaderOf(css, "Content-Encoding"), "");
}

TEST_F(StaticFilesTest, ARequestNamingTheCurrentETagGetsNotModifiedWithoutABody) {
  Write(root_ / "assets" / "index-3f2a1b.js.br", "BROTLI BYTES");
  StaticFiles files(root_);
  const HttpResponse first = files.Serve("/assets/index-3f2a1b.js", "br");
  const std::string etag = HeaderOf(first, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  EXPECT_NE(etag, HeaderOf(files.Serve("/assets/index-3f2a1b.js"), "ETag"))
      << "the brotli and the plain file are different representations";

  const HttpResponse again = files.Serve("/assets/index-3f2a1b.js", "br", "\"other\", " + etag);
  EXPECT_EQ(again.status, 304u);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.content_type, "");
  EXPECT_EQ(HeaderOf(again, "ETag"), etag);
  EXPECT_EQ(files.Serve("/assets/index-3f2a1b.js", "br", "W/" + etag).status, 304u);
  EXPECT_EQ(files.Serve("/assets/index-3f2a1b.js", "br", "\"stale\"").status, 200u);
  EXPECT_EQ(files.Serve("/assets/index-3f2a1b.js", "", etag).status, 200u)
      << "the plain file is not the brotli one the browser holds";
}

TEST_F(StaticFilesTest, TheETagChangesWhenTheFileDoes) {
  StaticFiles files(root_);
  const std::string before = HeaderOf(files.Serve("/"), "ETag");
  Write(root_ / "index.html", "<!doctype html><title>app, new build</title>");
  const std::string after = HeaderOf(files.Serve("/"), "ETag");
  EXPECT_NE(before, after);
  EXPECT_EQ(files.Serve("/", "", before).status, 200u);
}

TEST(AcceptsEncoding, ReadsQualitiesAndTheWildcard) {
  EXPECT_TRUE(AcceptsEncoding("gzip, deflate, br", "br"));
  EXPECT_TRUE(AcceptsEncoding("GZIP", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("br;q=0.1", "br"));
  EXPECT_TRUE(AcceptsEncoding(" br ; q=1 ", "br"));
  EXPECT_FALSE(AcceptsEncoding("br;q=0", "br"));
  EXPECT_FALSE(AcceptsEncoding("br;q=0.000", "br"));
  EXPECT_FALSE(AcceptsEncoding("br;q=nonsense", "br"));
  EXPECT_FALSE(AcceptsEncoding("gzip", "br"));
  EXPECT_FALSE(AcceptsEncoding("", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("*", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("*, gzip;q=0", "gzip")) << "named beats the wildcard";
  EXPECT_FALSE(AcceptsEncoding("brotli", "br"));
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
