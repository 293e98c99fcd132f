// The console's files (app/console/console_assets): the copy embedded at
// build time matches console/ byte for byte, and a --console-dir folder
// serves its regular files and nothing that climbs or links out of it.
#include "app/console/console_assets.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/paths.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_whole(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream{path, std::ios::binary} << text;
}

} // namespace

TEST_CASE("every file of console/ is embedded as it is", "[console_assets]") {
  auto assets = sb::console_assets::embedded();
  const fs::path dir = sb::test::source_dir() + "/console";
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    auto name = fs::relative(entry.path(), dir).generic_string();
    if (!entry.is_regular_file() || name.front() == '.')
      continue;
    ++files;
    auto found = assets->find(name);
    REQUIRE(found);
    CHECK(found->bytes == read_whole(entry.path()));
  }
  CHECK(files >= 2);
  CHECK(sb::console_embedded::file_count == files);
  auto login = assets->find("login.html");
  REQUIRE(login);
  CHECK(login->content_type == "text/html; charset=utf-8");
  CHECK(login->bytes.find("data-page=\"login\"") != std::string::npos);
  CHECK_FALSE(assets->find("missing.html"));
  CHECK_FALSE(assets->find("../console/login.html"));
  CHECK(assets->origin() == "embedded");
}

TEST_CASE("content types follow the extension", "[console_assets]") {
  CHECK(sb::console_content_type("a.css") == "text/css; charset=utf-8");
  CHECK(sb::console_content_type("a.js") == "text/javascript; charset=utf-8");
  CHECK(sb::console_content_type("a.svg") == "image/svg+xml");
  CHECK(sb::console_content_type("a.bin") == "application/octet-stream");
  CHECK(sb::console_content_type("js") == "application/octet-stream");
}

TEST_CASE("a console folder serves its files, read at each request",
          "[console_assets]") {
  sb::test::temp_dir tmp;
  const fs::path dir = fs::path(tmp.path()) / "console";
  write_file(dir / "login.html", "v1");
  write_file(dir / "vendor" / "chart.js", "chart");
  auto assets = sb::console_assets::from_directory(dir.string());
  REQUIRE(assets);
  CHECK((*assets)->find("login.html")->bytes == "v1");
  write_file(dir / "login.html", "v2");
  CHECK((*assets)->find("login.html")->bytes == "v2");
  auto chart = (*assets)->find("vendor/chart.js");
  REQUIRE(chart);
  CHECK(chart->content_type == "text/javascript; charset=utf-8");
  CHECK_FALSE((*assets)->find("missing.html"));
}

TEST_CASE("a console folder refuses names and links that leave it",
          "[console_assets]") {
  sb::test::temp_dir tmp;
  const fs::path root = tmp.path();
  const fs::path dir = root / "console";
  write_file(dir / "login.html", "page");
  write_file(root / "secret.txt", "secret");
  fs::create_symlink(root / "secret.txt", dir / "link.txt");
  fs::create_directories(dir / "sub");
  auto assets = sb::console_assets::from_directory(dir.string());
  REQUIRE(assets);
  const auto& a = **assets;
  CHECK_FALSE(a.find("../secret.txt"));
  CHECK_FALSE(a.find("sub/../../secret.txt"));
  CHECK_FALSE(a.find((root / "secret.txt").string()));
  CHECK_FALSE(a.find("link.txt"));
  CHECK_FALSE(a.find("sub"));
  CHECK_FALSE(a.find("./login.html"));
  CHECK_FALSE(a.find("sub//login.html"));
  CHECK_FALSE(a.find(""));
  CHECK(a.find("login.html"));
}

TEST_CASE("a console folder that is not one is refused at start",
          "[console_assets]") {
  sb::test::temp_dir tmp;
  const fs::path file = fs::path(tmp.path()) / "file";
  write_file(file, "x");
  CHECK_FALSE(sb::console_assets::from_directory(file.string()));
  CHECK_FALSE(sb::console_assets::from_directory(tmp.path() + "/none"));
}
