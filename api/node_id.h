#pragma once

// Marquez node ids: "dataset:<ns>:<name>", "job:<ns>:<name>",
// "datasetField:<ns>:<dataset>:<field>", "run:<uuid>", each with an optional
// "#<version uuid>". Namespaces contain ':' ("postgres://h:5432"), so Marquez's
// rule applies: when plain splitting on ':' yields too many parts, only colons
// not followed by "//" or a digit separate parts, and the last part keeps the
// rest.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace lineaged::api {

struct NodeId {
  enum class Type { kDataset, kDatasetField, kJob, kRun };
  Type type = Type::kDataset;
  std::string namespace_name;  // empty for kRun
  std::string name;            // dataset or job name; the run id for kRun
  std::string field;           // kDatasetField only
  std::optional<std::string> version;

  // The canonical text form, e.g. "dataset:ns:name".
  std::string ToString() const;
};

// InvalidArgument naming the problem for a malformed id.
absl::StatusOr<NodeId> ParseNodeId(std::string_view text);

std::string DatasetNodeId(std::string_view ns, std::string_view name);
std::string JobNodeId(std::string_view ns, std::string_view name);
std::string DatasetFieldNodeId(std::string_view ns, std::string_view dataset,
                               std::string_view field);

}  // namespace lineaged::api
