// The dataset and job list pages and lineage graphs keep what they rendered
// between requests (api/internal/rendered_node_cache.h, graphstore
// NodeStamp). These tests change the store in every way a page or a graph
// shows and check, after each change, that the cached answers are byte for
// byte what a router without a cache answers, and that the cache was used.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "api/http_types.h"
#include "api/internal/rendered_node_cache.h"
#include "api/lineage_routes.h"
#include "api/marquez_routes.h"
#include "api/router.h"
#include "graphstore/graph_store.h"
#include "tests/testing/graph_events.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace lineaged::api {
namespace {

using graphstore::RunEventType;
using lineaged::testing::BareRunEvent;
using lineaged::testing::Name;

constexpr int64_t kT0 = 1'700'000'000'000'000;

class ListPageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(lineaged::testing::OpenTestStore(dir_, &store_));
    cache_ = std::make_shared<internal::RenderedNodeCache>(size_t{8} << 20);
    AddNamespaceRoutes(&cached_, store_.get());
    AddDatasetRoutes(&cached_, store_.get(), cache_);
    AddJobRoutes(&cached_, store_.get(), cache_);
    AddLineageRoutes(&cached_, store_.get(), cache_);
    AddLineageRoutes(&uncached_, store_.get(), nullptr);
    AddDatasetRoutes(&uncached_, store_.get(), nullptr);
    AddJobRoutes(&uncached_, store_.get(), nullptr);
  }

  // `target` is a path with an optional "?name=value&..." query.
  static Response Send(Router& router, std::string method, const std::string& target) {
    Request request;
    request.method = std::move(method);
    const size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = ParseQuery(target.substr(question + 1));
    Response out;
    router.Dispatch(std::move(request), [&](Response r) { out = std::move(r); });
    return out;
  }

  // Every page, twice from the cached router (the second from its cache),
  // equals the uncached answer.
  void ExpectPagesCurrent(const std::string& step) {
    for (const std::string path :
         {"/api/v1/jobs", "/api/v1/namespaces/ns/jobs", "/api/v1/namespaces/ns/datasets",
          "/api/v1/jobs?limit=2&offset=1", "/api/v1/lineage?nodeId=job:ns:a",
          "/api/v1/lineage?nodeId=dataset:ns:t1&depth=1", "/api/v1/lineage?nodeId=job:ns:b",
          "/api/v1/lineage?nodeId=job:ns:e"}) {
      const Response want = Send(uncached_, "GET", path);
      // A hidden start node is a 404 for lineage; a list is always there.
      if (!path.starts_with("/api/v1/lineage")) {
        ASSERT_EQ(want.status, 200) << step << " " << path << ": " << want.body;
      }
      for (int round = 0; round < 2; ++round) {
        const Response got = Send(cached_, "GET", path);
        EXPECT_EQ(got.status, want.status) << step << " " << path;
        EXPECT_EQ(got.body, want.body) << step << " " << path << " round " << round;
      }
    }
  }

  void Write(graphstore::Event event) {
    auto outcome = store_->WriteAndWait(std::move(event));
    ASSERT_TRUE(outcome.ok()) << outcome.status();
  }

  graphstore::Event Run(uint16_t run, RunEventType type, int64_t t, const std::string& job,
                        const std::vector<std::string>& outputs = {}) {
    graphstore::Event e =
        BareRunEvent(run, type, t, Name("ns", job),
                     "{\"run\":" + std::to_string(run) + ",\"t\":" + std::to_string(t) +
                         ",\"seq\":" + std::to_string(++events_) + "}");
    for (const std::string& output : outputs) {
      graphstore::DatasetMention mention;
      mention.name = Name("ns", output);
      mention.schema = std::vector<graphstore::SchemaField>{{"id", "INT64", std::nullopt}};
      e.outputs.push_back(std::move(mention));
    }
    return e;
  }

  lineaged::testing::TempDir dir_;
  std::unique_ptr<graphstore::GraphStore> store_;
  std::shared_ptr<internal::RenderedNodeCache> cache_;
  Router cached_;
  Router uncached_;
  int events_ = 0;
};

