#include "tests/crash/store_check.h"

#include <fstream>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "collector/event_parser.h"
#include "graphstore/graph_store.h"
#include "tests/testing/temp_dir.h"

namespace lineaged::crash {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRunA[] = "0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d";
constexpr char kRunB[] = "43d7db3b-8984-4cda-b237-8c6919b36670";

std::string Event(const std::string& run_id, const std::string& type, const std::string& job) {
  return R"({"eventType":")" + type +
         R"(","eventTime":"2024-11-26T13:05:34Z","producer":"https://example.com/p",)"
         R"("run":{"runId":")" +
         run_id + R"("},"job":{"namespace":"ns","name":")" + job +
         R"("},"inputs":[{"namespace":"db","name":"in"}],"outputs":[{"namespace":"db","name":")" +
         job + R"(.out"}]})";
}

class StoreCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    graphstore::Options options;
    options.data_dir = data_dir_;
    auto store = graphstore::GraphStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    collector::EventParser parser(collector::ValidationMode::kLenient);
    for (const std::string& text :
         {Event(kRunA, "START", "a"), Event(kRunA, "COMPLETE", "a"), Event(kRunB, "FAIL", "b")}) {
      collector::ParsedEvent parsed = parser.Parse(text);
      ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
      ASSERT_TRUE((*store)->WriteAndWait(std::move(parsed.event)).ok());
    }
    ASSERT_TRUE((*store)->Close().ok());
  }

  lineaged::testing::TempDir dir_;
  std::string data_dir_ = dir_.path() + "/data";
};

TEST_F(StoreCheckTest, PassesWhenEveryAcknowledgedEventIsStored) {
  auto report = CheckStore(data_dir_, {{kRunA, "START"}, {kRunA, "COMPLETE"}, {kRunB, "FAIL"}});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->problems, IsEmpty());
  EXPECT_EQ(report->stored_events, 3u);
  EXPECT_EQ(report->acked_events, 3u);
  EXPECT_EQ(report->jobs_checked, 2u);
}

TEST_F(StoreCheckTest, ReportsAnAcknowledgedEventThatIsMissing) {
  const std::string unknown_run = "11111111-2222-4333-8444-555555555555";
  auto report = CheckStore(data_dir_, {{kRunA, "START"}, {unknown_run, "START"}});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->problems, Contains(HasSubstr(unknown_run)));
  EXPECT_THAT(report->problems, Contains(HasSubstr("1 of 2 acknowledged events are missing")));
}

TEST_F(StoreCheckTest, TheEventTypeIsPartOfTheIdentity) {
  auto report = CheckStore(data_dir_, {{kRunB, "COMPLETE"}});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->problems, Contains(HasSubstr(std::string(kRunB) + " COMPLETE")));
}

TEST(ReadAckLog, ReadsLinesAndRejectsMalformedOnes) {
  lineaged::testing::TempDir dir;
  const std::string path = dir.path() + "/acks.log";
  std::ofstream(path) << kRunA << " START\n" << kRunB << " -\n";
  auto acked = ReadAckLog(path);
  ASSERT_TRUE(acked.ok()) << acked.status();
  ASSERT_EQ(acked->size(), 2u);
  EXPECT_EQ((*acked)[1].run_id, kRunB);
  EXPECT_EQ((*acked)[1].event_type, "-");

  std::ofstream(path, std::ios::app) << kRunA << "\n";  // no eventType: a torn line
  auto torn = ReadAckLog(path);
  EXPECT_TRUE(absl::IsInvalidArgument(torn.status())) << torn.status();
  EXPECT_TRUE(absl::IsNotFound(ReadAckLog(dir.path() + "/none").status()));
}

}  // namespace
}  // namespace lineaged::crash
