// Fuzz target: api::ParseNodeId (the nodeId query parameter of
// GET /api/v1/lineage) on any bytes.
//
// Checks, besides the sanitizers:
//   - a parsed id prints back as exactly the text it came from, and that text
//     parses to the same id (no information is lost or invented);
//   - ids built with DatasetNodeId/JobNodeId from the parsed parts parse back
//     to those parts, with the parsed version appended: a name ending in
//     "#<uuid>" reads as a version when nothing follows it (Marquez's syntax
//     has no escape), so only a version suffix keeps such a name whole;
//   - a rejected id yields the 400 body the route sends, which must be JSON
//     (the message quotes the client's bytes).
//
// Seeds: node ids of the lineage API (scripts/fuzz.sh).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

#include "api/http_types.h"
#include "api/node_id.h"
#include "graphstore/base/strings.h"
#include "tests/fuzz/fuzz_check.h"

namespace lineaged::api {
namespace {

bool SameId(const NodeId& a, const NodeId& b) {
  return a.type == b.type && a.namespace_name == b.namespace_name && a.name == b.name &&
         a.field == b.field && a.version == b.version;
}

}  // namespace
}  // namespace lineaged::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lineaged::api;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<NodeId> id = ParseNodeId(text);
  if (!id.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(id.status())) << id.status().ToString();
    const Response response = ErrorResponse(400, lineaged::AsStd(id.status().message()));
    FUZZ_CHECK(nlohmann::json::accept(response.body)) << response.body;
    return 0;
  }
  const std::string printed = id->ToString();
  FUZZ_CHECK(printed == text) << "'" << text << "' prints as '" << printed << "'";
  absl::StatusOr<NodeId> again = ParseNodeId(printed);
  FUZZ_CHECK(again.ok() && SameId(*again, *id)) << printed;

  if (id->type == NodeId::Type::kDataset || id->type == NodeId::Type::kJob) {
    std::string built = id->type == NodeId::Type::kDataset
                            ? DatasetNodeId(id->namespace_name, id->name)
                            : JobNodeId(id->namespace_name, id->name);
    if (id->version) built += "#" + *id->version;
    absl::StatusOr<NodeId> reparsed = ParseNodeId(built);
    FUZZ_CHECK(reparsed.ok()) << built;
    FUZZ_CHECK(reparsed->namespace_name == id->namespace_name && reparsed->name == id->name)
        << built;
  }
  return 0;
}
