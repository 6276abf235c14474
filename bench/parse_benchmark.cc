// lineaged_parse_benchmark: JSON parse cost of OpenLineage events, nlohmann::json vs simdjson.
//
// Events come from the Airflow corpus in $LINEAGED_CORPUS_DIR (default
// tests/data/corpus/compat/airflow/events, relative to the working directory), grouped by size,
// plus marquez-edge-cases/event_large.json (~220 KB) when it is found ($LINEAGED_LARGE_EVENT,
// tests/data/corpus/marquez-edge-cases/event_large.json, or next to the corpus dir).
// Each benchmark iteration handles one event, cycling through its size class, so "Time" is the
// time per event, bytes_per_second the throughput and items_per_second the events per second.
//
// Example:
//   LINEAGED_CORPUS_DIR=/work/shared/corpus/compat/airflow/events
//   build/bench/lineaged_parse_benchmark --benchmark_filter=airflow_all

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "nlohmann/json.hpp"
#include "simdjson.h"

namespace lineaged::bench {
namespace {

constexpr char kDefaultCorpusDir[] = "tests/data/corpus/compat/airflow/events";
constexpr char kDefaultLargeEvent[] = "tests/data/corpus/marquez-edge-cases/event_large.json";
constexpr size_t kSmallLimit = 2 * 1024;   // Airflow events below this are "small".
constexpr size_t kMediumLimit = 6 * 1024;  // Below this "medium", else "large".

// The events of one size class, with padded copies for simdjson (so it never copies the input).
struct SizeClass {
  explicit SizeClass(std::string class_name) : name(std::move(class_name)) {}

  std::string name;
  std::vector<std::string> texts;
  std::vector<simdjson::padded_string> padded;
  size_t max_size = 0;

  void Add(const std::string& text) {
    texts.push_back(text);
    padded.emplace_back(text);
    max_size = std::max(max_size, text.size());
  }
};

bool ReadFile(const std::filesystem::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = std::move(text).str();
  return static_cast<bool>(in);
}

// Loads the size classes; classes without events are left out.
std::vector<SizeClass> LoadSizeClasses() {
  const char* env_dir = std::getenv("LINEAGED_CORPUS_DIR");
  const std::filesystem::path corpus_dir = env_dir != nullptr ? env_dir : kDefaultCorpusDir;

  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(corpus_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    std::fprintf(stderr, "warning: cannot list %s: %s\n", corpus_dir.c_str(), ec.message().c_str());
  }
  std::sort(files.begin(), files.end());

  SizeClass small("airflow_small");
  SizeClass medium("airflow_medium");
  SizeClass large("airflow_large");
  SizeClass all("airflow_all");
  for (const auto& file : files) {
    std::string text;
    if (!ReadFile(file, &text)) {
      std::fprintf(stderr, "warning: cannot read %s\n", file.c_str());
      continue;
    }
    SizeClass& size_class =
        text.size() < kSmallLimit ? small : (text.size() < kMediumLimit ? medium : large);
    size_class.Add(text);
    all.Add(text);
  }

  SizeClass huge("marquez_event_large");
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("LINEAGED_LARGE_EVENT"); env != nullptr) {
    candidates.emplace_back(env);
  }
  candidates.emplace_back(kDefaultLargeEvent);
  candidates.push_back(corpus_dir / "../../../marquez-edge-cases/event_large.json");
  for (const auto& candidate : candidates) {
    std::string text;
    if (ReadFile(candidate, &text)) {
      huge.Add(text);
      break;
    }
  }

  std::vector<SizeClass> classes;
  for (SizeClass* c : {&small, &medium, &large, &all, &huge}) {
    if (!c->texts.empty()) classes.push_back(std::move(*c));
  }
  return classes;
}

void ReportThroughput(benchmark::State& state, const SizeClass& events, int64_t bytes) {
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations());
  state.counters["events"] = static_cast<double>(events.texts.size());
  state.counters["avg_event_bytes"] =
      state.iterations() > 0 ? static_cast<double>(bytes) / state.iterations() : 0;
}

void BM_Nlohmann_Parse(benchmark::State& state, const SizeClass* events) {
  const size_t n = events->texts.size();
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = events->texts[i];
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      state.SkipWithError("nlohmann::json::parse failed");
      break;
    }
    benchmark::DoNotOptimize(doc);
    bytes += static_cast<int64_t>(text.size());
    if (++i == n) i = 0;
  }
  ReportThroughput(state, *events, bytes);
}

void BM_Simdjson_Parse(benchmark::State& state, const SizeClass* events) {
  const size_t n = events->padded.size();
  simdjson::dom::parser parser;  // Reused: its buffers grow once, to the largest event.
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const simdjson::padded_string& text = events->padded[i];
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson::dom::parser::parse failed");
      break;
    }
    benchmark::DoNotOptimize(doc);
    bytes += static_cast<int64_t>(text.size());
    if (++i == n) i = 0;
  }
  ReportThroughput(state, *events, bytes);
}

void BM_Simdjson_Minify(benchmark::State& state, const SizeClass* events) {
  const size_t n = events->padded.size();
  auto out = std::make_unique<char[]>(events->max_size);
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const simdjson::padded_string& text = events->padded[i];
    size_t out_size = 0;
    if (simdjson::minify(text.data(), text.size(), out.get(), out_size) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson::minify failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
    benchmark::ClobberMemory();
    bytes += static_cast<int64_t>(text.size());
    if (++i == n) i = 0;
  }
  ReportThroughput(state, *events, bytes);
}

}  // namespace
}  // namespace lineaged::bench

int main(int argc, char** argv) {
  using lineaged::bench::SizeClass;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // Registered benchmarks keep pointers into `classes`, which lives until the end of main.
  const std::vector<SizeClass> classes = lineaged::bench::LoadSizeClasses();
  if (classes.empty()) {
    std::fprintf(stderr,
                 "error: no events found; run from the repository root or set "
                 "LINEAGED_CORPUS_DIR to a directory of *.json events\n");
    return 1;
  }
  std::fprintf(stderr, "simdjson implementation: %s\n",
               simdjson::get_active_implementation()->name().c_str());
  for (const SizeClass& c : classes) {
    std::fprintf(stderr, "size class %s: %zu events, max %zu bytes\n", c.name.c_str(),
                 c.texts.size(), c.max_size);
  }
  for (const SizeClass& c : classes) {
    benchmark::RegisterBenchmark(("BM_Nlohmann_Parse/" + c.name).c_str(),
                                 lineaged::bench::BM_Nlohmann_Parse, &c);
    benchmark::RegisterBenchmark(("BM_Simdjson_Parse/" + c.name).c_str(),
                                 lineaged::bench::BM_Simdjson_Parse, &c);
    benchmark::RegisterBenchmark(("BM_Simdjson_Minify/" + c.name).c_str(),
                                 lineaged::bench::BM_Simdjson_Minify, &c);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
