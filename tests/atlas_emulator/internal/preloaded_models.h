#pragma once

// The Atlas typedef files the emulator preloads, embedded at configure time
// from tests/data/atlas/ (see tests/atlas_emulator/CMakeLists.txt and
// tests/data/SOURCES.md), so neither the library nor the binary reads files.

#include <string_view>
#include <vector>

namespace lineaged::testing::internal {

struct EmbeddedModelFile {
  std::string_view path;  // relative to tests/data/atlas, e.g. "0000-Area0/0010-base_model.json"
  std::string_view contents;
};

// In load order: sorted by path, so each model's patches follow it.
const std::vector<EmbeddedModelFile>& PreloadedModelFiles();

}  // namespace lineaged::testing::internal