TEST_F(ListPageCacheTest, PagesFollowEveryChangeTheyShow) {
  Write(Run(1, RunEventType::kStart, kT0, "a", {"t1"}));
  Write(Run(2, RunEventType::kStart, kT0, "b"));
  Write(Run(3, RunEventType::kStart, kT0, "c"));
  ExpectPagesCurrent("first runs");

  // Only a run record changes: a late event older than everything the job has.
  Write(Run(1, RunEventType::kRunning, kT0 - 1'000'000, "a"));
  ExpectPagesCurrent("late RUNNING");
  Write(Run(1, RunEventType::kComplete, kT0 + 1'000'000, "a", {"t1", "t2"}));
  ExpectPagesCurrent("COMPLETE with a new output");

  // A second run: the job's run list.
  Write(Run(4, RunEventType::kStart, kT0 + 2'000'000, "a"));
  ExpectPagesCurrent("second run");

  // Only an older run's record changes (the job's record does not: the event
  // is neither its first nor its newest, and the job's IO stays).
  graphstore::Event late = Run(1, RunEventType::kRunning, kT0 + 1'500'000, "a");
  late.run_mention.nominal_start_micros = kT0 - 60'000'000;
  Write(std::move(late));
  ExpectPagesCurrent("older run's nominal time");

  // A child run naming a parent run of "b" not seen yet: b gains a run.
  graphstore::Event child = Run(5, RunEventType::kStart, kT0 + 3'000'000, "d");
  child.run_mention.parent =
      graphstore::ParentRunRef{lineaged::testing::RunId(99), Name("ns", "b")};
  Write(std::move(child));
  ExpectPagesCurrent("parent run placeholder");
  // The placeholder's own events move it nowhere but fill it in.
  Write(Run(99, RunEventType::kComplete, kT0 + 4'000'000, "b"));
  ExpectPagesCurrent("parent run completes");

  // A run id reused by another job follows that job.
  Write(Run(3, RunEventType::kComplete, kT0 + 5'000'000, "a"));
  ExpectPagesCurrent("run moved from c to a");

  // Admin changes: tags and soft deletes, of jobs and datasets.
  ASSERT_EQ(Send(cached_, "PUT", "/api/v1/tags/pii").status, 200);
  ASSERT_EQ(Send(cached_, "POST", "/api/v1/namespaces/ns/jobs/a/tags/pii").status, 200);
  ASSERT_EQ(Send(cached_, "POST", "/api/v1/namespaces/ns/datasets/t1/tags/pii").status, 200);
  ExpectPagesCurrent("tags");
  // A job's lineage data leaves out a hidden dataset of its IO, though the
  // job itself did not change.
  Write(Run(7, RunEventType::kComplete, kT0 + 5'500'000, "e", {"t3", "t4"}));
  ExpectPagesCurrent("job e writes t3 and t4");
  ASSERT_EQ(Send(cached_, "DELETE", "/api/v1/namespaces/ns/datasets/t4").status, 200);
  ExpectPagesCurrent("t4 hidden");
  ASSERT_EQ(Send(cached_, "DELETE", "/api/v1/namespaces/ns/jobs/b").status, 200);
  ASSERT_EQ(Send(cached_, "DELETE", "/api/v1/namespaces/ns/datasets/t2").status, 200);
  ExpectPagesCurrent("soft deletes");
  Write(Run(6, RunEventType::kStart, kT0 + 6'000'000, "b", {"t2"}));
  ExpectPagesCurrent("restored by an event");

  const internal::RenderedNodeCache::Stats stats = cache_->stats();
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.misses, 0u);
  EXPECT_GT(stats.entries, 0u);
}

