#pragma once

// A graph store for one test, in a TempDir:
//
//   lineaged::testing::TempDir dir_;
//   std::unique_ptr<graphstore::GraphStore> store_;
//   void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenTestStore(dir_, &store_)); }

#include <memory>

#include "graphstore/graph_store.h"
#include "graphstore/options.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::testing {

// Opens a store with `options`, its data_dir set to `dir`/data, into *store
// (replacing what was there). A fatal test failure if it does not open.
void OpenTestStore(const TempDir& dir, std::unique_ptr<graphstore::GraphStore>* store,
                   graphstore::Options options = {});

}  // namespace lineaged::testing
