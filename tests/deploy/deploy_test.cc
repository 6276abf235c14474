// Consistency of deploy/ with what lineaged exports: every metric the Grafana
// dashboard and the alert rules query exists in a real render of
// exporters::Metrics, every dashboard query is PromQL that promtool accepts,
// and docs/operations.md documents every exported metric. (promtool's own
// checks of the rules run as the deploy_* ctest tests.)

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include <sys/wait.h>

#include "exporters/prometheus/metrics.h"
#include "graphstore/graph_store.h"
#include "tests/testing/temp_dir.h"

namespace lineaged {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

std::string SourcePath(const std::string& relative) {
  return std::string(LINEAGED_SOURCE_DIR) + "/" + relative;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The metric families of a render that has one sample of everything: name
// -> type.
std::map<std::string, std::string> ExportedFamilies() {
  lineaged::testing::TempDir dir;
  graphstore::Options options;
  options.data_dir = dir.path() + "/data";
  auto store = graphstore::GraphStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return {};
  graphstore::Event event;
  event.event_type = graphstore::RunEventType::kComplete;
  event.event_time_micros = 1'000'000;
  event.job = {"ns", "job"};
  event.outputs = {{"ns", "table"}};
  event.raw_json = "{}";
  EXPECT_TRUE((*store)->WriteAndWait(event).ok());

  exporters::MetricsOptions metrics_options;
  metrics_options.max_series = 1;
  exporters::Metrics metrics(store->get(), metrics_options);
  exporters::IngestSample sample;
  sample.event_type = "FAIL";
  sample.namespace_name = "ns";
  sample.job_name = "job";
  sample.event_time_micros = 1;
  sample.received_at_micros = 2;
  sample.durable_at_micros = 3;
  metrics.RecordIngest(sample);
  sample.namespace_name = "other";  // over the cap of 1
  metrics.RecordIngest(sample);
  sample.result = exporters::IngestSample::Result::kRejected;
  sample.reason = "invalid_field";
  metrics.RecordIngest(sample);
  metrics.RecordHttpRequest("GET", "/metrics", 200, 0.001);
  metrics.RecordGrpcRequest("/lineaged.v1.Ingest/Emit", 0, 0.001);
  const std::string text = metrics.Render();

  std::map<std::string, std::string> families;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    char name[256];
    char type[32];
    if (std::sscanf(line.c_str(), "# TYPE %255s %31s", name, type) == 2) families[name] = type;
  }
  return families;
}

// The series names of ExportedFamilies(): each family, and for histograms its
// _bucket, _sum and _count.
std::set<std::string> ExportedNames() {
  std::set<std::string> names;
  for (const auto& [name, type] : ExportedFamilies()) {
    names.insert(name);
    if (type == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(name + suffix);
    }
  }
  return names;
}

// Identifiers in `text` that name lineaged metrics.
std::set<std::string> MetricNamesIn(const std::string& text) {
  static const std::regex kMetric(
      R"(\b(lineage_[a-z0-9_]+|data_freshness_seconds|dataset_last_write_timestamp_seconds)\b)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kMetric);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

// Every "expr" of every panel (rows included) of the dashboard.
std::vector<std::string> DashboardExprs(const nlohmann::json& dashboard) {
  std::vector<std::string> exprs;
  std::vector<nlohmann::json> panels(dashboard["panels"].begin(), dashboard["panels"].end());
  for (size_t i = 0; i < panels.size(); ++i) {
    const nlohmann::json panel = panels[i];
    if (panel.contains("panels")) {
      for (const auto& nested : panel["panels"]) panels.push_back(nested);
    }
    if (!panel.contains("targets")) continue;
    for (const auto& target : panel["targets"]) exprs.push_back(target.value("expr", ""));
  }
  return exprs;
}

nlohmann::json Dashboard() {
  nlohmann::json dashboard = nlohmann::json::parse(
      ReadFile(SourcePath("deploy/grafana/dashboards/lineaged.json")), nullptr, false);
  EXPECT_FALSE(dashboard.is_discarded()) << "the dashboard is not JSON";
  return dashboard;
}

TEST(Deploy, DashboardQueriesOnlyExportedMetrics) {
  const std::set<std::string> exported = ExportedNames();
  ASSERT_THAT(exported, ::testing::Contains("lineage_events_total"));
  const nlohmann::json dashboard = Dashboard();
  ASSERT_TRUE(dashboard.is_object());
  const std::vector<std::string> exprs = DashboardExprs(dashboard);
  ASSERT_FALSE(exprs.empty());
  for (const std::string& expr : exprs) {
    EXPECT_FALSE(MetricNamesIn(expr).empty()) << "queries no lineaged metric: " << expr;
    for (const std::string& name : MetricNamesIn(expr)) {
      EXPECT_TRUE(exported.contains(name)) << name << " in the dashboard is not exported";
    }
  }
}

TEST(Deploy, DashboardIsProvisionable) {
  const nlohmann::json dashboard = Dashboard();
  ASSERT_TRUE(dashboard.is_object());
  EXPECT_EQ(dashboard.value("uid", ""), "lineaged");
  std::set<int> ids;
  for (const auto& panel : dashboard["panels"]) {
    EXPECT_TRUE(ids.insert(panel.value("id", -1)).second) << "duplicate panel id " << panel["id"];
    EXPECT_TRUE(panel.contains("gridPos")) << panel.value("title", "");
    if (panel.value("type", "") == "row") continue;
    // The uid the provisioned datasource declares.
    EXPECT_EQ(panel["datasource"].value("uid", ""), "prometheus") << panel.value("title", "");
  }
  EXPECT_THAT(ReadFile(SourcePath("deploy/grafana/provisioning/datasources/prometheus.yml")),
              ::testing::HasSubstr("uid: prometheus"));
  EXPECT_THAT(ReadFile(SourcePath("deploy/grafana/provisioning/dashboards/lineaged.yml")),
              ::testing::HasSubstr("path: /etc/grafana/dashboards"));
}

TEST(Deploy, AlertRulesQueryOnlyExportedMetrics) {
  const std::set<std::string> exported = ExportedNames();
  const std::set<std::string> used =
      MetricNamesIn(ReadFile(SourcePath("deploy/prometheus/alerts.yml")));
  ASSERT_FALSE(used.empty());
  for (const std::string& name : used) {
    EXPECT_TRUE(exported.contains(name)) << name << " in alerts.yml is not exported";
  }
}

TEST(Deploy, OperationsGuideDocumentsEveryMetric) {
  const std::string guide = ReadFile(SourcePath("docs/operations.md"));
  const std::map<std::string, std::string> families = ExportedFamilies();
  ASSERT_GE(families.size(), 20u);
  for (const auto& [name, type] : families) {
    EXPECT_THAT(guide, ::testing::HasSubstr("`" + name)) << name << " is not in docs/operations.md";
  }
  const std::string alerts = ReadFile(SourcePath("deploy/prometheus/alerts.yml"));
  static const std::regex kAlert(R"(- alert: ([A-Za-z]+))");
  for (auto it = std::sregex_iterator(alerts.begin(), alerts.end(), kAlert);
       it != std::sregex_iterator(); ++it) {
    EXPECT_THAT(guide, ::testing::HasSubstr((*it)[1].str()))
        << "alert " << (*it)[1] << " is not in docs/operations.md";
  }
}

// Grafana's variables replaced by what Prometheus would get.
std::string WithoutGrafanaVariables(std::string expr) {
  for (const char* variable : {"$__rate_interval", "$__interval", "$__range"}) {
    for (size_t at = expr.find(variable); at != std::string::npos; at = expr.find(variable)) {
      expr.replace(at, std::string(variable).size(), "5m");
    }
  }
  return expr;
}

TEST(Deploy, DashboardQueriesAreValidPromQl) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << kPromtool << " is not installed";
  const nlohmann::json dashboard = Dashboard();
  ASSERT_TRUE(dashboard.is_object());
  // Each query as a recording rule: promtool check rules parses every one.
  nlohmann::json rules = nlohmann::json::array();
  int n = 0;
  for (const std::string& expr : DashboardExprs(dashboard)) {
    rules.push_back({{"record", "dashboard:query_" + std::to_string(n++)},
                     {"expr", WithoutGrafanaVariables(expr)}});
  }
  const nlohmann::json file = {{"groups", {{{"name", "dashboard"}, {"rules", rules}}}}};
  lineaged::testing::TempDir dir;
  const std::string path = dir.path() + "/dashboard_rules.yml";
  {
    std::ofstream out(path);
    out << file.dump(2);  // JSON is YAML
  }
  const std::string command = std::string(kPromtool) + " check rules " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n_read = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n_read);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
}

}  // namespace
}  // namespace lineaged
