#include "api/lineage_routes.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "api/router.h"
#include "graphstore/graph_store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::api {
namespace {

class LineageRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_));
    AddLineageRoutes(&router_, store_.get());
  }

  Response Get(const std::string& node_id) {
    Request request;
    request.method = "GET";
    request.path = "/api/v1/lineage";
    request.query.emplace("nodeId", node_id);
    Response out;
    router_.Dispatch(std::move(request), [&](Response r) { out = std::move(r); });
    return out;
  }

  lineaged::testing::TempDir dir_;
  std::unique_ptr<graphstore::GraphStore> store_;
  Router router_;
};

// Found by tests/fuzz (node_id_fuzzer, router_fuzzer): the 400 quoted the
// nodeId, and rendering bytes that are not UTF-8 threw and ended the server.
TEST_F(LineageRouteTest, NodeIdThatIsNotUtf8Is400WithAJsonBody) {
  for (const std::string node_id : {"\xff",
                                    "datasetF\xe9"
                                    "eld:s3://b:p:c",
                                    "job:\xc3"}) {
    const Response response = Get(node_id);
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_TRUE(nlohmann::json::accept(response.body)) << response.body;
  }
}

TEST_F(LineageRouteTest, UnknownNodeWithANameThatIsNotUtf8Is404WithAJsonBody) {
  const Response response = Get("dataset:ns:\xff\xfe");
  EXPECT_EQ(response.status, 404) << response.body;
  EXPECT_TRUE(nlohmann::json::accept(response.body)) << response.body;
}

}  // namespace
}  // namespace lineaged::api
