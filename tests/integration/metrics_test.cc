// GET /metrics against the real server: exact ingest counting, the labels of
// the Airflow corpus, dataset freshness growing between scrapes, promtool's
// lint, and a real Prometheus scraping the server and answering queries.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "tests/integration/harness.h"

namespace lineaged::integration {
namespace {

using Labels = std::map<std::string, std::string>;

constexpr char kPromtool[] = "/usr/bin/promtool";
constexpr char kPrometheus[] = "/usr/bin/prometheus";

// Bounds on waiting for something that happens asynchronously (a scrape, a
// clock moving on). Guards against hangs, not performance expectations.
constexpr std::chrono::seconds kPollTimeout{90};
constexpr std::chrono::milliseconds kPollInterval{200};

// ---------------------------------------------------------------------------
// The text exposition format, parsed into samples.

struct MetricSample {
  std::string name;
  Labels labels;
  double value = 0;
};

// Parses `text` (format 0.0.4). Records a non-fatal failure for a line it
// cannot read.
std::vector<MetricSample> ParseExposition(std::string_view text) {
  std::vector<MetricSample> samples;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) {
      ADD_FAILURE() << "unreadable sample line: " << line;
      continue;
    }
    sample.name = line.substr(0, i);
    if (line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string name = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value.push_back(line[j] == 'n' ? '\n' : line[j]);
          } else {
            value.push_back(line[j]);
          }
        }
        sample.labels[std::move(name)] = std::move(value);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') {
        ADD_FAILURE() << "unreadable labels: " << line;
        continue;
      }
      ++i;
    }
    std::istringstream rest(line.substr(i));
    std::string value;
    rest >> value;
    sample.value = std::strtod(value.c_str(), nullptr);
    samples.push_back(std::move(sample));
  }
  return samples;
}

bool Matches(const MetricSample& sample, std::string_view name, const Labels& filter) {
  if (sample.name != name) return false;
  for (const auto& [key, value] : filter) {
    auto it = sample.labels.find(key);
    if (it == sample.labels.end() || it->second != value) return false;
  }
  return true;
}

// The sum of every sample of `name` whose labels include `filter`.
double Sum(const std::vector<MetricSample>& samples, std::string_view name,
           const Labels& filter = {}) {
  double sum = 0;
  for (const MetricSample& sample : samples) {
    if (Matches(sample, name, filter)) sum += sample.value;
  }
  return sum;
}

// The value of the one sample of `name` with labels including `filter`.
std::optional<double> Value(const std::vector<MetricSample>& samples, std::string_view name,
                            const Labels& filter) {
  std::optional<double> found;
  for (const MetricSample& sample : samples) {
    if (!Matches(sample, name, filter)) continue;
    if (found.has_value()) {
      ADD_FAILURE() << "more than one " << name << " sample matches";
      return std::nullopt;
    }
    found = sample.value;
  }
  return found;
}

std::vector<MetricSample> Scrape(TestServer& server, std::string* text = nullptr) {
  const Response response = server.client().Get("/metrics");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.Header("Content-Type"), ::testing::HasSubstr("text/plain"));
  if (text != nullptr) *text = response.body;
  return ParseExposition(response.body);
}

