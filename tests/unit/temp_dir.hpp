// A fresh directory under /tmp for one test (mkdtemp), removed with everything in it at
// the end of the test. Shared by the unit tests that open a real RocksDB.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace reel::unit {

struct temp_dir {
  std::filesystem::path path;

  explicit temp_dir(const std::string& purpose = "unit") {
    std::string tmpl = "/tmp/reel-" + purpose + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace reel::unit
