#include "exporters/atlas/atlas_exporter.h"

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "spdlog/spdlog.h"

#include "exporters/atlas/atlas_model.h"

namespace lineaged::exporters {

namespace {

constexpr char kBulkPath[] = "/api/atlas/v2/entity/bulk";
constexpr char kTypedefsPath[] = "/api/atlas/v2/types/typedefs";
constexpr char kTypedefByNamePath[] = "/api/atlas/v2/types/typedef/name/";

bool IsSuccess(int status) { return status >= 200 && status < 300; }
// 4xx is the peer saying the request itself is wrong; retrying cannot help.
// 408 and 429 are the exceptions: they are about timing.
bool IsContractError(int status) {
  return status >= 400 && status < 500 && status != 408 && status != 429;
}

// "ATLAS-404-00-007: Invalid instance creation/updation parameters ..." from
// an Atlas error body, or the status and the start of the body.
std::string Reason(const AtlasResponse& response) {
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object()) {
    auto code = body.find("errorCode");
    auto message = body.find("errorMessage");
    if (code != body.end() && code->is_string() && message != body.end() && message->is_string()) {
      return absl::StrCat(code->get<std::string>(), ": ", message->get<std::string>());
    }
  }
  return absl::StrCat("HTTP ", response.status, ": ", response.body.substr(0, 200));
}

}  // namespace

struct AtlasExporter::MetricFamilies {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Gauge& depth = prometheus::BuildGauge()
                                 .Name("atlas_outbox_depth")
                                 .Help("Events waiting to be sent to Apache Atlas")
                                 .Register(*registry)
                                 .Add({});
  prometheus::Gauge& lag = prometheus::BuildGauge()
                               .Name("atlas_sync_lag_seconds")
                               .Help("Age of the oldest event not yet confirmed by Atlas")
                               .Register(*registry)
                               .Add({});
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("atlas_requests_total")
          .Help("Entity requests sent to Atlas, by outcome")
          .Register(*registry);
  prometheus::Counter& success = requests.Add({{"result", "success"}});
  prometheus::Counter& retried = requests.Add({{"result", "retried"}});
  prometheus::Counter& rejected = requests.Add({{"result", "rejected"}});
  prometheus::Gauge& dead_letters = prometheus::BuildGauge()
                                        .Name("atlas_dead_letters")
                                        .Help("Events Atlas rejected, kept for inspection")
                                        .Register(*registry)
                                        .Add({});
};

absl::StatusOr<std::unique_ptr<AtlasExporter>> AtlasExporter::Create(graphstore::GraphStore* store,
                                                                     AtlasExporterOptions options) {
  absl::StatusOr<std::unique_ptr<AtlasClient>> client = AtlasClient::Create(options.client);
  if (!client.ok()) return client.status();
  return std::unique_ptr<AtlasExporter>(
      new AtlasExporter(store, std::move(options), std::move(*client)));
}

AtlasExporter::AtlasExporter(graphstore::GraphStore* store, AtlasExporterOptions options,
                             std::unique_ptr<AtlasClient> client)
    : store_(store),
      options_(std::move(options)),
      client_(std::move(client)),
      metrics_(std::make_unique<MetricFamilies>()) {}

AtlasExporter::~AtlasExporter() { Stop(); }

void AtlasExporter::Start() {
  worker_ = std::thread([this] { Run(); });
}

void AtlasExporter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

bool AtlasExporter::Wait(std::chrono::milliseconds duration) {
  absl::MutexLock lock(&mu_);
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Milliseconds(duration.count()));
}

std::chrono::milliseconds AtlasExporter::NextBackoff(int attempt) {
  // Exponential with full jitter, so many lineaged instances do not retry in step.
  thread_local std::mt19937 random(std::random_device{}());
  int64_t ceiling = options_.initial_backoff.count() << std::min(attempt, 16);
  ceiling = std::min<int64_t>(ceiling, options_.max_backoff.count());
  std::uniform_int_distribution<int64_t> jitter(ceiling / 2, ceiling);
  return std::chrono::milliseconds(jitter(random));
}

absl::Status AtlasExporter::EnsureTypedefsOnce() {
  nlohmann::json wanted = nlohmann::json::parse(LineagedTypedefsJson());
  for (const char* kind : {"entityDefs", "relationshipDefs"}) {
    for (const nlohmann::json& def : wanted[kind]) {
      std::string name = def["name"];
      absl::StatusOr<AtlasResponse> existing = client_->Send("GET", kTypedefByNamePath + name, "");
      if (!existing.ok()) return existing.status();
      nlohmann::json one = {{kind, nlohmann::json::array({def})}};
      if (existing->status == 404) {
        absl::StatusOr<AtlasResponse> created = client_->Send("POST", kTypedefsPath, one.dump());
        if (!created.ok()) return created.status();
        // 409: created meanwhile by another lineaged; the next round checks it.
        if (!IsSuccess(created->status) && created->status != 409) {
          return absl::FailedPreconditionError("creating type " + name + ": " + Reason(*created));
        }
        spdlog::info("atlas: registered type {}", name);
        continue;
      }
      if (!IsSuccess(existing->status)) {
        return absl::FailedPreconditionError("reading type " + name + ": " + Reason(*existing));
      }
      if (std::string_view(kind) != "entityDefs") continue;
      // An older lineaged registered fewer attributes: add the missing ones.
      nlohmann::json stored = nlohmann::json::parse(existing->body, nullptr, false);
      if (!stored.is_object() || !stored.contains("attributeDefs")) continue;
      std::set<std::string> have;
      for (const auto& attribute : stored["attributeDefs"])
        have.insert(attribute.value("name", ""));
      bool missing = false;
      for (const auto& attribute : def["attributeDefs"]) {
        if (!have.contains(attribute["name"].get<std::string>())) {
          stored["attributeDefs"].push_back(attribute);
          missing = true;
        }
      }
      if (!missing) continue;
      nlohmann::json update = {{kind, nlohmann::json::array({stored})}};
      absl::StatusOr<AtlasResponse> updated = client_->Send("PUT", kTypedefsPath, update.dump());
      if (!updated.ok()) return updated.status();
      if (!IsSuccess(updated->status)) {
        return absl::FailedPreconditionError("updating type " + name + ": " + Reason(*updated));
      }
      spdlog::info("atlas: added attributes to type {}", name);
    }
  }
  return absl::OkStatus();
}

