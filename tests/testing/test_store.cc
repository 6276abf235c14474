#include "tests/testing/test_store.h"

#include <utility>

#include "gtest/gtest.h"

namespace lineaged::testing {

void OpenTestStore(const TempDir& dir, std::unique_ptr<graphstore::GraphStore>* store,
                   graphstore::Options options) {
  options.data_dir = dir.path() + "/data";
  auto opened = graphstore::GraphStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  *store = std::move(*opened);
}

}  // namespace lineaged::testing
