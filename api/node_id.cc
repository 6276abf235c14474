#include "api/node_id.h"

#include <cctype>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "graphstore/base/strings.h"

namespace lineaged::api {
namespace {

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> SplitAll(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      parts.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// Splits only on colons not followed by "//" or a digit.
std::vector<std::string> SplitSeparatorColons(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    bool separator = false;
    if (i < s.size() && s[i] == ':') {
      std::string_view rest = s.substr(i + 1);
      bool url = rest.substr(0, 2) == "//";
      bool digit = !rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]));
      separator = !url && !digit;
    }
    if (i == s.size() || separator) {
      parts.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// Splits `s` into exactly `expected` parts, Marquez-style; nullopt if fewer.
std::optional<std::vector<std::string>> SplitParts(std::string_view s, size_t expected) {
  std::vector<std::string> parts = SplitAll(s);
  if (parts.size() > expected) parts = SplitSeparatorColons(s);
  if (parts.size() < expected) return std::nullopt;
  if (parts.size() > expected) {
    std::vector<std::string> rest(parts.begin() + expected - 1, parts.end());
    parts.resize(expected - 1);
    parts.push_back(absl::StrJoin(rest, ":"));
  }
  return parts;
}

}  // namespace

absl::StatusOr<NodeId> ParseNodeId(std::string_view text) {
  NodeId id;
  std::string_view body = text;
  size_t hash = body.rfind('#');
  if (hash != std::string_view::npos && IsUuid(body.substr(hash + 1))) {
    id.version = std::string(body.substr(hash + 1));
    body = body.substr(0, hash);
  }
  size_t colon = body.find(':');
  std::string_view type = body.substr(0, colon);
  size_t expected;
  if (type == "dataset") {
    id.type = NodeId::Type::kDataset;
    expected = 3;
  } else if (type == "job") {
    id.type = NodeId::Type::kJob;
    expected = 3;
  } else if (type == "datasetField") {
    id.type = NodeId::Type::kDatasetField;
    expected = 4;
  } else if (type == "run") {
    id.type = NodeId::Type::kRun;
    expected = 2;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "nodeId must start with dataset:, datasetField:, job: or run: (got '", AsAbsl(text), "')"));
  }
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("malformed nodeId '", AsAbsl(text), "'"));
  }
  // The type always ends at the first colon, even one followed by "//" (a
  // namespace may start with "//"); Marquez's rule applies to the rest.
  std::optional<std::vector<std::string>> parts = SplitParts(body.substr(colon + 1), expected - 1);
  if (!parts)
    return absl::InvalidArgumentError(absl::StrCat("malformed nodeId '", AsAbsl(text), "'"));
  for (const std::string& part : *parts) {
    if (part.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("malformed nodeId '", AsAbsl(text), "'"));
    }
  }
  if (id.type == NodeId::Type::kRun) {
    id.name = (*parts)[0];
  } else {
    id.namespace_name = (*parts)[0];
    id.name = (*parts)[1];
    if (id.type == NodeId::Type::kDatasetField) id.field = (*parts)[2];
  }
  return id;
}

std::string NodeId::ToString() const {
  std::string out;
  switch (type) {
    case Type::kDataset:
      out = DatasetNodeId(namespace_name, name);
      break;
    case Type::kJob:
      out = JobNodeId(namespace_name, name);
      break;
    case Type::kDatasetField:
      out = DatasetFieldNodeId(namespace_name, name, field);
      break;
    case Type::kRun:
      out = absl::StrCat("run:", name);
      break;
  }
  if (version) absl::StrAppend(&out, "#", *version);
  return out;
}

std::string DatasetNodeId(std::string_view ns, std::string_view name) {
  return absl::StrCat("dataset:", AsAbsl(ns), ":", AsAbsl(name));
}

std::string JobNodeId(std::string_view ns, std::string_view name) {
  return absl::StrCat("job:", AsAbsl(ns), ":", AsAbsl(name));
}

std::string DatasetFieldNodeId(std::string_view ns, std::string_view dataset,
                               std::string_view field) {
  return absl::StrCat("datasetField:", AsAbsl(ns), ":", AsAbsl(dataset), ":", AsAbsl(field));
}

}  // namespace lineaged::api
