#include "collector/batch.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lineaged::collector {
namespace {

using ::testing::ElementsAre;

// Each event of a JSON array is its own minified text, whatever the element.
TEST(SplitBatch, ArrayElementsAreMinified) {
  absl::StatusOr<std::vector<std::string>> elements = SplitBatch(R"([
    { "a": "x y", "n": [1, 2] } ,
    5,
    {"b": {"c": []}}
  ])",
                                                                 /*ndjson=*/false);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_THAT(*elements, ElementsAre(R"({"a":"x y","n":[1,2]})", "5", R"({"b":{"c":[]}})"));
}

TEST(SplitBatch, MalformedArrayIsRefusedWhole) {
  EXPECT_EQ(SplitBatch(R"([{"a": tru}])", /*ndjson=*/false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitBatch(R"({"a": 1})", /*ndjson=*/false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SplitBatch, NdjsonLinesAreCutAsSent) {
  absl::StatusOr<std::vector<std::string>> elements =
      SplitBatch("{ \"a\": 1 }\r\n\n  \n{\"b\":2}", /*ndjson=*/true);
  ASSERT_TRUE(elements.ok()) << elements.status();
  EXPECT_THAT(*elements, ElementsAre("{ \"a\": 1 }", "{\"b\":2}"));
}

}  // namespace
}  // namespace lineaged::collector