// ---------------------------------------------------------------------------
// Child processes: promtool (run to completion) and Prometheus (a server).

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs argv[0] with `input` on stdin and returns its exit code and output.
CommandResult RunCommand(std::vector<std::string> args, const std::string& input) {
  CommandResult result;
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.output = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(out_pipe[1], STDERR_FILENO);
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (pid < 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    result.output = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  // Feed stdin from another thread so a chatty child cannot deadlock us.
  std::thread writer([fd = in_pipe[1], &input] {
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    while (written < input.size()) {
      const ssize_t n = write(fd, input.data() + written, input.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    close(fd);
  });
  char buffer[4096];
  while (true) {
    const ssize_t n = read(out_pipe[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  close(out_pipe[0]);
  writer.join();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// A long-running child with its output in a log file; SIGTERM and waitpid on
// Stop() or destruction. Not thread-safe.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool Start(std::vector<std::string> args, const std::string& log_path) {
    log_path_ = log_path;
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) return false;
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(null_fd, STDIN_FILENO);
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      close_range(3, ~0U, 0);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(log_fd);
    close(null_fd);
    if (pid < 0) return false;
    pid_ = pid;
    return true;
  }

  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // SIGTERM, wait (bounded), SIGKILL if needed. The exit code, 128 + signal,
  // or -1 if not running or killed.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      int status = 0;
      const pid_t reaped = waitpid(pid_, &status, WNOHANG);
      if (reaped == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (reaped < 0 && errno != EINTR) {
        pid_ = -1;
        return -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string log() const {
    std::ifstream in(log_path_, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// ---------------------------------------------------------------------------
// Events.

// A valid COMPLETE event of job test:<job> writing test:<job>.output at the
// current time, so its freshness starts near zero.
std::string FreshEvent(std::string_view job) {
  nlohmann::json event = MinimalEvent("test", job);
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  char text[32];
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  event["eventTime"] = text;
  return event.dump();
}

// (event_type, namespace, result) -> count, for the producer "airflow".
using EventCounts = std::map<std::tuple<std::string, std::string, std::string>, double>;

// What lineage_events_total must say after PostAirflowEvents: every event of
// the corpus accepted, counted by its eventType and job namespace.
EventCounts AirflowCounts() {
  EventCounts counts;
  for (int line = 1; line <= kAirflowEventCount; ++line) {
    const nlohmann::json event = ParseJson(AirflowEvent(line));
    EXPECT_EQ(event.value("producer", ""),
              "https://github.com/apache/airflow/tree/providers-openlineage/1.14.0");
    counts[{event.value("eventType", ""), event["job"].value("namespace", ""), "accepted"}] += 1;
  }
  return counts;
}

EventCounts AirflowSamples(const std::vector<MetricSample>& samples) {
  EventCounts counts;
  for (const MetricSample& sample : samples) {
    if (!Matches(sample, "lineage_events_total", {{"producer", "airflow"}})) continue;
    counts[{sample.labels.at("event_type"), sample.labels.at("namespace"),
            sample.labels.at("result")}] += sample.value;
  }
  return counts;
}

// ---------------------------------------------------------------------------

TEST(Metrics, CountsAcceptedRejectedAndDuplicateEventsExactly) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  constexpr int kAccepted = 7;
  constexpr int kDuplicates = 3;
  std::vector<std::string> bodies;
  for (int i = 0; i < kAccepted; ++i) {
    bodies.push_back(MinimalEvent("counting", "job" + std::to_string(i)).dump());
    const Response response = server.PostEvent(bodies.back());
    ASSERT_EQ(response.status, 201) << response.body;
  }
  for (int i = 0; i < kDuplicates; ++i) {
    const Response response = server.PostEvent(bodies[i]);
    ASSERT_EQ(response.status, 201) << response.body;
  }
  // Four rejections, one per reason.
  nlohmann::json bad_time = MinimalEvent("counting", "bad_time");
  bad_time["eventTime"] = "yesterday";
  nlohmann::json no_run_id = MinimalEvent("counting", "no_run_id");
  no_run_id["run"].erase("runId");
  nlohmann::json numeric_job = MinimalEvent("counting", "numeric_job");
  numeric_job["job"]["name"] = 42;
  const std::vector<std::pair<std::string, int>> rejected = {
      {"{not json", 400},
      {bad_time.dump(), 400},
      {no_run_id.dump(), 422},
      {numeric_job.dump(), 422},
  };
  for (const auto& [body, status] : rejected) {
    const Response response = server.PostEvent(body);
    ASSERT_EQ(response.status, status) << body << ": " << response.body;
  }
  // A wrong Content-Type never reaches ingest: only the HTTP metrics see it.
  const Response unsupported =
      server.client().Request("POST", kLineagePath, bodies[0], {{"Content-Type", "text/plain"}});
  ASSERT_EQ(unsupported.status, 415) << unsupported.body;

  const std::vector<MetricSample> samples = Scrape(server);
  EXPECT_EQ(Sum(samples, "lineage_events_total", {{"result", "accepted"}}), kAccepted);
  EXPECT_EQ(Sum(samples, "lineage_events_total", {{"result", "duplicate"}}), kDuplicates);
  EXPECT_EQ(Sum(samples, "lineage_events_total", {{"result", "rejected"}}), rejected.size());
  EXPECT_EQ(Sum(samples, "lineage_events_total"), kAccepted + kDuplicates + rejected.size());
  EXPECT_EQ(Sum(samples, "lineage_events_total",
                {{"namespace", "counting"}, {"event_type", "COMPLETE"}, {"producer", "other"}}),
            kAccepted + kDuplicates + 3);  // all but the unparseable one

  EXPECT_EQ(Sum(samples, "lineage_events_rejected_total"), rejected.size());
  for (const char* reason :
       {"malformed_json", "bad_event_time", "missing_field", "invalid_field"}) {
    EXPECT_EQ(Sum(samples, "lineage_events_rejected_total", {{"reason", reason}}), 1) << reason;
  }

  const Labels route = {{"route", kLineagePath}, {"method", "POST"}};
  auto http = [&](const char* code) {
    Labels labels = route;
    labels["code"] = code;
    return Sum(samples, "lineage_http_requests_total", labels);
  };
  EXPECT_EQ(http("201"), kAccepted + kDuplicates);
  EXPECT_EQ(http("400"), 2);
  EXPECT_EQ(http("422"), 2);
  EXPECT_EQ(http("415"), 1);
  Labels created = route;
  created["code"] = "201";
  EXPECT_EQ(Sum(samples, "lineage_http_request_duration_seconds_count", created),
            kAccepted + kDuplicates);

  // Durable outcomes (accepted and duplicate) have an ingest duration.
  EXPECT_EQ(Sum(samples, "lineage_ingest_duration_seconds_count"), kAccepted + kDuplicates);
  EXPECT_EQ(Sum(samples, "lineage_event_lag_seconds_count"), kAccepted);
  EXPECT_EQ(Sum(samples, "lineage_event_bytes_count"), kAccepted + kDuplicates + rejected.size());
  EXPECT_EQ(Value(samples, "lineage_store_events", {}), kAccepted);
  EXPECT_EQ(Value(samples, "lineage_runs", {{"state", "COMPLETED"}}), kAccepted);
  EXPECT_EQ(Value(samples, "lineage_jobs", {}), kAccepted);
  EXPECT_EQ(Value(samples, "lineage_datasets", {}), 2 * kAccepted);
  EXPECT_EQ(Value(samples, "lineage_edges", {}), 2 * kAccepted);
  EXPECT_GE(Sum(samples, "lineage_rocksdb_wal_syncs_total"), 1);
}

TEST(Metrics, AirflowCorpusIsLabelledAirflowByEventTypeAndNamespace) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const std::vector<MetricSample> samples = Scrape(server);
  EXPECT_EQ(AirflowSamples(samples), AirflowCounts());
  EXPECT_EQ(Sum(samples, "lineage_events_total"), kAirflowEventCount);
  EXPECT_EQ(Sum(samples, "lineage_event_bytes_count", {{"producer", "airflow"}}),
            kAirflowEventCount);
  EXPECT_GT(
      Value(samples, "lineage_producer_last_event_timestamp_seconds", {{"producer", "airflow"}})
          .value_or(0),
      0);
  // Ten datasets are written by a COMPLETE run; each has a freshness.
  EXPECT_GT(Sum(samples, "dataset_last_write_timestamp_seconds"), 0);
  int datasets = 0;
  for (const MetricSample& sample : samples) {
    if (sample.name == "data_freshness_seconds") ++datasets;
  }
  EXPECT_EQ(datasets, 10);
  EXPECT_TRUE(Value(samples, "data_freshness_seconds",
                    {{"namespace", "bigquery"}, {"dataset", "mock-project.test.upload"}})
                  .has_value());
}

TEST(Metrics, RunFailuresAreCountedByJob) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  for (int i = 0; i < 2; ++i) {
    nlohmann::json event = MinimalEvent("failing", "nightly");
    event["eventType"] = "FAIL";
    ASSERT_EQ(server.PostEvent(event.dump()).status, 201);
  }
  const std::vector<MetricSample> samples = Scrape(server);
  EXPECT_EQ(
      Value(samples, "lineage_run_failures_total", {{"namespace", "failing"}, {"job", "nightly"}}),
      2);
  EXPECT_EQ(Value(samples, "lineage_runs", {{"state", "FAILED"}}), 2);
}

TEST(Metrics, DataFreshnessGrowsBetweenScrapes) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  ASSERT_EQ(server.PostEvent(FreshEvent("fresh")).status, 201);
  const Labels dataset = {{"namespace", "test"}, {"dataset", "fresh.output"}};
  const std::optional<double> first = Value(Scrape(server), "data_freshness_seconds", dataset);
  ASSERT_TRUE(first.has_value());
  const std::optional<double> written =
      Value(Scrape(server), "dataset_last_write_timestamp_seconds", dataset);
  ASSERT_TRUE(written.has_value());

  const auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
  std::optional<double> later;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPollInterval);
    const std::vector<MetricSample> samples = Scrape(server);
    later = Value(samples, "data_freshness_seconds", dataset);
    ASSERT_TRUE(later.has_value());
    // The write time stays put; only the clock moves.
    EXPECT_EQ(Value(samples, "dataset_last_write_timestamp_seconds", dataset), written);
    if (*later > *first) break;
  }
  EXPECT_GT(later.value_or(0), *first);
}

// The render cache: a page shown twice is read once, then copied.
TEST(Metrics, JobPageShownTwiceIsOneMissThenHitsPerJob) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  const Labels hit = {{"result", "hit"}}, miss = {{"result", "miss"}};
  std::vector<MetricSample> samples = Scrape(server);
  EXPECT_EQ(Value(samples, "lineage_render_cache_lookups_total", hit), 0);
  EXPECT_EQ(Value(samples, "lineage_render_cache_entries", {}), 0);
  const Response first = server.client().Get("/api/v1/jobs");
  ASSERT_EQ(first.status, 200);
  const size_t jobs = nlohmann::json::parse(first.body)["jobs"].size();
  ASSERT_GT(jobs, 0u);
  EXPECT_EQ(server.client().Get("/api/v1/jobs").body, first.body);
  samples = Scrape(server);
  EXPECT_EQ(Value(samples, "lineage_render_cache_lookups_total", miss), jobs);
  EXPECT_EQ(Value(samples, "lineage_render_cache_lookups_total", hit), jobs);
  EXPECT_EQ(Value(samples, "lineage_render_cache_entries", {}), jobs);
  EXPECT_GT(Value(samples, "lineage_render_cache_bytes", {}).value_or(0), first.body.size());
}

TEST(Metrics, PromtoolFindsNothingToLint) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << kPromtool << " is not installed";
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  nlohmann::json failed = MinimalEvent("failing", "nightly");
  failed["eventType"] = "FAIL";
  ASSERT_EQ(server.PostEvent(failed.dump()).status, 201);
  ASSERT_EQ(server.PostEvent(AirflowEvent(1)).status, 201);  // duplicate
  ASSERT_EQ(server.PostEvent("{not json").status, 400);
  ASSERT_EQ(server.client().Get("/no/such/route").status, 404);
  ASSERT_EQ(server.client().Get("/api/v1/jobs").status, 200);
  std::string text;
  Scrape(server, &text);
  ASSERT_THAT(text, ::testing::HasSubstr("lineage_run_failures_total{"));

  const CommandResult result = RunCommand({kPromtool, "check", "metrics"}, text);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "") << "promtool check metrics complained";
}

