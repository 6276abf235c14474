// Event content limits: datasets per event, bytes per facet, JSON depth. Each
// over-limit event is refused whole, naming the limit and the field.

#include "collector/internal/event_limits.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "collector/event_parser.h"

namespace lineaged::collector {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

nlohmann::json Event() {
  return {{"eventTime", "2024-05-01T10:00:00Z"},
          {"eventType", "COMPLETE"},
          {"producer", "https://example.com/producer"},
          {"run", {{"runId", "43d7db3b-8984-4cda-b237-8c6919b36670"}}},
          {"job", {{"namespace", "ns"}, {"name", "job"}}},
          {"inputs", nlohmann::json::array()},
          {"outputs", nlohmann::json::array()}};
}

nlohmann::json Datasets(int n) {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < n; ++i) list.push_back({{"namespace", "db"}, {"name", std::to_string(i)}});
  return list;
}

// A facet whose minified JSON is exactly `bytes` long (bytes >= 20).
nlohmann::json FacetOfSize(size_t bytes) {
  nlohmann::json facet = {{"v", ""}};  // {"v":""} is 8 bytes
  facet["v"] = std::string(bytes - 8, 'x');
  return facet;
}

ParsedEvent Parse(const nlohmann::json& event, EventLimits limits) {
  return EventParser(ValidationMode::kLenient, limits).Parse(event.dump());
}

TEST(EventLimits, DatasetsUpToTheLimitAreAccepted) {
  nlohmann::json event = Event();
  event["inputs"] = Datasets(3);
  event["outputs"] = Datasets(3);
  ParsedEvent parsed = Parse(event, {.max_datasets = 3});
  ASSERT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
  EXPECT_EQ(parsed.event.inputs.size(), 3u);
}

TEST(EventLimits, TooManyInputsOrOutputsAreOverLimit) {
  for (const std::string key : {"inputs", "outputs"}) {
    nlohmann::json event = Event();
    event[key] = Datasets(4);
    ParsedEvent parsed = Parse(event, {.max_datasets = 3});
    ASSERT_EQ(parsed.rejection, Rejection::kOverLimit) << key;
    ASSERT_EQ(parsed.violations.size(), 1u) << key;
    EXPECT_EQ(parsed.violations[0].limit, "max_event_datasets");
    EXPECT_EQ(parsed.violations[0].field, key);
    EXPECT_THAT(parsed.errors,
                ElementsAre(key + " has 4 datasets, more than max_event_datasets (3)"));
  }
}

TEST(EventLimits, FacetUpToTheLimitIsAccepted) {
  nlohmann::json event = Event();
  event["run"]["facets"]["big"] = FacetOfSize(4096);
  ASSERT_EQ(event["run"]["facets"]["big"].dump().size(), 4096u);
  ParsedEvent parsed = Parse(event, {.max_facet_bytes = 4096});
  EXPECT_TRUE(parsed.ok()) << ::testing::PrintToString(parsed.errors);
}

TEST(EventLimits, FacetOverTheLimitIsOverLimitWhereverItIs) {
  struct Case {
    std::string field;
    void (*place)(nlohmann::json& event, const nlohmann::json& facet);
  };
  const std::vector<Case> cases = {
      {"run.facets.big", [](auto& e, const auto& f) { e["run"]["facets"]["big"] = f; }},
      {"job.facets.big", [](auto& e, const auto& f) { e["job"]["facets"]["big"] = f; }},
      {"inputs[1].facets.big",
       [](auto& e, const auto& f) {
         e["inputs"] = Datasets(2);
         e["inputs"][1]["facets"]["big"] = f;
       }},
      {"inputs[0].inputFacets.big",
       [](auto& e, const auto& f) {
         e["inputs"] = Datasets(1);
         e["inputs"][0]["inputFacets"]["big"] = f;
       }},
      {"outputs[0].outputFacets.big",
       [](auto& e, const auto& f) {
         e["outputs"] = Datasets(1);
         e["outputs"][0]["outputFacets"]["big"] = f;
       }},
  };
  for (const Case& c : cases) {
    nlohmann::json event = Event();
    c.place(event, FacetOfSize(4097));
    event["run"]["facets"]["small"] = FacetOfSize(100);
    ParsedEvent parsed = Parse(event, {.max_facet_bytes = 4096});
    ASSERT_EQ(parsed.rejection, Rejection::kOverLimit) << c.field;
    ASSERT_EQ(parsed.violations.size(), 1u) << c.field;
    EXPECT_EQ(parsed.violations[0].limit, "max_facet_bytes");
    EXPECT_EQ(parsed.violations[0].field, c.field);
    EXPECT_THAT(parsed.errors,
                ElementsAre(c.field + " is 4097 bytes, more than max_facet_bytes (4096)"));
  }
}

TEST(EventLimits, DatasetEventFacetIsMeasured) {
  nlohmann::json event = {{"eventTime", "2024-05-01T10:00:00Z"},
                          {"producer", "p"},
                          {"dataset", {{"namespace", "db"}, {"name", "t"}}}};
  event["dataset"]["facets"]["big"] = FacetOfSize(5000);
  ParsedEvent parsed = Parse(event, {.max_facet_bytes = 4096});
  ASSERT_EQ(parsed.rejection, Rejection::kOverLimit);
  EXPECT_EQ(parsed.violations[0].field, "dataset.facets.big");
}

// `depth` levels in all, the event object being the first: depth - 4 nested
// arrays in run.facets.deep.v (event, run, facets, deep).
std::string EventOfDepth(size_t depth) {
  nlohmann::json event = Event();
  event["run"]["facets"]["deep"] = {{"v", "PLACEHOLDER"}};
  std::string text = event.dump();
  const std::string placeholder = "\"PLACEHOLDER\"";
  text.replace(text.find(placeholder), placeholder.size(),
               std::string(depth - 4, '[') + std::string(depth - 4, ']'));
  return text;
}

TEST(EventLimits, NestingUpToMaxDepthIsAcceptedDeeperIsOverLimit) {
  EventParser parser(ValidationMode::kLenient, {.max_depth = 16});
  ParsedEvent at_limit = parser.Parse(EventOfDepth(16));
  EXPECT_TRUE(at_limit.ok()) << ::testing::PrintToString(at_limit.errors);
  ParsedEvent deeper = parser.Parse(EventOfDepth(17));
  ASSERT_EQ(deeper.rejection, Rejection::kOverLimit);
  ASSERT_EQ(deeper.violations.size(), 1u);
  EXPECT_EQ(deeper.violations[0].limit, "max_json_depth");
  EXPECT_THAT(deeper.errors[0], HasSubstr("deeper than max_json_depth (16)"));
}

TEST(EventLimits, NewLimitsApplyToTheNextParse) {
  EventParser parser(ValidationMode::kLenient, {.max_depth = 16});
  ASSERT_EQ(parser.Parse(EventOfDepth(40)).rejection, Rejection::kOverLimit);
  parser.set_limits({.max_depth = 64});
  EXPECT_TRUE(parser.Parse(EventOfDepth(40)).ok());
}

}  // namespace
}  // namespace lineaged::collector