// Pages read while events land: whatever a reader rendered mid-change, once
// the writes stop the cached pages are the current ones.
TEST_F(ListPageCacheTest, PagesReadDuringWritesEndCurrent) {
  for (uint16_t job = 0; job < 8; ++job) {
    Write(Run(job + 1, RunEventType::kStart, kT0, "job" + std::to_string(job)));
  }
  std::atomic<bool> writing{true};
  std::thread reader([&] {
    while (writing.load()) {
      Send(cached_, "GET", "/api/v1/jobs");
      Send(cached_, "GET", "/api/v1/namespaces/ns/datasets");
      Send(cached_, "GET", "/api/v1/lineage?nodeId=job:ns:job0");
    }
  });
  for (uint16_t i = 0; i < 300; ++i) {
    const uint16_t job = i % 8;
    Write(Run(100 + i, i % 3 == 0 ? RunEventType::kStart : RunEventType::kComplete,
              kT0 + (i + 1) * 1'000'000, "job" + std::to_string(job),
              {"out" + std::to_string(i % 5)}));
  }
  writing.store(false);
  reader.join();
  ExpectPagesCurrent("after concurrent writes");
  const Response want = Send(uncached_, "GET", "/api/v1/lineage?nodeId=job:ns:job0");
  ASSERT_EQ(want.status, 200);
  EXPECT_EQ(Send(cached_, "GET", "/api/v1/lineage?nodeId=job:ns:job0").body, want.body);
  EXPECT_GT(cache_->stats().hits, 0u);
}

TEST_F(ListPageCacheTest, FilteredAndEmptyPagesMatchToo) {
  Write(Run(1, RunEventType::kStart, kT0, "a"));
  Write(Run(2, RunEventType::kComplete, kT0, "b"));
  for (const std::string path :
       {"/api/v1/jobs?lastRunStates=RUNNING", "/api/v1/jobs?lastRunStates=COMPLETED",
        "/api/v1/jobs?limit=0", "/api/v1/jobs?offset=10", "/api/v1/namespaces/none/jobs"}) {
    const Response want = Send(uncached_, "GET", path);
    EXPECT_EQ(want.status, 200) << path << ": " << want.body;
    for (int round = 0; round < 2; ++round) {
      const Response got = Send(cached_, "GET", path);
      EXPECT_EQ(got.status, want.status) << path;
      EXPECT_EQ(got.body, want.body) << path;
    }
  }
  EXPECT_EQ(Send(cached_, "GET", "/api/v1/namespaces/none/datasets").status, 404);
}

TEST(RenderedNodeCacheTest, KeepsTheNewestStampAndStaysWithinItsBudget) {
  internal::RenderedNodeCache cache(16 * 4096);  // 16 shards of 4 KiB
  auto key = [](uint64_t id) {
    return internal::RenderedNodeCache::Key(id, internal::RenderedNodeCache::View::kListItem);
  };
  auto text = [](char c) { return std::make_shared<const std::string>(1000, c); };
  cache.Insert(key(1), 5, text('a'));
  ASSERT_NE(cache.Find(key(1), 5), nullptr);
  EXPECT_EQ(*cache.Find(key(1), 5), std::string(1000, 'a'));
  EXPECT_EQ(cache.Find(key(1), 4), nullptr);  // another stamp is another text
  EXPECT_EQ(
      cache.Find(
          internal::RenderedNodeCache::Key(1, internal::RenderedNodeCache::View::kLineageData), 5),
      nullptr);                        // another view is another entry
  cache.Insert(key(1), 3, text('b'));  // a late, older rendering does not win
  EXPECT_EQ(*cache.Find(key(1), 5), std::string(1000, 'a'));
  cache.Insert(key(1), 6, text('c'));
  EXPECT_EQ(cache.Find(key(1), 5), nullptr);
  EXPECT_EQ(*cache.Find(key(1), 6), std::string(1000, 'c'));
  EXPECT_EQ(cache.stats().entries, 1u);

  // Ids 1, 17, 33, ... share a shard; it holds three 1000-byte texts.
  for (uint64_t id = 17; id <= 17 + 16 * 5; id += 16) cache.Insert(key(id), 1, text('d'));
  const internal::RenderedNodeCache::Stats stats = cache.stats();
  EXPECT_LE(stats.bytes, 4096u);
  EXPECT_EQ(stats.entries, 3u);
  EXPECT_EQ(cache.Find(key(1), 6), nullptr);            // least recently used, gone
  EXPECT_NE(cache.Find(key(17 + 16 * 5), 1), nullptr);  // newest, kept
  cache.Insert(key(2), 1, std::make_shared<const std::string>(5000, 'e'));  // over a shard
  EXPECT_EQ(cache.Find(key(2), 1), nullptr);
}

}  // namespace
}  // namespace lineaged::api