// Prometheus's instant query `query`: the "result" array, or null while it
// cannot be had.
nlohmann::json QueryPrometheus(HttpClient& client, std::string_view query) {
  const Response response =
      client.Get("/api/v1/query?query=" + lineaged::testing::UrlEncode(query));
  if (response.status != 200) return nullptr;
  const nlohmann::json body = response.Json();
  if (!body.is_object() || body.value("status", "") != "success" || !body.contains("data") ||
      !body["data"].contains("result") || !body["data"]["result"].is_array()) {
    return nullptr;
  }
  return body["data"]["result"];
}

double SampleValue(const nlohmann::json& element) {
  return std::strtod(element["value"][1].get<std::string>().c_str(), nullptr);
}

TEST(Metrics, RealPrometheusScrapesCountsAndGrowingFreshness) {
  if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << kPrometheus << " is not installed";
  TestServer server;
  ASSERT_TRUE(server.Start());
  PostAirflowEvents(server);
  ASSERT_EQ(server.PostEvent(AirflowEvent(1)).status, 201);  // a duplicate
  ASSERT_EQ(server.PostEvent("{not json").status, 400);      // a rejection
  ASSERT_EQ(server.PostEvent(FreshEvent("fresh")).status, 201);
  EventCounts expected = AirflowCounts();
  expected[{"START", "airflow", "duplicate"}] += 1;

  lineaged::testing::TempDir dir;
  const std::string config = dir.path() + "/prometheus.yml";
  {
    std::ofstream out(config);
    out << "global:\n"
           "  scrape_interval: 1s\n"
           "  evaluation_interval: 1s\n"
           "scrape_configs:\n"
           "  - job_name: lineaged\n"
           "    static_configs:\n"
           "      - targets: ['127.0.0.1:"
        << server.port() << "']\n";
    ASSERT_TRUE(out.good());
  }
  // The free port may be taken between the probe and Prometheus's bind: try a
  // few.
  ChildProcess prometheus;
  int prometheus_port = 0;
  for (int attempt = 0; attempt < 5 && prometheus_port == 0; ++attempt) {
    const int port = FreeLoopbackPort();
    ASSERT_NE(port, 0);
    ASSERT_TRUE(prometheus.Start(
        {kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/tsdb",
         "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        dir.path() + "/prometheus.log"));
    HttpClient probe("127.0.0.1", port);
    const auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
    while (std::chrono::steady_clock::now() < deadline && prometheus.Alive()) {
      if (probe.Get("/-/ready").status == 200) {
        prometheus_port = port;
        break;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    if (prometheus_port == 0) prometheus.Stop();
  }
  ASSERT_NE(prometheus_port, 0) << "Prometheus never became ready:\n" << prometheus.log();
  HttpClient client("127.0.0.1", prometheus_port);

  // lineage_events_total, as Prometheus stored it from its scrapes.
  EventCounts seen;
  double rejected = 0;
  const auto deadline = std::chrono::steady_clock::now() + kPollTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const nlohmann::json result = QueryPrometheus(client, "lineage_events_total");
    if (result.is_array()) {
      seen.clear();
      rejected = 0;
      for (const nlohmann::json& element : result) {
        const nlohmann::json& metric = element["metric"];
        EXPECT_EQ(metric.value("job", ""), "lineaged");
        EXPECT_EQ(metric.value("instance", ""), "127.0.0.1:" + std::to_string(server.port()));
        if (metric.value("result", "") == "rejected") rejected += SampleValue(element);
        if (metric.value("producer", "") != "airflow") continue;
        seen[{metric.value("event_type", ""), metric.value("namespace", ""),
              metric.value("result", "")}] += SampleValue(element);
      }
      if (seen == expected && rejected == 1) break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  EXPECT_EQ(seen, expected) << prometheus.log();
  EXPECT_EQ(rejected, 1);

  // data_freshness_seconds grows from one scrape to the next.
  const std::string freshness_query =
      R"(data_freshness_seconds{namespace="test",dataset="fresh.output"})";
  std::optional<double> first;
  std::optional<double> later;
  while (std::chrono::steady_clock::now() < deadline + kPollTimeout) {
    const nlohmann::json result = QueryPrometheus(client, freshness_query);
    if (result.is_array() && result.size() == 1) {
      const double value = SampleValue(result[0]);
      if (!first.has_value()) {
        first = value;
      } else if (value > *first) {
        later = value;
        break;
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  ASSERT_TRUE(first.has_value()) << "Prometheus has no " << freshness_query;
  EXPECT_TRUE(later.has_value()) << "data_freshness_seconds did not grow past " << *first;

  client.Close();
  EXPECT_EQ(prometheus.Stop(), 0) << prometheus.log();
}

}  // namespace
}  // namespace lineaged::integration