bool AtlasExporter::EnsureTypedefs() {
  for (int attempt = 0;; ++attempt) {
    absl::Status status = EnsureTypedefsOnce();
    if (status.ok()) return true;
    spdlog::warn("atlas: typedefs not registered yet: {}", status.ToString());
    if (!Wait(NextBackoff(attempt))) return false;
  }
}

bool AtlasExporter::Deliver(const graphstore::OutboxEntry& entry) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<std::vector<graphstore::StoredEvent>> events =
        store_->ReadEvents(entry.sequence, 1);
    if (!events.ok() || events->empty() || (*events)[0].sequence != entry.sequence) {
      // The event is gone (retention) or unreadable: nothing Atlas could take.
      absl::Status s = store_->DeadLetterOutbox(entry.sequence, "stored event not readable");
      if (!s.ok()) spdlog::error("atlas: {}", s.ToString());
      return true;
    }
    const std::string& raw = (*events)[0].raw_json;
    std::vector<graphstore::QualifiedName> inputs, outputs;
    absl::StatusOr<std::optional<graphstore::QualifiedName>> job = EventJob(raw);
    if (job.ok() && job->has_value()) {
      // The job's current IO, as lineaged's own lineage shows it.
      absl::StatusOr<graphstore::JobInfo> info = store_->GetJob(**job);
      if (info.ok()) {
        inputs = std::move(info->inputs);
        outputs = std::move(info->outputs);
      }
    }
    absl::StatusOr<std::string> request = BuildBulkRequest(raw, inputs, outputs);
    if (!request.ok()) {
      absl::Status s = store_->DeadLetterOutbox(entry.sequence, request.status().ToString());
      if (!s.ok()) spdlog::error("atlas: {}", s.ToString());
      return true;
    }
    absl::StatusOr<AtlasResponse> response = client_->Send("POST", kBulkPath, *request);
    if (response.ok() && IsSuccess(response->status)) {
      metrics_->success.Increment();
      absl::Status s = store_->AckOutbox({entry.sequence});
      if (!s.ok()) spdlog::error("atlas: {}", s.ToString());
      return true;
    }
    if (response.ok() && IsContractError(response->status)) {
      metrics_->rejected.Increment();
      std::string reason = Reason(*response);
      spdlog::warn("atlas: event {} rejected, moved to dead letters: {}", entry.sequence, reason);
      absl::Status s = store_->DeadLetterOutbox(entry.sequence, reason);
      if (!s.ok()) spdlog::error("atlas: {}", s.ToString());
      return true;
    }
    metrics_->retried.Increment();
    std::chrono::milliseconds backoff = NextBackoff(attempt);
    spdlog::warn("atlas: event {} not delivered ({}), retrying in {} ms", entry.sequence,
                 response.ok() ? Reason(*response) : response.status().ToString(), backoff.count());
    if (!Wait(backoff)) return false;
  }
}

void AtlasExporter::Run() {
  if (!EnsureTypedefs()) return;
  uint64_t cursor = 0;
  for (;;) {
    absl::StatusOr<std::vector<graphstore::OutboxEntry>> entries =
        store_->ReadOutbox(cursor, options_.batch_size);
    if (!entries.ok()) {
      spdlog::error("atlas: reading the outbox: {}", entries.status().ToString());
      if (!Wait(options_.max_backoff)) return;
      continue;
    }
    if (entries->empty()) {
      oldest_unsent_micros_ = 0;
      // Dead letters put back by an operator sit before the cursor.
      if (cursor > 0 && store_->outbox_depth() > 0) {
        cursor = 0;
        continue;
      }
      if (!Wait(options_.idle_poll)) return;
      continue;
    }
    oldest_unsent_micros_ = entries->front().enqueued_at_micros;
    for (const graphstore::OutboxEntry& entry : *entries) {
      if (!Deliver(entry)) return;
      cursor = entry.sequence + 1;
    }
  }
}

std::string AtlasExporter::RenderMetrics() const {
  int64_t oldest = oldest_unsent_micros_.load();
  double lag = oldest == 0 ? 0.0 : (absl::ToUnixMicros(absl::Now()) - oldest) / 1e6;
  metrics_->depth.Set(static_cast<double>(store_->outbox_depth()));
  metrics_->lag.Set(std::max(0.0, lag));
  metrics_->dead_letters.Set(static_cast<double>(store_->dead_letter_count()));
  return prometheus::TextSerializer().Serialize(metrics_->registry->Collect());
}

}  // namespace lineaged::exporters
